// From spec to EncodedDataset: read and hash the sources, parse, drop, derive labels and groups,
// split (seeded, stratified by group × label), fit the encoder on the training split and encode.
import { parseCsv, maybeGunzip } from './csv.ts';
import { SPLIT_NAMES, type EncodedDataset, type EncodedSplit, type SourceDigest, type SplitName } from './dataset.ts';
import { checkDerivation, declaredGroups, groupOf, labelOf } from './derive.ts';
import { encodeRows, fitEncoder, imageEncoder, type FeatureColumns } from './encode.ts';
import { DataError } from './errors.ts';
import { applyFilter, emptyFilterError, type FilterCount } from './filter.ts';
import { datasetIdOf, rawSha256, sha256Hex, specSha256 } from './hash.ts';
import { preprocessingOf, readImageFolder, type ImageFolderBytes, type ImageTable } from './images/source.ts';
import type { FeatureMatrix } from './matrix.ts';
import { stratifiedAssign } from './split.ts';
import { readSource } from './sources.ts';
import { loadDatasetSpec, parseDatasetSpec, sourceKey, type DatasetSpec, type LoadedDatasetSpec } from './spec.ts';
import { columnIndex, locate, poolTables, type PooledTable } from './table.ts';

/** Raw source bytes by spec path, for loading without a filesystem (tests, S3). */
export type SourceBytes = Record<string, Uint8Array>;

export interface LoadDatasetOptions {
  /** Use these bytes (by sourceKey: the path, or `dataset:<name>/<file>`) instead of reading the sources from disk. */
  sourceBytes?: SourceBytes;
  /** For an image spec: the manifest and images as bytes (uploaded by `fairshrink run`) instead of the folder on disk. */
  imageBytes?: ImageFolderBytes;
}

/**
 * The columns the model reads, from the spec and the table's header: `features.exclude` left out, and with
 * `features.excludeSensitive` every column a sensitive attribute is read from (listed or 'rest'), since a model that
 * reads the column can read the attribute. The attributes still define the groups; only the inputs change.
 */
export function featureColumnsOf(spec: DatasetSpec, header: readonly string[]): FeatureColumns {
  const { categorical, numeric } = spec.features;
  const left = new Set(spec.features.exclude);
  if (spec.features.excludeSensitive === true) for (const s of spec.sensitive) left.add(s.column);
  return {
    categorical: categorical.filter((c) => !left.has(c)),
    numeric:
      numeric === 'rest'
        ? header.filter((c) => c !== spec.label.column && !categorical.includes(c) && !left.has(c))
        : numeric.filter((c) => !left.has(c)),
  };
}

function resolveFeatureColumns(spec: DatasetSpec, table: PooledTable): FeatureColumns {
  const { categorical, numeric, exclude } = spec.features;
  const where = { file: table.files.join(', ') };
  for (const c of [...categorical, ...exclude, ...(numeric === 'rest' ? [] : numeric)])
    columnIndex(table, c, 'feature');
  const { categorical: categoricalColumns, numeric: numericColumns } = featureColumnsOf(spec, table.columns);
  for (const c of categoricalColumns) {
    if (numericColumns.includes(c))
      throw new DataError(
        'the column is listed as both categorical and numeric.',
        { ...where, column: c },
        'list it once.',
      );
  }
  if (categoricalColumns.includes(spec.label.column) || numericColumns.includes(spec.label.column)) {
    throw new DataError(
      'the label column is also a feature (the model would see the answer).',
      { ...where, column: spec.label.column },
      'remove it from features or add it to features.exclude.',
    );
  }
  if (categoricalColumns.length + numericColumns.length === 0)
    throw new DataError(
      spec.features.excludeSensitive === true
        ? 'the spec selects no feature columns besides the sensitive attributes, which features.excludeSensitive leaves out.'
        : 'the spec selects no feature columns.',
      where,
      'list features.categorical and/or features.numeric.',
    );
  return { categorical: categoricalColumns, numeric: numericColumns };
}

/** Where the label and each sensitive attribute (spec order) sit in a table. */
export interface LabelAndGroupColumns {
  label: number;
  sensitive: number[];
}

/** Finds the label and sensitive columns (DataError when one does not exist) and checks the group derivations. */
export function labelAndGroupColumns(spec: DatasetSpec, table: PooledTable, specFile: string): LabelAndGroupColumns {
  const label = columnIndex(table, spec.label.column, 'label');
  const sensitive = spec.sensitive.map((s) => {
    checkDerivation(s.derive, { file: specFile, column: s.column });
    return columnIndex(table, s.column, `sensitive attribute '${s.name}'`);
  });
  return { label, sensitive };
}

/** The rows the filter and drop rules keep, with each one's label and group names. */
export interface LabelledRows {
  /** Table positions of the kept rows, in table order. */
  kept: number[];
  /** Rows in and out per filter step (empty without a filter). */
  filter: FilterCount[];
  /** 1 = positive class, per kept row. */
  labels: Uint8Array;
  /** Per sensitive attribute (spec order): each kept row's group name. */
  groupNames: string[][];
}

