/**
 * core/data: data set specs, CSV loading, encoding, seeded stratified splits, content hashes.
 *
 * - `loadDatasetSpec(file)` → { spec, baseDir } (YAML or JSON; paths relative to the file; `{ dataset, file }`
 *   sources name pinned public data sets, installed on first use by infra/datasets.ts);
 *   `parseDatasetSpec(obj)`; `datasetSpecJsonSchema()`.
 * - `loadDataset(specFile | { spec, baseDir }, { sourceBytes? })` → EncodedDataset: Float32Array
 *   feature matrices per split (row-major, with shape), Uint8Array labels, group codes per sensitive
 *   attribute, feature names, the fitted encoder, and rawSha256 / specSha256 / datasetId.
 * - `encodeCsv(dataset, bytes, file)` encodes new rows (labels optional) exactly like the training data;
 *   `encodeBatch(dataset, bytes, file)` (batch.ts) does the same for a labelled batch, with the data set's drop
 *   rules and sensitive groups, as deployment audits need.
 * - `serializeDataset(ds)` / `deserializeDataset(bytes)`: deterministic bytes for the artifact store.
 * - Bad input throws `DataError` with file, line, column and a fix.
 * See docs/data-and-models.md.
 */
import type { EncodedDataset } from './dataset.ts';
import { parseCsv, maybeGunzip } from './csv.ts';
import { labelOf } from './derive.ts';
import { encodeRows } from './encode.ts';
import type { FeatureMatrix } from './matrix.ts';
import { locate, poolTables } from './table.ts';

export { encodeBatch, type EncodedBatch } from './batch.ts';
export { parseCsv, maybeGunzip, uniqueColumnNames, type CsvDialect, type CsvTable } from './csv.ts';
export {
  SPLIT_NAMES,
  groupLabels,
  type EncodedDataset,
  type EncodedSplit,
  type SensitiveAttribute,
  type SourceDigest,
  type SplitName,
} from './dataset.ts';
export { bucketLabels, groupOf, labelOf, parseNumber } from './derive.ts';
export {
  encodeRows,
  fitEncoder,
  MISSING_CATEGORY,
  UNSEEN_CATEGORY,
  type CategoricalEncoding,
  type CodeVocabulary,
  type EncoderState,
  type FeatureEncoding,
} from './encode.ts';
export { DataError, type DataErrorLocation } from './errors.ts';
export { applyFilter, describeFilter, filterColumns, type FilterCount } from './filter.ts';
export { canonicalJson, datasetIdOf, rawSha256, sha256Hex, specForHash, specSha256, type DatasetId } from './hash.ts';
export { featureColumnsOf, loadDataset, type LoadDatasetOptions, type SourceBytes } from './load.ts';
export { assertMatrix, selectRows, type FeatureMatrix } from './matrix.ts';
export { deserializeDataset, serializeDataset } from './serialize.ts';
export { readSource, sourceFile } from './sources.ts';
export { allocate, stratifiedAssign } from './split.ts';
export {
  DatasetSpec,
  datasetSpecJsonSchema,
  DialectSpec,
  FeaturesSpec,
  FilterSpec,
  GroupDerivation,
  LabelSpec,
  loadDatasetSpec,
  parseDatasetSpec,
  SensitiveSpec,
  sourceKey,
  SourceSpec,
  SplitSpec,
  type DatasetSpecInput,
  type FilterPredicate,
  type FilterValue,
  type LoadedDatasetSpec,
} from './spec.ts';

/**
 * Encodes a new CSV file (same dialect and columns as the data set's sources) with the data set's
 * fitted encoder. Returns features and, when the label column is present and filled, labels.
 */
export function encodeCsv(
  dataset: EncodedDataset,
  bytes: Uint8Array,
  file: string,
  skipLines = 0,
): { x: FeatureMatrix; y: Uint8Array | undefined } {
  const table = poolTables([parseCsv(maybeGunzip(bytes), { ...dataset.spec.dialect, skipLines }, file)]);
  const x = encodeRows(dataset.encoder, table);
  const labelCol = table.columns.indexOf(dataset.spec.label.column);
  if (labelCol < 0) return { x, y: undefined };
  const y = Uint8Array.from(table.rows, (row, r) =>
    labelOf(dataset.spec.label, row[labelCol]!, locate(table, r, dataset.spec.label.column)),
  );
  return { x, y };
}
