// Feature encoding fitted on the TRAINING rows only: categorical columns become one-hot blocks
// (training categories sorted, plus one column for values never seen in training), numeric columns
// are standardised with the training mean and population standard deviation (as scikit-learn's
// StandardScaler: z = (x - mean) / std, with std = 1 when a column is constant). The fitted
// EncoderState is plain data, so new data (monitoring batches) encodes exactly the same way.
// With categorical codes (features.categoricalEncoding: codes) each categorical column is instead one value: the index
// of its level (the one-hot block's slot, same order) offset into one vocabulary all columns share, so one Keras
// Embedding(vocabulary.size, d) reads every column.
import type { FeatureMatrix } from './matrix.ts';
import { parseNumber } from './derive.ts';
import { DataError } from './errors.ts';
import { columnIndex, locate, type PooledTable } from './table.ts';

/** Column name suffix of the one-hot column for categories not seen in training. */
export const UNSEEN_CATEGORY = '<unseen>';
/** Category a missing categorical value takes (learned like any other when training has it). */
export const MISSING_CATEGORY = '<missing>';

export type FeatureEncoding =
  | { kind: 'categorical'; column: string; categories: string[] }
  | { kind: 'numeric'; column: string; mean: number; std: number };

/** Where each categorical column's levels sit in the vocabulary that categorical codes share. */
export interface CodeVocabulary {
  /** Codes in all (an Embedding's input_dim): every column's levels, column after column. */
  size: number;
  /** Per categorical column, in input order: level k (training categories sorted, then `<unseen>`) is code offset + k. */
  columns: { column: string; offset: number; levels: string[] }[];
}

export type CategoricalEncoding = 'one-hot' | 'codes';

export interface EncoderState {
  version: 1;
  /** Tokens meaning "missing" (from the spec's dialect). */
  missing: string[];
  numericMissing: 'error' | 'mean';
  features: FeatureEncoding[];
  /** One name per matrix column: `col=value`, `col=<unseen>`, or `col` for numeric columns (`pixel[y,x,c]` for images). */
  featureNames: string[];
  /** Present with categorical codes: one input per categorical column, its value a code of this vocabulary. */
  codes?: CodeVocabulary;
  /** An image data set's preprocessing (its features are pixels, which CSV rows cannot be encoded into). */
  image?: { height: number; width: number; channels: 1 | 3 };
}

/** The encoder of an image data set: no CSV columns, one feature name per pixel value in HWC order. */
export function imageEncoder(image: { height: number; width: number; channels: 1 | 3 }): EncoderState {
  const featureNames: string[] = [];
  for (let y = 0; y < image.height; y++)
    for (let x = 0; x < image.width; x++)
      for (let c = 0; c < image.channels; c++) featureNames.push(`pixel[${y},${x},${c}]`);
  return { version: 1, missing: [], numericMissing: 'error', features: [], featureNames, image: { ...image } };
}

export interface FeatureColumns {
  categorical: string[];
  numeric: string[];
}

/** Fits the encoder on the given (training) rows of `table`. */
export function fitEncoder(
  table: PooledTable,
  trainRows: ArrayLike<number>,
  columns: FeatureColumns,
  missing: readonly string[],
  numericMissing: 'error' | 'mean',
  categoricalEncoding: CategoricalEncoding = 'one-hot',
): EncoderState {
  if (categoricalEncoding === 'codes' && columns.numeric.length > 0)
    throw new DataError(
      `categorical codes leave no place for the numeric features [${columns.numeric.join(', ')}].`,
      { file: table.files.join(', '), column: columns.numeric[0] },
      "list them under features.categorical or leave them out, or use features.categoricalEncoding: 'one-hot'.",
    );
  const missingSet = new Set(missing);
  const features: FeatureEncoding[] = [];
  for (const column of columns.categorical) {
    const c = columnIndex(table, column, 'categorical feature');
    const seen = new Set<string>();
    for (let i = 0; i < trainRows.length; i++) {
      const raw = table.rows[trainRows[i]!]![c]!;
      seen.add(missingSet.has(raw) ? MISSING_CATEGORY : raw);
    }
    features.push({ kind: 'categorical', column, categories: [...seen].sort() });
  }
  for (const column of columns.numeric) {
    const c = columnIndex(table, column, 'numeric feature');
    // Two passes in float64 (mean, then squared deviations) for accuracy.
    let n = 0;
    let sum = 0;
    const values = new Float64Array(trainRows.length);
    for (let i = 0; i < trainRows.length; i++) {
      const row = trainRows[i]!;
      const raw = table.rows[row]![c]!;
      if (missingSet.has(raw)) {
        if (numericMissing === 'error') throw missingNumeric(table, row, column);
        continue;
      }
      const v = parseNumber(raw, locate(table, row, column));
      values[n++] = v;
      sum += v;
    }
    if (n === 0)
      throw new DataError(
        'the numeric feature has no values in the training split.',
        { file: table.files.join(', '), column },
        'drop the column via features.exclude.',
      );
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (values[i]! - mean) ** 2;
    const std = Math.sqrt(ss / n);
    features.push({ kind: 'numeric', column, mean, std: std > 0 ? std : 1 });
  }
  if (categoricalEncoding === 'codes') {
    const codes = codeVocabulary(features);
    const featureNames = codes.columns.map((c) => c.column);
    return { version: 1, missing: [...missing], numericMissing, features, featureNames, codes };
  }
  const featureNames = features.flatMap((f) =>
    f.kind === 'numeric'
      ? [f.column]
      : [...f.categories.map((v) => `${f.column}=${v}`), `${f.column}=${UNSEEN_CATEGORY}`],
  );
  return { version: 1, missing: [...missing], numericMissing, features, featureNames };
}