/**
 * Applies the filter, then `drop.missingIn`, then maps each kept row's label to 0/1 and its sensitive values to group
 * names. The one path every labelled row takes, whether it is loaded with the data set or arrives later in a batch.
 */
export function labelledRows(spec: DatasetSpec, table: PooledTable, columns: LabelAndGroupColumns): LabelledRows {
  const missing = new Set(spec.dialect.missing);
  const dropCols =
    spec.drop.missingIn === 'any'
      ? table.columns.map((_, i) => i)
      : spec.drop.missingIn.map((c) => columnIndex(table, c, 'drop.missingIn'));
  const filtered = applyFilter(spec.filter, table, spec.dialect.missing, Array.from(table.rows.keys()));
  const kept = filtered.kept.filter((r) => !dropCols.some((c) => missing.has(table.rows[r]![c]!)));

  const labels = new Uint8Array(kept.length);
  const groupNames: string[][] = spec.sensitive.map(() => new Array<string>(kept.length));
  kept.forEach((r, i) => {
    const row = table.rows[r]!;
    const rawLabel = row[columns.label]!;
    if (missing.has(rawLabel))
      throw new DataError(
        'the label is missing.',
        locate(table, r, spec.label.column),
        'add the label column to drop.missingIn.',
      );
    labels[i] = labelOf(spec.label, rawLabel, locate(table, r, spec.label.column));
    spec.sensitive.forEach((s, k) => {
      const raw = row[columns.sensitive[k]!]!;
      if (missing.has(raw))
        throw new DataError(
          `the sensitive attribute '${s.name}' is missing.`,
          locate(table, r, s.column),
          `add '${s.column}' to drop.missingIn.`,
        );
      groupNames[k]![i] = groupOf(s.derive, raw, locate(table, r, s.column));
    });
  });
  return { kept, filter: filtered.counts, labels, groupNames };
}

/**
 * The split of each kept row (0 train, 1 validation, 2 test): seeded and stratified by the `split.stratifyBy` groups
 * (default every sensitive attribute) and the label; with `split.kind: given`, test rows come from the test sources
 * and validation rows are carved out of the train sources.
 */
function assignSplits(
  spec: DatasetSpec,
  table: PooledTable,
  rows: Pick<LabelledRows, 'kept' | 'labels' | 'groupNames'>,
): Uint8Array {
  const { kept, labels, groupNames } = rows;
  const stratifyBy = (spec.split.stratifyBy ?? spec.sensitive.map((s) => s.name)).map((name) =>
    spec.sensitive.findIndex((s) => s.name === name),
  );
  const stratumOf = (i: number) => [...stratifyBy.map((k) => groupNames[k]![i]!), `y=${labels[i]}`].join('\u0000');
  const part = new Uint8Array(kept.length);
  if (spec.split.kind === 'given') {
    const trainPositions: number[] = [];
    kept.forEach((r, i) => {
      const role = spec.sources[table.fileIndex[r]!]!.role;
      if (role === 'train') trainPositions.push(i);
      else if (role === 'test') part[i] = 2;
      else
        throw new DataError(`split.kind 'given' needs every source to have role 'train' or 'test', not '${role}'.`, {
          file: table.files[table.fileIndex[r]!],
        });
    });
    const vf = spec.split.validationFraction;
    const assigned = stratifiedAssign(trainPositions, trainPositions.map(stratumOf), [1 - vf, vf], spec.split.seed);
    trainPositions.forEach((i, j) => (part[i] = assigned[j]!));
  } else {
    const f = spec.split.fractions;
    const all = Uint32Array.from(kept.keys());
    part.set(stratifiedAssign(all, Array.from(all, stratumOf), [f.train, f.validation, f.test], spec.split.seed));
  }
  return part;
}

/** The CSV sources' bytes (from `sourceBytes` or disk), digests and pooled rows. */
async function readCsvSources(
  spec: DatasetSpec,
  baseDir: string,
  options: LoadDatasetOptions,
): Promise<{ table: PooledTable; digests: SourceDigest[] }> {
  const digests: SourceDigest[] = [];
  const tables = [];
  for (const source of spec.sources) {
    const key = sourceKey(source);
    const bytes = options.sourceBytes?.[key] ?? (await readSource(source, baseDir));
    const content = maybeGunzip(bytes, key);
    const table = parseCsv(content, { ...spec.dialect, skipLines: source.skipLines }, key);
    tables.push(table);
    digests.push({
      role: source.role,
      path: key,
      bytes: bytes.byteLength,
      sha256: sha256Hex(bytes),
      contentSha256: sha256Hex(content),
      rows: table.rows.length,
    });
  }
  return { table: poolTables(tables), digests };
}

/** The listed table rows' preprocessed images stacked into one rows × (h·w·c) matrix. */
function imageRows(images: ImageTable, rowIds: Uint32Array, cols: number): FeatureMatrix {
  const values = new Float32Array(rowIds.length * cols);
  rowIds.forEach((r, i) => values.set(images.pixels[r]!, i * cols));
  return { values, rows: rowIds.length, cols };
}

