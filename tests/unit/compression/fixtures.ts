// Small seeded weight sets for the compression tests.
import { createRng } from '../../../core/random/rng.ts';
import type { NamedWeight } from '../../../core/compression/weights.ts';
import type { GroupedData } from '../../../core/compression/criteria.ts';
import type { MaskSet } from '../../../core/compression/masks.ts';
import { expect } from 'vitest';

/** An MLP-shaped weight list: [inputs → hidden... → outputs], kernel then bias per layer, N(0, 1) values. */
export function randomMlpWeights(sizes: readonly number[], seed: number): NamedWeight[] {
  const rng = createRng(seed);
  const weights: NamedWeight[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inputs = sizes[l]!;
    const units = sizes[l + 1]!;
    weights.push({
      name: `dense${l}/kernel`,
      shape: [inputs, units],
      values: Float32Array.from({ length: inputs * units }, () => rng.normal()),
    });
    weights.push({
      name: `dense${l}/bias`,
      shape: [units],
      values: Float32Array.from({ length: units }, () => 0.1 * rng.normal()),
    });
  }
  return weights;
}

/**
 * Synthetic tabular data with a minority group B (share `minority`) whose signal lives in its own features:
 * A rows: x0, x1 ~ N(0, 1), x2..x4 = 0, y = 1[x0 + 0.5·x1 > 0]; B rows: x0 = x1 = 0, x2..x4 ~ N(0, 1),
 * y = 1[x2 + x3 − x4 > 0]. The weights B needs get a tenth of the gradient, so they are learned smaller,
 * pruned first by magnitude, and recovered slowly by plain fine-tuning.
 */
export function minorityGroupData(rows: number, seed: number, minority = 0.1): GroupedData {
  const rng = createRng(seed);
  const cols = 5;
  const values = new Float32Array(rows * cols);
  const y = new Uint8Array(rows);
  const groups: string[] = [];
  for (let r = 0; r < rows; r++) {
    const isB = rng.next() < minority;
    const v = (k: number) => values[r * cols + k]!;
    if (isB) for (const c of [2, 3, 4]) values[r * cols + c] = rng.normal();
    else for (const c of [0, 1]) values[r * cols + c] = rng.normal();
    y[r] = (isB ? v(2) + v(3) - v(4) : v(0) + 0.5 * v(1)) > 0 ? 1 : 0;
    groups.push(isB ? 'B' : 'A');
  }
  return { x: { values, rows, cols }, y, groups };
}

/**
 * After fine-tuning: every masked entry of each kernel in `masks` is exactly +0, and some kept entry moved (the kept
 * weights did train). `before` and `after` are the model's weights before and after.
 */
export function expectMasksHeldAndKeptTrained(
  before: readonly NamedWeight[],
  after: readonly NamedWeight[],
  masks: MaskSet,
): void {
  const now = new Map(after.map((w) => [w.name, w.values]));
  for (const [kernel, mask] of masks) {
    const values = now.get(kernel)!;
    const original = before.find((w) => w.name === kernel)!.values;
    let keptChanged = 0;
    for (let i = 0; i < mask.length; i++) {
      if (mask[i] === 0) expect(Object.is(values[i], 0), `${kernel}[${i}] is ${values[i]}`).toBe(true);
      else if (values[i] !== original[i]) keptChanged++;
    }
    expect(keptChanged, `${kernel}: kept weights trained`).toBeGreaterThan(0);
  }
}