/** Each categorical column's levels (its one-hot slots, in the same order), offset column after column. */
function codeVocabulary(features: readonly FeatureEncoding[]): CodeVocabulary {
  const columns: CodeVocabulary['columns'] = [];
  let size = 0;
  for (const f of features) {
    if (f.kind !== 'categorical') continue;
    const levels = [...f.categories, UNSEEN_CATEGORY];
    columns.push({ column: f.column, offset: size, levels });
    size += levels.length;
  }
  return { size, columns };
}

function missingNumeric(table: PooledTable, row: number, column: string): DataError {
  return new DataError(
    'the numeric feature is missing.',
    locate(table, row, column),
    `list the column in drop.missingIn, or set features.numericMissing: mean.`,
  );
}

/** Encodes the given rows of `table` (all rows when omitted) with a fitted encoder. */
export function encodeRows(encoder: EncoderState, table: PooledTable, rows?: ArrayLike<number>): FeatureMatrix {
  if (encoder.image !== undefined)
    throw new DataError(
      "the data set's features are image pixels; CSV rows cannot be encoded into them.",
      { file: table.files.join(', ') },
      'score image data through an image data set spec.',
    );
  const rowList = rows ?? Uint32Array.from(table.rows.keys());
  const cols = encoder.featureNames.length;
  const values = new Float32Array(rowList.length * cols);
  const missingSet = new Set(encoder.missing);
  if (encoder.codes !== undefined) {
    encodeCodes(encoder.codes, table, rowList, missingSet, values);
    return { values, rows: rowList.length, cols };
  }
  let offset = 0;
  for (const f of encoder.features) {
    const c = columnIndex(table, f.column, f.kind === 'numeric' ? 'numeric feature' : 'categorical feature');
    if (f.kind === 'categorical') {
      const index = new Map(f.categories.map((v, i) => [v, i]));
      const unseen = f.categories.length;
      for (let i = 0; i < rowList.length; i++) {
        const raw = table.rows[rowList[i]!]![c]!;
        const k = index.get(missingSet.has(raw) ? MISSING_CATEGORY : raw) ?? unseen;
        values[i * cols + offset + k] = 1;
      }
      offset += f.categories.length + 1;
    } else {
      for (let i = 0; i < rowList.length; i++) {
        const row = rowList[i]!;
        const raw = table.rows[row]![c]!;
        let v: number;
        if (missingSet.has(raw)) {
          if (encoder.numericMissing === 'error') throw missingNumeric(table, row, f.column);
          v = f.mean;
        } else {
          v = parseNumber(raw, locate(table, row, f.column));
        }
        values[i * cols + offset] = (v - f.mean) / f.std;
      }
      offset += 1;
    }
  }
  return { values, rows: rowList.length, cols };
}

/** Writes each row's code per column (a value never seen in training takes the column's `<unseen>` code). */
function encodeCodes(
  codes: CodeVocabulary,
  table: PooledTable,
  rowList: ArrayLike<number>,
  missingSet: ReadonlySet<string>,
  values: Float32Array,
): void {
  const cols = codes.columns.length;
  codes.columns.forEach(({ column, offset, levels }, j) => {
    const c = columnIndex(table, column, 'categorical feature');
    const index = new Map(levels.slice(0, -1).map((v, k) => [v, offset + k]));
    const unseen = offset + levels.length - 1;
    for (let i = 0; i < rowList.length; i++) {
      const raw = table.rows[rowList[i]!]![c]!;
      values[i * cols + j] = index.get(missingSet.has(raw) ? MISSING_CATEGORY : raw) ?? unseen;
    }
  });
}
