// The interval ends read off unsorted resamples (a short sorted buffer near either end, quickselect in between)
// equal the linear-interpolated quantiles of the sorted values, for every level from the 50% interval to tails
// beyond the last resample, with and without repeated values.
import { describe, expect, it } from 'vitest';
import { percentileInterval, quantileOfSorted } from '../../../core/fairness/bootstrap.ts';
import { createRng } from '../../../core/random/rng.ts';

describe('percentile interval ends', () => {
  it('equal the quantiles of the sorted resamples at every level', () => {
    const rng = createRng(181);
    let checked = 0;
    for (let round = 0; round < 300; round++) {
      const n = 1 + rng.nextInt(round < 150 ? 80 : 2000);
      const repeats = rng.next() < 0.4;
      const samples = Float64Array.from({ length: n }, () =>
        repeats ? rng.nextInt(5) - 2 : rng.normal() * 3 + (rng.next() < 0.05 ? 100 : 0),
      );
      const sorted = Float64Array.from(samples).sort();
      for (const level of [0.5, 0.9, 0.95, 0.99, 0.998, 0.99999, 1 - 1e-9]) {
        const tail = (1 - level) / 2;
        const { ci } = percentileInterval(Float64Array.from(samples), level);
        expect(ci).toEqual([quantileOfSorted(sorted, tail), quantileOfSorted(sorted, 1 - tail)]);
        checked++;
      }
    }
    expect(checked).toBe(300 * 7);
  });
});
