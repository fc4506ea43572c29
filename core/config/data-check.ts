// What `fairshrink run --dry-run` checks beyond the file's schema, so a misspelt name fails in a second instead of
// minutes later in a worker: each source's header and a sample of its rows, every column the data set spec names,
// labels, groups and numbers on the sample, and every rubric metric against a fairness report built on the sample.
// Each problem names the field and, where a near name exists, suggests it.
import { maybeGunzip, parseCsv, type CsvTable } from '../data/csv.ts';
import { fitEncoder } from '../data/encode.ts';
import { DataError } from '../data/errors.ts';
import { filterColumns } from '../data/filter.ts';
import { sensitiveLabels } from '../data/dataset-cache.ts';
import type { EncodedDataset, SplitName } from '../data/dataset.ts';
import { imageFolderRows } from '../data/images/source.ts';
import { featureColumnsOf, labelAndGroupColumns, labelledRows, type LabelledRows } from '../data/load.ts';
import { readSource } from '../data/sources.ts';
import { sourceKey, type DatasetSpec } from '../data/spec.ts';
import { poolTables, type PooledTable } from '../data/table.ts';
import { DEFAULT_CI_LEVEL } from '../fairness/bootstrap.ts';
import { assessFeasibility, type FeasibilityReport } from '../fairness/feasibility.ts';
import { editDistance, rubricReportMismatches } from '../fairness/gate.ts';
import { allIntersections } from '../fairness/groups.ts';
import { evaluateFairness } from '../fairness/report.ts';
import type { LoadedCampaign } from './campaign-file.ts';

/** Rows of each source the dry run reads (after the header). */
export const SAMPLE_ROWS = 2000;

/** ` (did you mean "x"?)` for the closest known name within a few edits (case ignored), else ''. */
export function didYouMean(name: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3))
    ? ` (did you mean "${best}"?)`
    : '';
}

/** The header and the first `rows` records of one source; the whole file when the cut would split a quoted field. */
function sampleTable(bytes: Uint8Array, spec: DatasetSpec, skipLines: number, file: string, rows: number): CsvTable {
  const content = maybeGunzip(bytes, file);
  const dialect = { ...spec.dialect, skipLines };
  let lines = skipLines + (spec.dialect.header ? 1 : 0) + rows;
  let end = 0;
  while (lines > 0 && end < content.length) {
    const next = content.indexOf(0x0a, end);
    if (next < 0) {
      end = content.length;
      break;
    }
    end = next + 1;
    lines--;
  }
  if (end >= content.length) return parseCsv(content, dialect, file);
  try {
    return parseCsv(content.subarray(0, end), dialect, file);
  } catch (err) {
    if (err instanceof DataError && /never closed/.test(err.message)) return parseCsv(content, dialect, file);
    throw err;
  }
}

/** Every column the spec names, with the field that names it. */
function namedColumns(spec: DatasetSpec): { field: string; column: string }[] {
  const named: { field: string; column: string }[] = [{ field: 'label.column', column: spec.label.column }];
  spec.sensitive.forEach((s, i) => named.push({ field: `sensitive[${i}].column`, column: s.column }));
  spec.features.categorical.forEach((c, i) => named.push({ field: `features.categorical[${i}]`, column: c }));
  if (spec.features.numeric !== 'rest') {
    spec.features.numeric.forEach((c, i) => named.push({ field: `features.numeric[${i}]`, column: c }));
  }
  spec.features.exclude.forEach((c, i) => named.push({ field: `features.exclude[${i}]`, column: c }));
  if (spec.drop.missingIn !== 'any') {
    spec.drop.missingIn.forEach((c, i) => named.push({ field: `drop.missingIn[${i}]`, column: c }));
  }
  if (spec.filter !== undefined) for (const c of filterColumns(spec.filter)) named.push({ field: 'filter', column: c });
  return named;
}

/**
 * Problems (one line each, `<field>: <problem>`) found by reading the campaign's data: empty when the header, the
 * sample and the rubric fit together. Unreadable sources and data errors on the sample are problems too.
 */
export async function checkCampaignData(loaded: LoadedCampaign, sampleRows = SAMPLE_ROWS): Promise<string[]> {
  const { spec, baseDir, file: specFile } = loaded.dataset;
  const where = specFile ?? 'dataset spec';
  if (spec.images !== undefined) return checkImageData(loaded, where, sampleRows);
  const tables: CsvTable[] = [];
  try {
    for (const source of spec.sources) {
      const bytes = await readSource(source, baseDir);
      tables.push(sampleTable(bytes, spec, source.skipLines, sourceKey(source), sampleRows));
    }
  } catch (err) {
    if (err instanceof DataError) return [`dataset (${where}): ${err.message}`];
    throw err;
  }
  let table;
  try {
    table = poolTables(tables);
  } catch (err) {
    if (err instanceof DataError) return [`dataset (${where}): ${err.message}`];
    throw err;
  }

  const missing = missingColumnProblems(spec, table, where);
  if (missing.length > 0) return missing;

  if (table.rows.length === 0) {
    return [
      `dataset (${where}): ${table.files.join(', ')} ha${table.files.length === 1 ? 's' : 've'} a header but no data rows; add the rows`,
    ];
  }

  // Labels, groups, filter and numbers on the sample, through the same code a worker runs.
  return checkSampleRows(loaded, table, where, sampleRows, (sample) =>
    fitEncoder(
      table,
      Uint32Array.from(sample.kept),
      featureColumnsOf(spec, table.columns),
      spec.dialect.missing,
      spec.features.numericMissing,
      spec.features.categoricalEncoding,
    ),
  );
}

