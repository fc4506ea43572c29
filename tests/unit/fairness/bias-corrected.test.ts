// The bias-corrected percentile interval (Efron's BC, acceleration 0): equal to the percentile interval
// when the resamples are balanced around the estimate, moved towards the estimate when they are not, and
// available in reports as ciMethod 'bias-corrected'.
import { describe, expect, it } from 'vitest';
import { biasCorrectedInterval, percentileInterval } from '../../../core/fairness/bootstrap.ts';
import { normalCdf, normalQuantile } from '../../../core/fairness/power.ts';
import { evaluateFairness, FairnessInputError } from '../../../core/fairness/report.ts';
import { createRng } from '../../../core/random/rng.ts';

const range = (from: number, to: number) => Float64Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('normalQuantile', () => {
  it('matches published quantiles to 1e-9 and inverts normalCdf, tails included', () => {
    // Φ⁻¹ values as tabulated (e.g. scipy.stats.norm.ppf).
    const published: [number, number][] = [
      [0.5, 0],
      [0.8, 0.8416212335729143],
      [0.975, 1.959963984540054],
      [0.999, 3.090232306167813],
      [1e-6, -4.753424308822899],
    ];
    for (const [p, z] of published) expect(normalQuantile(p)).toBeCloseTo(z, 9);
    for (const p of [1e-6, 0.001, 0.01, 0.02425, 0.025, 0.1, 0.2995, 0.5, 0.8, 0.975, 0.999, 1 - 1e-6]) {
      expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 12);
    }
    expect(() => normalQuantile(0)).toThrow(/\(0, 1\)/);
  });
});

describe('biasCorrectedInterval', () => {
  it('equals the percentile interval when half the resamples lie below the estimate', () => {
    const samples = range(1, 999); // 499 below 500, one tie (counted half): share 0.5, z0 = 0
    const corrected = biasCorrectedInterval(Float64Array.from(samples), 500, 0.95).ci!;
    const plain = percentileInterval(Float64Array.from(samples), 0.95).ci!;
    // Equal up to the rounding of Φ(Φ⁻¹(0.025)).
    expect(corrected[0]).toBeCloseTo(plain[0], 6);
    expect(corrected[1]).toBeCloseTo(plain[1], 6);
  });

  it('moves the interval towards an estimate that most resamples exceed (hand-checked)', () => {
    // 1..1000 with estimate 300: share below = 299.5 / 1000 = 0.2995, z0 = Φ⁻¹(0.2995) ≈ −0.5259;
    // lower level Φ(2·z0 − 1.960) = Φ(−3.0118) ≈ 0.00130, upper Φ(2·z0 + 1.960) = Φ(0.9082) ≈ 0.8181;
    // type-7 quantiles of 1..1000: 1 + 999·q ≈ 2.30 and 818.3 (the percentile interval is [25.98, 975.0]).
    const { ci } = biasCorrectedInterval(range(1, 1000), 300, 0.95);
    expect(ci![0]).toBeCloseTo(2.3, 0);
    expect(ci![1]).toBeCloseTo(818.3, 0);
  });

  it('stays finite when every resample lies on one side, and withholds the CI for an undefined estimate', () => {
    const { ci } = biasCorrectedInterval(range(10, 20), 5, 0.95);
    expect(ci![0]).toBeGreaterThanOrEqual(10);
    expect(ci![1]).toBeLessThanOrEqual(20);
    expect(biasCorrectedInterval(range(1, 10), NaN, 0.95)).toEqual({
      ci: null,
      note: 'no CI: the point estimate is undefined',
    });
    const mostlyUndefined = Float64Array.from({ length: 10 }, (_, i) => (i < 2 ? NaN : i));
    expect(biasCorrectedInterval(mostlyUndefined, 5, 0.95).ci).toBeNull();
  });
});

describe('reports with ciMethod bias-corrected', () => {
  // Two groups with the same score distribution: every true disparity is 0, and the resampled
  // max − min over groups is biased upward, so its percentile interval sits above the estimate.
  function sameDistributions() {
    const rng = createRng(31);
    const n = 400;
    const label: number[] = [];
    const score: number[] = [];
    const group: string[] = [];
    for (let i = 0; i < n; i++) {
      const y = rng.next() < 0.4 ? 1 : 0;
      label.push(y);
      score.push(Math.min(1, Math.max(0, 0.5 + (y - 0.5) * 0.3 + rng.normal() * 0.25)));
      group.push(i % 8 === 0 ? 'small' : 'large');
    }
    return { label, score, sensitive: { group } };
  }

  it('records the method and moves max-over-groups disparities towards their estimate', () => {
    const input = sameDistributions();
    // The default is now the simultaneous bound for these disparities; the percentile interval is asked for by name.
    const percentile = evaluateFairness(input, { bootstrap: 400, seed: 3, ciMethod: 'percentile' });
    const corrected = evaluateFairness(input, { bootstrap: 400, seed: 3, ciMethod: 'bias-corrected' });
    expect(percentile.config.ci_method).toBe('percentile');
    expect(corrected.config.ci_method).toBe('bias-corrected');
    for (const key of ['equalized_odds_difference', 'demographic_parity_difference']) {
      const p = percentile.attributes['group']!.disparities[key]!;
      const c = corrected.attributes['group']!.disparities[key]!;
      expect(c.value).toBe(p.value);
      expect(c.ci![1]).toBeLessThan(p.ci![1]);
      expect(c.ci![0]).toBeLessThanOrEqual(p.ci![0]);
    }
    // A rate of one group is roughly symmetric under resampling: its interval barely moves.
    const pAcc = percentile.overall['accuracy']!.ci!;
    const cAcc = corrected.overall['accuracy']!.ci!;
    expect(Math.abs(cAcc[0] - pAcc[0])).toBeLessThan(0.01);
    expect(Math.abs(cAcc[1] - pAcc[1])).toBeLessThan(0.01);
  });

  it('refuses an unknown method, naming the option', () => {
    expect(() => evaluateFairness(sameDistributions(), { ciMethod: 'bca' as 'percentile' })).toThrow(
      FairnessInputError,
    );
    expect(() => evaluateFairness(sameDistributions(), { ciMethod: 'bca' as 'percentile' })).toThrow(
      /ciMethod must be one of percentile, bias-corrected, simultaneous, got "bca"/,
    );
  });
});
