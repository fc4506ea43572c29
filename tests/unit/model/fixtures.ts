// Tiny synthetic classification data for the model tests: x ~ N(0, 1), y = 1[x·w + noise > 0].
import type { FeatureMatrix } from '../../../core/data/matrix.ts';
import { createRng } from '../../../core/random/rng.ts';

export interface SyntheticData {
  x: FeatureMatrix;
  y: Uint8Array;
}

export function syntheticData(rows: number, cols: number, seed: number, noise = 0.5): SyntheticData {
  const rng = createRng(seed);
  const w = Array.from({ length: cols }, (_, j) => (j % 2 === 0 ? 1 : -0.5) * (1 + j / cols));
  const values = new Float32Array(rows * cols);
  const y = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const v = rng.normal();
      values[r * cols + c] = v;
      s += v * w[c]!;
    }
    y[r] = s + noise * rng.normal() > 0 ? 1 : 0;
  }
  return { x: { values, rows, cols }, y };
}

/** First differing index of two byte arrays, or -1. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
