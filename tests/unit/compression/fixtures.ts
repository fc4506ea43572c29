// Small seeded weight sets for the compression tests.
import { createRng } from '../../../core/random/rng.ts';
import type { WeightTensor } from '../../../core/compression/weights.ts';

/** An MLP-shaped weight list: [inputs → hidden... → outputs], kernel then bias per layer, N(0, 1) values. */
export function randomMlpWeights(sizes: readonly number[], seed: number): WeightTensor[] {
  const rng = createRng(seed);
  const weights: WeightTensor[] = [];
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
