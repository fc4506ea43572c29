// A new labelled batch (e.g. a deployment monitor's audit rows) encoded exactly as the data set was: the same
// parse, drop rules, label and group derivations (labelledRows, shared with loadDataset) and the data set's
// fitted encoder. Nothing is refitted, and group codes index the data set's own group lists.
import { parseCsv } from './csv.ts';
import type { EncodedDataset } from './dataset.ts';
import { encodeRows } from './encode.ts';
import { DataError } from './errors.ts';
import { labelAndGroupColumns, labelledRows } from './load.ts';
import type { FeatureMatrix } from './matrix.ts';
import { locate, poolTables, type PooledTable } from './table.ts';

export interface EncodedBatch {
  /** Row-major features from the data set's encoder (unseen categories in their `<unseen>` columns). */
  x: FeatureMatrix;
  /** 1 = positive class. */
  y: Uint8Array;
  /** Per sensitive attribute name: each row's group code, an index into `dataset.sensitive[k].groups`. */
  groups: Record<string, Uint16Array>;
  /** Rows kept (after the data set's drop rules). */
  rows: number;
  /** Parsed rows the drop rules removed. */
  droppedRows: number;
}

/** Every column the encoding reads, each named once: label, sensitive attributes, drop rules, features. */
function columnsUsed(dataset: EncodedDataset): string[] {
  const { spec, encoder } = dataset;
  const drop = spec.drop.missingIn === 'any' ? [] : spec.drop.missingIn;
  return [
    ...new Set([
      spec.label.column,
      ...spec.sensitive.map((s) => s.column),
      ...drop,
      ...encoder.features.map((f) => f.column),
    ]),
  ];
}

function requireColumns(dataset: EncodedDataset, table: PooledTable, file: string): void {
  const absent = columnsUsed(dataset).filter((c) => !table.columns.includes(c));
  if (absent.length > 0) {
    throw new DataError(
      `the batch has no column ${absent.map((c) => `'${c}'`).join(', ')}, which data set '${dataset.name}' uses. The batch's columns are: ${table.columns.join(', ')}.`,
      { file, column: absent[0] },
      "write the batch with the columns of the data set's sources (same names; same delimiter and header setting).",
    );
  }
}

/**
 * Parses a labelled CSV batch (gzip allowed; the data set's dialect, no banner lines) and encodes it like the
 * data set: rows the spec's filter and drop rules remove are counted in `droppedRows`; labels, groups and features go
 * through the same derivations and the fitted encoder. A group the data set never saw is an error, not a new
 * code: the deployed model was validated without it, so its metrics there cannot be judged against a baseline.
 * Bad input throws a DataError naming the file, line and column, with a fix.
 */
export function encodeBatch(dataset: EncodedDataset, bytes: Uint8Array, file: string): EncodedBatch {
  const { spec } = dataset;
  const table = poolTables([parseCsv(bytes, { ...spec.dialect, skipLines: 0 }, file)]);
  requireColumns(dataset, table, file);
  if (table.rows.length === 0) {
    throw new DataError(
      'the batch has no data rows.',
      { file },
      'supply at least one labelled row (a header alone is not a batch).',
    );
  }

  const { kept, filter, labels, groupNames } = labelledRows(
    spec,
    table,
    labelAndGroupColumns(spec, table, 'dataset spec'),
  );
  if (filter.length > 0 && filter.at(-1)!.rowsOut === 0) {
    throw new DataError(
      `the data set's filter keeps none of the batch's ${table.rows.length} rows (${filter.map((f) => `${f.predicate}: ${f.rowsIn} -> ${f.rowsOut}`).join('; ')}).`,
      { file },
      "audit rows of the population the model was trained for (the spec's filter says which).",
    );
  }
  if (kept.length === 0) {
    const rule = spec.drop.missingIn === 'any' ? 'any column' : spec.drop.missingIn.join(', ');
    throw new DataError(
      `all ${table.rows.length} rows are dropped: each has a missing value (${spec.dialect.missing.map((m) => `'${m}'`).join(', ')}) in ${rule}.`,
      { file, line: table.lines[0] },
      'fill in the missing values, or audit a batch with complete rows.',
    );
  }

  const groups: Record<string, Uint16Array> = {};
  dataset.sensitive.forEach((attr, k) => {
    const index = new Map(attr.groups.map((g, i) => [g, i]));
    const names = groupNames[k]!;
    const codes = new Uint16Array(kept.length);
    let firstUnseen = -1;
    const unseen = new Set<string>();
    let unseenRows = 0;
    names.forEach((name, i) => {
      const code = index.get(name);
      if (code !== undefined) {
        codes[i] = code;
        return;
      }
      if (firstUnseen < 0) firstUnseen = i;
      unseen.add(name);
      unseenRows++;
    });
    if (firstUnseen >= 0) {
      throw new DataError(
        `group '${names[firstUnseen]}' of sensitive attribute '${attr.name}' is not among the data set's groups [${attr.groups.join(', ')}] (${unseenRows} row${unseenRows === 1 ? '' : 's'} of the batch; unseen: ${[...unseen].join(', ')}).`,
        locate(table, kept[firstUnseen]!, attr.column),
        'the deployed model was never judged on this group: remove those rows, or merge the value into a known group in the spec (derive.map) and re-run the campaign.',
      );
    }
    groups[attr.name] = codes;
  });

  return {
    x: encodeRows(dataset.encoder, table, Uint32Array.from(kept)),
    y: labels,
    groups,
    rows: kept.length,
    droppedRows: table.rows.length - kept.length,
  };
}
