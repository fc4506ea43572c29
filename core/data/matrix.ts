// A dense row-major feature matrix: the one shape that crosses from core/data into core/model.
// Pure (no imports) so any layer may use it.

/** Row-major float32 matrix: element (r, c) is `values[r * cols + c]`. */
export interface FeatureMatrix {
  values: Float32Array;
  rows: number;
  cols: number;
}

/** Checks that `values.length === rows * cols`; `what` names the matrix in the error. */
export function assertMatrix(m: FeatureMatrix, what: string): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 0) {
    throw new Error(`${what}: rows and cols must be non-negative integers, got ${m.rows} x ${m.cols}`);
  }
  if (m.values.length !== m.rows * m.cols) {
    throw new Error(
      `${what}: values has ${m.values.length} elements but rows x cols = ${m.rows} x ${m.cols} = ${m.rows * m.cols}`,
    );
  }
}

/** Copies the listed rows (in the given order) into a new matrix. */
export function selectRows(m: FeatureMatrix, rows: ArrayLike<number>): FeatureMatrix {
  const out = new Float32Array(rows.length * m.cols);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out.set(m.values.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols);
  }
  return { values: out, rows: rows.length, cols: m.cols };
}
