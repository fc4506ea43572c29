// The default interval of max/min-over-groups disparities (the simultaneous bound) covers the true value at its
// nominal level where the percentile interval does not, holds its own point estimate, and is what reports carry.
// The full simulation is the bench suite bench/suites/ci-coverage.ts; this is a small, fast setting of it.
import { describe, expect, it } from 'vitest';
import {
  CI_COVERAGE_METHODS,
  COVERAGE_STATISTICS,
  simulateCoverage,
  type CoverageSetting,
} from '../../../bench/suites/ci-coverage.ts';
import { simultaneousInterval } from '../../../core/fairness/bootstrap.ts';
import { evaluateFairness } from '../../../core/fairness/report.ts';
import { createRng } from '../../../core/random/rng.ts';

const LEVEL = 0.95;
const REPLICATIONS = 200;
/** Nominal − 3 Monte Carlo standard errors at R replications. */
const FLOOR = LEVEL - 3 * Math.sqrt((LEVEL * (1 - LEVEL)) / REPLICATIONS);

describe('coverage of the true max/min-type value, by simulation', () => {
  // No true gap, one small group: where the resampled max is most biased.
  const setting: CoverageSetting = {
    name: '3 groups, one of 60 rows, no gap',
    sizes: [300, 300, 60],
    rates: [0.3, 0.3, 0.3],
    referenceOnly: [0.05, 0.05, 0.05],
    candidateOnly: [0.02, 0.02, 0.02],
  };
  const results = simulateCoverage(setting, { replications: REPLICATIONS, resamples: 200, seed: 5, level: LEVEL });
  const of = (statistic: string, method: string) => {
    const r = results.find((x) => x.statistic === statistic && x.method === method);
    if (r === undefined) throw new Error(`no result for ${statistic} / ${method}`);
    return r;
  };

  it('runs every statistic with every method', () => {
    expect(results).toHaveLength(COVERAGE_STATISTICS.length * CI_COVERAGE_METHODS.length);
    expect(results.every((r) => r.replications === REPLICATIONS && r.withheld === 0)).toBe(true);
  });

  it.each(COVERAGE_STATISTICS.map((s) => s.name))(
    'simultaneous: %s covers at nominal − 3 MC SE and holds its estimate',
    (statistic) => {
      const r = of(statistic, 'simultaneous');
      expect(r.coverage).toBeGreaterThanOrEqual(FLOOR);
      expect(r.holdsPoint).toBe(1);
    },
  );

  it('percentile misses a true gap of 0 (the problem the default fixes)', () => {
    expect(of('max abs(p_g - p_h)', 'percentile').coverage).toBeLessThan(0.5);
    expect(of('max excess accuracy gap', 'percentile').coverage).toBeLessThan(0.5);
  });
});

describe('simultaneousInterval', () => {
  const samples = (values: number[]) => Float64Array.from(values);

  it('one difference: |c| gets the image of its interval, from 0 when the interval holds 0', () => {
    const c = samples(Array.from({ length: 101 }, (_, i) => (i - 50) / 100)); // −0.5 … 0.5
    expect(simultaneousInterval([{ samples: c, point: 0.1 }], 'max-abs', 0.9).ci).toEqual([0, 0.45]);
    const shifted = samples(Array.from({ length: 101 }, (_, i) => 1 + i / 100)); // 1 … 2
    const ci = simultaneousInterval([{ samples: shifted, point: -1.5 }], 'max-abs', 0.9).ci!;
    // [1.05, 1.95] is widened to hold the estimate −1.5; [−1.5, 1.95] holds 0, so |c| is in [0, 1.95]
    expect(ci[0]).toBe(0);
    expect(ci[1]).toBeCloseTo(1.95, 12);
  });

  it('K components: each read at (1 − level)/(2K) tails; max takes the largest ends, min the smallest', () => {
    const grid = (from: number) => samples(Array.from({ length: 1001 }, (_, i) => from + i / 1000));
    const parts = [
      { samples: grid(0), point: 0.5 },
      { samples: grid(0.2), point: 0.7 },
    ];
    // tails 0.1 / 4 = 0.025: [0.025, 0.975] and [0.225, 1.175]
    const max = simultaneousInterval(parts, 'max', 0.9).ci!;
    expect(max[0]).toBeCloseTo(0.225, 12);
    expect(max[1]).toBeCloseTo(1.175, 12);
    const min = simultaneousInterval(parts, 'min', 0.9).ci!;
    expect(min[0]).toBeCloseTo(0.025, 12);
    expect(min[1]).toBeCloseTo(0.975, 12);
  });

  it('says when the tails are beyond the resamples, and withholds the CI when a component is too often undefined', () => {
    const parts = Array.from({ length: 30 }, () => ({ samples: samples([0, 1, 2, 3]), point: 1 }));
    expect(simultaneousInterval(parts, 'max', 0.95).note).toMatch(
      /simultaneous CI over 30 comparisons reads tails of 0\.083%, beyond 4 resamples: use at least 1200/,
    );
    const undefinedOften = samples(Array.from({ length: 20 }, (_, i) => (i < 5 ? NaN : i)));
    const out = simultaneousInterval([{ samples: undefinedOften, point: 10 }], 'max', 0.95);
    expect(out.ci).toBeNull();
    expect(out.note).toMatch(/undefined in 5 of 20 bootstrap resamples \(one of 1 comparisons\)/);
  });
});