/**
 * Reads, hashes, parses and encodes a data set described by a spec file, a loaded spec, or a spec object (with
 * `baseDir`). An image spec (`images`) reads its folder instead of CSV sources; its rows are the images.
 */
export async function loadDataset(
  input: string | LoadedDatasetSpec,
  options: LoadDatasetOptions = {},
): Promise<EncodedDataset> {
  const loaded =
    typeof input === 'string'
      ? await loadDatasetSpec(input)
      : { ...input, spec: parseDatasetSpec(input.spec, input.file) };
  const { spec, baseDir } = loaded;

  // 1. Sources: bytes, hashes, parsed rows (for images: the manifest or file names, and the decoded pixels).
  const images = spec.images === undefined ? undefined : await readImageFolder(spec, baseDir, options.imageBytes);
  const { table, digests } = images ?? (await readCsvSources(spec, baseDir, options));
  const specHash = specSha256(spec);
  const rawHash = rawSha256(digests);

  // 2. Columns the spec names must exist.
  const columns = labelAndGroupColumns(spec, table, loaded.file ?? 'dataset spec');
  const featureColumns = images === undefined ? resolveFeatureColumns(spec, table) : undefined;

  // 3–4. Rows to drop; labels and groups per kept row.
  const { kept, filter, labels, groupNames } = labelledRows(spec, table, columns);
  if (filter.length > 0 && filter.at(-1)!.rowsOut === 0) throw emptyFilterError(filter, table.files.join(', '));
  const sensitive = spec.sensitive.map((s, k) => {
    const observed = new Set(groupNames[k]);
    const declared = declaredGroups(s.derive);
    const groups = declared ? declared.filter((g) => observed.has(g)) : [...observed].sort();
    return { name: s.name, column: s.column, groups };
  });
  const codes = sensitive.map((attr, k) => {
    const index = new Map(attr.groups.map((g, i) => [g, i]));
    return Uint16Array.from(groupNames[k]!, (g) => index.get(g)!);
  });

  // 5. Split.
  const part = assignSplits(spec, table, { kept, labels, groupNames });
  const positions: Record<SplitName, number[]> = { train: [], validation: [], test: [] };
  part.forEach((p, i) => positions[SPLIT_NAMES[p]!].push(i));

  // 6. Every group must appear in every split, or its metrics could not be computed.
  sensitive.forEach((attr, k) => {
    for (const split of SPLIT_NAMES) {
      const counts = new Array<number>(attr.groups.length).fill(0);
      for (const i of positions[split]) counts[codes[k]![i]!]!++;
      counts.forEach((n, g) => {
        if (n === 0) {
          const total = codes[k]!.filter((c) => c === g).length;
          throw new DataError(
            `group '${attr.groups[g]}' of sensitive attribute '${attr.name}' has no rows in the ${split} split (${total} rows in all after dropping).`,
            { file: table.files.join(', '), column: attr.column },
            'merge small groups with a map derivation, change split fractions or seed, or supply more data.',
          );
        }
      });
    }
  });

  // 7. Fit on train, encode every split.
  const keptRows = (list: number[]) => Uint32Array.from(list, (i) => kept[i]!);
  const encoder =
    featureColumns === undefined
      ? imageEncoder(preprocessingOf(spec.images!))
      : fitEncoder(
          table,
          keptRows(positions.train),
          featureColumns,
          spec.dialect.missing,
          spec.features.numericMissing,
          spec.features.categoricalEncoding,
        );
  const cols = encoder.featureNames.length;
  const makeSplit = (split: SplitName): EncodedSplit => {
    const list = positions[split];
    const rowIds = keptRows(list);
    const groups: Record<string, Uint16Array> = {};
    sensitive.forEach((attr, k) => (groups[attr.name] = Uint16Array.from(list, (i) => codes[k]![i]!)));
    const x = images === undefined ? encodeRows(encoder, table, rowIds) : imageRows(images, rowIds, cols);
    return { x, y: Uint8Array.from(list, (i) => labels[i]!), groups, rowIds };
  };

  return {
    formatVersion: 1,
    name: spec.name,
    datasetId: datasetIdOf(rawHash, specHash),
    rawSha256: rawHash,
    specSha256: specHash,
    spec,
    sources: digests,
    featureNames: encoder.featureNames,
    ...(encoder.image === undefined
      ? {}
      : { inputShape: [encoder.image.height, encoder.image.width, encoder.image.channels] }),
    sensitive,
    encoder,
    splits: { train: makeSplit('train'), validation: makeSplit('validation'), test: makeSplit('test') },
    stats: {
      parsedRows: table.rows.length,
      droppedRows: table.rows.length - kept.length,
      // Only with a filter, so data sets without one keep their serialised bytes.
      ...(filter.length > 0 ? { filter } : {}),
    },
  };
}
