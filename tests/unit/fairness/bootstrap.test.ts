// Stratified, seeded, paired bootstrap: cells keep their sizes, seeds reproduce, intervals are numpy-style
// percentiles, and paired deltas use the same resample for both models.
import { describe, expect, it } from 'vitest';
import {
  drawStratifiedMultiplicities,
  percentileInterval,
  quantileOfSorted,
} from '../../../core/fairness/bootstrap.ts';
import { evaluateFairness } from '../../../core/fairness/report.ts';
import { createRng } from '../../../core/random/rng.ts';
import { HAND_REFERENCE_SCORE, HAND_SCORE, handInput } from './fixtures.ts';

describe('stratified resampling', () => {
  it('keeps every cell at its size and draws only its own rows', () => {
    const cells = [Int32Array.from([0, 1, 2, 3, 4]), Int32Array.from([5, 6]), Int32Array.from([7])];
    const out = new Float64Array(8);
    const rng = createRng(11);
    for (let b = 0; b < 200; b++) {
      drawStratifiedMultiplicities(cells, rng, out);
      expect(out.slice(0, 5).reduce((a, x) => a + x, 0)).toBe(5);
      expect(out[5]! + out[6]!).toBe(2);
      expect(out[7]).toBe(1);
    }
  });
});

describe('percentile intervals', () => {
  it('interpolates like numpy.quantile (linear)', () => {
    const sorted = [1, 2, 3, 4];
    // h = (n − 1)·q: q = 0.025 → 0.075 → 1.075; q = 0.975 → 2.925 → 3.925
    expect(quantileOfSorted(sorted, 0.025)).toBeCloseTo(1.075, 12);
    expect(quantileOfSorted(sorted, 0.975)).toBeCloseTo(3.925, 12);
    expect(quantileOfSorted(sorted, 0.5)).toBe(2.5);
  });
  it('ignores undefined resamples up to 10% and says so; withholds the CI beyond', () => {
    const some = Float64Array.from({ length: 100 }, (_, i) => (i < 5 ? NaN : i));
    expect(percentileInterval(some, 0.9).note).toBe('CI from 95 of 100 resamples (undefined in 5)');
    const many = Float64Array.from({ length: 100 }, (_, i) => (i < 11 ? NaN : i));
    expect(percentileInterval(many, 0.9)).toEqual({
      ci: null,
      note: 'no CI: undefined in 11 of 100 bootstrap resamples',
    });
  });
});

describe('bootstrap CIs in the report', () => {
  const run = (seed: number, resamples = 300) =>
    evaluateFairness(handInput({ referenceScore: HAND_REFERENCE_SCORE }), { bootstrap: resamples, seed });

  it('default is 1000 resamples, seed 0, 95%', () => {
    const r = evaluateFairness(handInput(), {});
    expect(r.config).toMatchObject({ bootstrap: 1000, seed: 0, ci_level: 0.95 });
  });

  it('is reproducible for a seed and changes with it', () => {
    const a = run(7).overall['accuracy']!.ci;
    expect(run(7).overall['accuracy']!.ci).toEqual(a);
    expect(run(8).overall['accuracy']!.ci).not.toEqual(a);
  });

  it('every CI brackets a sensible range, and group counts are constant (stratified)', () => {
    const r = run(1);
    const acc = r.overall['accuracy']!;
    expect(acc.ci![0]).toBeLessThanOrEqual(acc.value!);
    expect(acc.ci![1]).toBeGreaterThanOrEqual(acc.value!);
    expect(r.attributes['group']!.groups['C']!['count']).toEqual({ value: 3, ci: [3, 3] });
  });

  it('paired deltas: a reference identical to the candidate gives Δ = 0 with CI [0, 0]', () => {
    const r = evaluateFairness(handInput({ referenceScore: HAND_SCORE }), { bootstrap: 200, seed: 2 });
    expect(r.delta!.overall['accuracy']).toEqual({ value: 0, ci: [0, 0] });
    expect(r.delta!.attributes['group']!.disparities['equalized_odds_difference']!.ci).toEqual([0, 0]);
  });

  it('paired deltas are tighter than the difference of two independent intervals', () => {
    const r = run(5, 500);
    // The reference is right on every row: Δ accuracy = −(flip rate) in every resample.
    const delta = r.delta!.overall['accuracy']!;
    const flip = r.overall['flip_rate']!;
    expect(delta.value).toBeCloseTo(-1 / 3, 12);
    expect(delta.ci![0]).toBeCloseTo(-flip.ci![1], 12);
    expect(delta.ci![1]).toBeCloseTo(-flip.ci![0], 12);
  });
});

describe('percentile interval by selection', () => {
  it('equals the sorted-array quantiles', () => {
    const rng = createRng(4);
    for (const n of [1, 2, 3, 10, 999, 1000]) {
      const samples = Float64Array.from({ length: n }, () => Math.round(rng.normal() * 20) / 10);
      const sorted = Float64Array.from(samples).sort();
      const { ci } = percentileInterval(samples, 0.95);
      const tail = (1 - 0.95) / 2; // as percentileInterval computes it (not exactly 0.025 in floating point)
      expect(ci).toEqual([quantileOfSorted(sorted, tail), quantileOfSorted(sorted, 1 - tail)]);
    }
  });
});