describe('reports: the default for max/min-type disparities', () => {
  function input() {
    const rng = createRng(9);
    const label: number[] = [];
    const score: number[] = [];
    const referenceScore: number[] = [];
    const group: string[] = [];
    for (let i = 0; i < 600; i++) {
      const y = rng.next() < 0.4 ? 1 : 0;
      label.push(y);
      score.push(Math.min(1, Math.max(0, 0.5 + (y - 0.5) * 0.3 + rng.normal() * 0.25)));
      referenceScore.push(Math.min(1, Math.max(0, 0.5 + (y - 0.5) * 0.4 + rng.normal() * 0.25)));
      group.push(i % 6 === 0 ? 'B' : 'A');
    }
    return { label, score, referenceScore, sensitive: { group } };
  }

  it('two groups: the demographic parity difference CI is |·| of the paired difference CI', () => {
    const report = evaluateFairness(input(), { bootstrap: 300, seed: 2 });
    expect(report.config.ci_method).toBe('simultaneous');
    const d = report.attributes['group']!.disparities;
    // AIF360's statistical_parity_difference is the signed difference of the same two selection rates, with its
    // percentile CI; one comparison, so no Bonferroni widening.
    const [l, u] = d['statistical_parity_difference']!.ci!;
    const [a, b] = [Math.abs(l), Math.abs(u)];
    const [lo, hi] = d['demographic_parity_difference']!.ci!;
    expect(lo).toBeCloseTo(l <= 0 && u >= 0 ? 0 : Math.min(a, b), 10);
    expect(hi).toBeCloseTo(Math.max(a, b), 10);
  });

  it('every max/min-type disparity holds its estimate; percentile by name keeps the old interval', () => {
    const data = input();
    const simultaneous = evaluateFairness(data, { bootstrap: 300, seed: 2 });
    const percentile = evaluateFairness(data, { bootstrap: 300, seed: 2, ciMethod: 'percentile' });
    const keys = [
      'demographic_parity_difference',
      'demographic_parity_difference_to_overall',
      'equalized_odds_difference',
      'equal_opportunity_difference',
      'accuracy_difference',
      'ece_gap',
      'worst_group_accuracy',
      'max_accuracy_drop',
      'max_excess_accuracy_gap',
      'max_flip_rate',
    ];
    for (const key of keys) {
      const s = simultaneous.attributes['group']!.disparities[key]!;
      const p = percentile.attributes['group']!.disparities[key]!;
      expect(s.value, key).toBe(p.value);
      expect(s.ci![0], key).toBeLessThanOrEqual(s.value!);
      expect(s.ci![1], key).toBeGreaterThanOrEqual(s.value!);
      expect(s.ci, key).not.toEqual(p.ci);
    }
    // Ratios, group values and deltas keep the percentile interval.
    for (const key of ['demographic_parity_ratio', 'disparate_impact']) {
      expect(simultaneous.attributes['group']!.disparities[key]!.ci).toEqual(
        percentile.attributes['group']!.disparities[key]!.ci,
      );
    }
    expect(simultaneous.overall['accuracy']!.ci).toEqual(percentile.overall['accuracy']!.ci);
    expect(simultaneous.delta!.attributes['group']!.disparities['equalized_odds_difference']!.ci).toEqual(
      percentile.delta!.attributes['group']!.disparities['equalized_odds_difference']!.ci,
    );
  });
});