/**
 * An image spec's check: its manifest (or file names) read as the worker reads them, every column the spec names, and
 * labels, groups and rubric metrics on the first `sampleRows` rows. Images are decoded by the full load that follows
 * (preflight.ts), not here.
 */
async function checkImageData(loaded: LoadedCampaign, where: string, sampleRows: number): Promise<string[]> {
  const { spec, baseDir } = loaded.dataset;
  let table;
  try {
    table = (await imageFolderRows(spec, baseDir)).table;
  } catch (err) {
    if (err instanceof DataError) return [`dataset (${where}): ${err.message}`];
    throw err;
  }
  const missing = missingColumnProblems(spec, table, where);
  if (missing.length > 0) return missing;
  const sample = { ...table, rows: table.rows.slice(0, sampleRows) };
  return checkSampleRows(loaded, sample, where, sampleRows, () => undefined);
}

/** Every column the spec names that the data's header lacks, each with a did-you-mean and the columns there are. */
function missingColumnProblems(spec: DatasetSpec, table: PooledTable, where: string): string[] {
  const header = new Set(table.columns);
  return namedColumns(spec).flatMap(({ field, column }) =>
    header.has(column)
      ? []
      : [
          `dataset.${field} (${where}): column "${column}" is not in the data${didYouMean(column, table.columns)}; ` +
            `the columns of ${table.files.join(', ')} are: ${table.columns.join(', ')}`,
        ],
  );
}

/** Labels, groups, filter (and, for CSV, the numbers through `fitFeatures`) on the sample, then the rubric metrics. */
function checkSampleRows(
  loaded: LoadedCampaign,
  table: PooledTable,
  where: string,
  sampleRows: number,
  fitFeatures: (sample: LabelledRows) => void,
): string[] {
  const { spec } = loaded.dataset;
  const problems: string[] = [];
  let sample: LabelledRows;
  try {
    const columns = labelAndGroupColumns(spec, table, where);
    sample = labelledRows(spec, table, columns);
    fitFeatures(sample);
  } catch (err) {
    if (err instanceof DataError) return [`dataset (${where}): ${err.message}`];
    throw err;
  }
  if (sample.kept.length === 0) {
    return [`dataset (${where}): no row of the first ${sampleRows} passes the filter and drop rules; check them`];
  }

  // Rubric metrics: build a report on the sample (any scores do; only its keys matter) and look each metric up.
  const { config, rubric } = loaded;
  const sensitive = Object.fromEntries(spec.sensitive.map((s, k) => [s.name, sample.groupNames[k]!]));
  const attributes = config.evaluation.attributes ?? spec.sensitive.map((s) => s.name);
  const score = Float64Array.from(sample.kept, (_, i) => ((i * 7919) % 100) / 100);
  const report = evaluateFairness(
    { label: sample.labels, score, referenceScore: score, sensitive },
    {
      attributes,
      intersections: config.evaluation.intersections ? allIntersections(attributes) : [],
      bootstrap: 0,
      minGroupSize: 1,
    },
  );
  for (const mismatch of rubricReportMismatches(rubric, report)) problems.push(`rubric.${mismatch}`);
  return problems;
}

/** Labels and group names of the split the gates judge on, from the data set as a worker loads it. */
export function gatedSplitRows(
  loaded: LoadedCampaign,
  dataset: EncodedDataset,
): { split: SplitName; labels: Uint8Array; groups: Record<string, string[]> } {
  const split = loaded.config.evaluation.split;
  return { split, labels: dataset.splits[split].y, groups: sensitiveLabels(dataset, split) };
}

/**
 * The pre-flight feasibility of the campaign's rubric on the rows its gates will judge, at the report's CI level and
 * min_group_size (docs/fairness.md#pre-flight-feasibility), from the data set preflight.ts loaded.
 */
export function checkFeasibility(loaded: LoadedCampaign, dataset: EncodedDataset): FeasibilityReport {
  const { split, labels, groups } = gatedSplitRows(loaded, dataset);
  return assessFeasibility(
    loaded.rubric,
    { labels, groups },
    { ciLevel: DEFAULT_CI_LEVEL, minGroupSize: loaded.config.evaluation.minGroupSize, split },
  );
}
