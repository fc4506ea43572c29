// Drift measures checked against hand arithmetic: PSI (numeric and categorical), two-sample KS, feature and
// group-mix drift on a hand-built encoder, metric drift between two hand-built reports, and the composed report.
import { describe, expect, it } from 'vitest';
import type { SensitiveAttribute } from '../../../core/data/dataset.ts';
import type { EncoderState } from '../../../core/data/encode.ts';
import type { FeatureMatrix } from '../../../core/data/matrix.ts';
import type { FairnessReport, MetricValue } from '../../../core/fairness/report-types.ts';
import {
  categoricalPsi,
  driftReport,
  featureDrift,
  groupMixDrift,
  ksTwoSample,
  metricDrift,
  populationStabilityIndex,
} from '../../../core/monitoring/drift.ts';

describe('population stability index (numeric)', () => {
  it('matches a hand-computed value on a tiny case', () => {
    // 2 bins; edge 1 = sorted reference at ⌊1·4/2⌋ = 2 → 3: bins (−∞, 3) and [3, ∞).
    // reference [1, 2 | 3, 4] → shares 0.5, 0.5; current [1, 1, 1 | 4] → 0.75, 0.25.
    // PSI = (0.75 − 0.5)·ln(0.75/0.5) + (0.25 − 0.5)·ln(0.25/0.5) = 0.25·ln 1.5 + 0.25·ln 2 = 0.25·ln 3 = 0.274653
    const psi = populationStabilityIndex([1, 2, 3, 4], [1, 1, 1, 4], { bins: 2 });
    expect(psi.value).toBeCloseTo(0.274653, 6);
    expect(psi.value).toBeCloseTo(0.25 * Math.log(3), 12);
    if (psi.value === undefined) throw new Error(psi.reason);
    expect(psi.bins).toEqual([
      { lo: -Infinity, hi: 3, reference: 0.5, current: 0.75 },
      { lo: 3, hi: Infinity, reference: 0.5, current: 0.25 },
    ]);
  });

  it('is 0 for identical samples', () => {
    const sample = Array.from({ length: 57 }, (_, i) => Math.sin(i) * 10);
    expect(populationStabilityIndex(sample, [...sample].reverse()).value).toBe(0);
  });

  it('floors empty bins at epsilon (default 1e-4, or as given)', () => {
    // Bins (−∞, 3), [3, ∞) from [1, 2, 3, 4]; current [5, 6] fills only the second: shares 0 → ε and 1.
    // PSI = (ε − 0.5)·ln(ε / 0.5) + (1 − 0.5)·ln(1 / 0.5)
    //   ε = 1e-4: (−0.4999)·ln(2e-4) + 0.5·ln 2 = (−0.4999)·(−8.517193) + 0.346574 = 4.257744 + 0.346574 = 4.604318
    //   ε = 0.01: (−0.49)·ln(0.02) + 0.5·ln 2 = (−0.49)·(−3.912023) + 0.346574 = 1.916891 + 0.346574 = 2.263465
    expect(populationStabilityIndex([1, 2, 3, 4], [5, 6], { bins: 2 }).value).toBeCloseTo(4.604318, 5);
    expect(populationStabilityIndex([1, 2, 3, 4], [5, 6], { bins: 2, epsilon: 0.01 }).value).toBeCloseTo(2.263465, 5);
  });

  it('collapses tied quantile edges so no bin is empty in the reference', () => {
    // 10 bins would put edges at sorted[1..9] = 0 ×7, 1, 2; only 1 and 2 exceed the minimum 0.
    const psi = populationStabilityIndex([0, 0, 0, 0, 0, 0, 0, 0, 1, 2], [0, 1, 2, 2]);
    if (psi.value === undefined) throw new Error(psi.reason);
    expect(psi.bins.map((b) => [b.lo, b.hi, b.reference, b.current])).toEqual([
      [-Infinity, 1, 0.8, 0.25],
      [1, 2, 0.1, 0.25],
      [2, Infinity, 0.1, 0.5],
    ]);
  });

  it('is undefined with a reason when a side is empty', () => {
    expect(populationStabilityIndex([], [1, 2])).toEqual({ value: undefined, reason: 'the reference sample is empty' });
    expect(populationStabilityIndex([1, 2], [])).toEqual({ value: undefined, reason: 'the current sample is empty' });
  });
});

describe('categorical PSI', () => {
  it('covers categories present on one side only', () => {
    // reference a 6, b 4 → 0.6, 0.4, c 0 → ε; current a 5, c 5 → 0.5, b 0 → ε, 0.5.
    // PSI = (0.5 − 0.6)·ln(0.5/0.6) + (1e-4 − 0.4)·ln(1e-4/0.4) + (0.5 − 1e-4)·ln(0.5/1e-4)
    //     = 0.018232 + (−0.3999)·(−8.294050) + 0.4999·8.517193 = 0.018232 + 3.316791 + 4.257745 = 7.592768
    const psi = categoricalPsi({ a: 6, b: 4 }, { a: 5, c: 5 });
    expect(psi.value).toBeCloseTo(7.592768, 5);
    if (psi.value === undefined) throw new Error(psi.reason);
    expect(psi.categories).toEqual([
      { category: 'a', reference: 0.6, current: 0.5 },
      { category: 'b', reference: 0.4, current: 0 },
      { category: 'c', reference: 0, current: 0.5 },
    ]);
  });

  it('is 0 for equal shares and undefined for an empty side', () => {
    expect(categoricalPsi({ a: 1, b: 3 }, { a: 10, b: 30 }).value).toBe(0);
    expect(categoricalPsi({ a: 0 }, { a: 1 })).toEqual({ value: undefined, reason: 'the reference has no rows' });
  });
});

describe('two-sample Kolmogorov–Smirnov', () => {
  it('steps over tied values together', () => {
    // a = [1, 2, 2, 3], b = [2, 3, 3, 4]. After each distinct value:
    //   1: F_a 1/4, F_b 0 → 0.25;  2: 3/4, 1/4 → 0.5;  3: 1, 3/4 → 0.25;  4: 1, 1 → 0.  D = 0.5.
    // (Counting a's two 2s before b's 2 would report a false gap 3/4 − 0 = 0.75.)
    // p: n·m/(n+m) = 2, λ = √2·0.5, 2λ² = 1: P(K > λ) = 2·(e^−1 − e^−4 + e^−9 − e^−16 + …)
    //   = 2·(0.3678794 − 0.0183156 + 0.0001234 − 0.0000001) = 2·0.3496871 = 0.6993742 (scipy.stats.kstwobign.sf(0.70711))
    const ks = ksTwoSample([1, 2, 2, 3], [2, 3, 3, 4]);
    expect(ks.statistic).toBe(0.5);
    expect(ks.pValue).toBeCloseTo(0.6993742, 6);
    expect(ksTwoSample([3, 2, 2, 1], [4, 3, 2, 3])).toEqual(ks);
  });

  it('identical samples: D = 0, p = 1', () => {
    expect(ksTwoSample([5, 1, 3, 3, 2], [1, 2, 3, 3, 5])).toEqual({ statistic: 0, pValue: 1 });
    // Same distribution, different sizes: half 0s, half 1s. Stepping through the fifty tied 0s of b one by one
    // (alone or in lockstep with a's single 0) would pass through a false gap of 1/2 − 1/100 = 0.49.
    const halves = [...new Array<number>(50).fill(0), ...new Array<number>(50).fill(1)];
    expect(ksTwoSample([0, 1], halves)).toEqual({ statistic: 0, pValue: 1 });
  });

  it('well-separated samples: D = 1, p tiny', () => {
    // n = m = 50: n·m/(n+m) = 25, λ = 5·1 = 5, p ≈ 2·e^(−50) ≈ 3.9e-22.
    const a = Array.from({ length: 50 }, (_, i) => i);
    const b = a.map((v) => v + 100);
    const ks = ksTwoSample(a, b);
    expect(ks.statistic).toBe(1);
    expect(ks.pValue).toBeCloseTo(2 * Math.exp(-50), 30);
    expect(ks.pValue).toBeLessThan(1e-20);
  });

  it('p-value for a small λ from the other series, within [0, 1]', () => {
    // a = [0..9], b = [1..10]: D = 0.1, n·m/(n+m) = 5, λ = √5·0.1 = 0.223607: P(K > λ) ≈ 1 − 2.2e-10 (by
    // (√(2π)/λ)·e^(−π²/(8λ²)) = 11.21·e^(−24.67)), to within [0, 1].
    const ks = ksTwoSample(
      Array.from({ length: 10 }, (_, i) => i),
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    expect(ks.statistic).toBeCloseTo(0.1, 12);
    expect(ks.pValue).toBeGreaterThan(0.999999);
    expect(ks.pValue).toBeLessThanOrEqual(1);
  });

  it('is undefined with a reason for an empty sample', () => {
    expect(ksTwoSample([], [1])).toMatchObject({
      statistic: undefined,
      pValue: undefined,
      reason: expect.stringMatching(/empty/),
    });
  });
});

// colour (categorical: blue, red, then <unseen>) and age (numeric: mean 35, std 10).
const encoder: EncoderState = {
  version: 1,
  missing: [],
  numericMissing: 'error',
  features: [
    { kind: 'categorical', column: 'colour', categories: ['blue', 'red'] },
    { kind: 'numeric', column: 'age', mean: 35, std: 10 },
  ],
  featureNames: ['colour=blue', 'colour=red', 'colour=<unseen>', 'age'],
};
const ONE_HOT: Record<string, number[]> = { blue: [1, 0, 0], red: [0, 1, 0], green: [0, 0, 1] };
function encode(rows: [string, number][]): FeatureMatrix {
  const values = Float32Array.from(rows.flatMap(([colour, age]) => [...ONE_HOT[colour]!, (age - 35) / 10]));
  return { values, rows: rows.length, cols: 4 };
}
const referenceX = encode([
  ['blue', 20],
  ['blue', 30],
  ['red', 40],
  ['red', 50],
]);
const currentX = encode([
  ['blue', 40],
  ['red', 50],
  ['green', 60],
  ['red', 70],
]);
// colour: reference blue 0.5, red 0.5, <unseen> 0; current 0.25, 0.5, 0.25.
//   PSI = (0.25 − 0.5)·ln(0.5) + 0 + (0.25 − 1e-4)·ln(0.25/1e-4) = 0.173287 + 0.2499·7.824046 = 2.128516
// age: edges from [20, 30, 40, 50] at ⌊k·4/10⌋ → 30, 40, 50; bins (−∞,30) [30,40) [40,50) [50,∞): reference 1/4 each,
//   current [40, 50, 60, 70] → 0, 0, 1/4, 3/4: PSI = 2·(1e-4 − 0.25)·ln(1e-4/0.25) + (0.75 − 0.25)·ln 3
//   = 2·0.2499·7.824046 + 0.5·1.098612 = 3.910458 + 0.549306 = 4.459764. KS: after 40, F_ref 3/4, F_cur 1/4 → D = 0.5.
const COLOUR_PSI = 2.128516;
const AGE_PSI = 4.459764;

describe('feature drift', () => {
  it('one entry per original feature: numeric by its standardised column (PSI + KS), categorical by its one-hot block', () => {
    const drift = featureDrift(encoder, referenceX, currentX);
    expect(drift.map((d) => [d.feature, d.kind])).toEqual([
      ['colour', 'categorical'],
      ['age', 'numeric'],
    ]);
    expect(drift[0]!.psi).toBeCloseTo(COLOUR_PSI, 5);
    expect(drift[0]!.ks).toBeUndefined();
    expect(drift[1]!.psi).toBeCloseTo(AGE_PSI, 5);
    expect(drift[1]!.ks?.statistic).toBe(0.5);
    // Standardising is affine and increasing: the raw ages give the same PSI and KS.
    expect(drift[1]!.psi).toBeCloseTo(populationStabilityIndex([20, 30, 40, 50], [40, 50, 60, 70]).value!, 12);
    expect(drift[1]!.ks).toEqual(ksTwoSample([20, 30, 40, 50], [40, 50, 60, 70]));
  });

  it('refuses a matrix from another encoder', () => {
    expect(() => featureDrift(encoder, referenceX, { values: new Float32Array(6), rows: 2, cols: 3 })).toThrow(
      /3 columns, the encoder 4/,
    );
  });
});

describe('group mix drift', () => {
  const attribute: SensitiveAttribute = { name: 'band', column: 'band', groups: ['a', 'b', 'c'] };

  it('PSI of the group shares and the group that moved most', () => {
    // reference a 5, b 3, c 2 → 0.5, 0.3, 0.2; current a 2, b 4, c 4 → 0.2, 0.4, 0.4.
    // PSI = (0.2 − 0.5)·ln(0.4) + (0.4 − 0.3)·ln(4/3) + (0.4 − 0.2)·ln 2 = 0.274887 + 0.028768 + 0.138629 = 0.442285
    const reference = Uint16Array.from([0, 0, 0, 0, 0, 1, 1, 1, 2, 2]);
    const current = Uint16Array.from([0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    const drift = groupMixDrift(attribute, reference, current);
    expect(drift.attribute).toBe('band');
    expect(drift.psi).toBeCloseTo(0.442285, 5);
    expect(drift.largestShift).toEqual({ group: 'a', reference: 0.5, current: 0.2 });
  });

  it('a group absent from the batch counts with share ε', () => {
    const drift = groupMixDrift(attribute, Uint16Array.from([0, 1, 2, 2]), Uint16Array.from([0, 1, 0, 1]));
    expect(drift.largestShift).toEqual({ group: 'c', reference: 0.5, current: 0 });
    expect(Number.isFinite(drift.psi)).toBe(true);
    expect(() => groupMixDrift(attribute, Uint16Array.from([3]), Uint16Array.from([0]))).toThrow(/code 3/);
  });
});

const mv = (value: number | null, ci: [number, number] | null = null): MetricValue => ({ value, ci });

/** A report with only the parts metricDrift reads. */
function report(
  ciLevel: number,
  overall: Record<string, MetricValue>,
  groups: Record<string, Record<string, MetricValue>>,
  disparities: Record<string, MetricValue>,
): FairnessReport {
  return {
    config: { ci_level: ciLevel },
    overall,
    attributes: { sex: { groups, disparities } },
  } as unknown as FairnessReport;
}

const baseline = report(
  0.95,
  {
    count: mv(100, [100, 100]),
    accuracy: mv(0.8, [0.76, 0.84]),
    selection_rate: mv(0.3),
    roc_auc: mv(0.9, [0.88, 0.92]),
  },
  { Female: { accuracy: mv(0.8, [0.7, 0.9]) } },
  { equalized_odds_difference: mv(0.1, [0.05, 0.15]), demographic_parity_ratio: mv(0.9, [0.8, 1]) },
);
const current = report(
  0.95,
  {
    count: mv(50, [50, 50]),
    accuracy: mv(0.7, [0.64, 0.76]),
    selection_rate: mv(0.35, [0.3, 0.4]),
    roc_auc: mv(null),
    brier_score: mv(0.2, [0.18, 0.22]),
  },
  { Female: { accuracy: mv(0.78, [0.68, 0.88]) } },
  { equalized_odds_difference: mv(0.2, [0.1, 0.3]) },
);

describe('metric drift', () => {
  // At equal CI levels z cancels: se_side = h / z (h the half-width), so Δ's half-width is √(h_b² + h_c²).
  it('compares metrics present in both reports, with a normal-approximation CI of the delta', () => {
    const drift = metricDrift(baseline, current);
    // count is a sample size; roc_auc is null in the current report; brier_score and demographic_parity_ratio
    // are on one side only.
    expect(drift.map((d) => d.path)).toEqual([
      'overall/accuracy',
      'overall/selection_rate',
      'sex/groups/Female/accuracy',
      'sex/disparities/equalized_odds_difference',
    ]);
    const [accuracy, selection, female, eod] = drift;
    // Δ = −0.1, half-width √(0.04² + 0.06²) = √0.0052 = 0.0721110: CI [−0.1721110, −0.0278890], excludes 0.
    expect(accuracy!.delta).toBeCloseTo(-0.1, 12);
    expect(accuracy!.ci![0]).toBeCloseTo(-0.172111, 6);
    expect(accuracy!.ci![1]).toBeCloseTo(-0.027889, 6);
    expect(accuracy!.significant).toBe(true);
    // The baseline has no CI: no CI of the delta, not significant.
    expect(selection).toMatchObject({ baseline: 0.3, current: 0.35, ci: null, significant: false });
    // Δ = −0.02, half-width √(0.1² + 0.1²) = 0.141421: CI [−0.161421, 0.121421], includes 0.
    expect(female!.ci![0]).toBeCloseTo(-0.161421, 6);
    expect(female!.ci![1]).toBeCloseTo(0.121421, 6);
    expect(female!.significant).toBe(false);
    // Δ = 0.1, half-width √(0.05² + 0.1²) = 0.111803: CI [−0.011803, 0.211803].
    expect(eod!.ci![0]).toBeCloseTo(-0.011803, 6);
    expect(eod!.significant).toBe(false);
  });

  it('reports the delta CI at another level when asked', () => {
    // 90 %: half-width = z_0.95 / z_0.975 · 0.0721110 = 1.6448536 / 1.9599640 · 0.0721110 = 0.0605175.
    const accuracy = metricDrift(baseline, current, 0.9)[0]!;
    expect(accuracy.ci![1] - accuracy.delta).toBeCloseTo(0.0605175, 6);
  });
});

describe('drift report', () => {
  const sex: SensitiveAttribute = { name: 'sex', column: 'sex', groups: ['female', 'male'] };
  const input = {
    encoder,
    sensitive: [sex],
    // Group mix: reference female 1/4 → current 3/4. PSI = 2·(0.5·ln 3) = ln 3 = 1.098612.
    reference: { split: 'test', x: referenceX, groups: { sex: Uint16Array.from([0, 1, 1, 1]) } },
    current: { x: currentX, groups: { sex: Uint16Array.from([0, 0, 0, 1]) } },
    baselineReport: baseline,
    currentReport: current,
  };

  it('sorts features by PSI, and gives one reason per feature or group mix at its threshold', () => {
    const drift = driftReport({ ...input, thresholds: { featurePsi: 2.2, groupMixPsi: 0.25, failOnDrift: false } });
    expect(drift.reference).toEqual({ split: 'test', rows: 4 });
    expect(drift.current).toEqual({ rows: 4 });
    expect(drift.features.map((f) => f.feature)).toEqual(['age', 'colour']);
    expect(drift.groupMix[0]!.psi).toBeCloseTo(Math.log(3), 12);
    expect(drift.metrics).toHaveLength(4);
    expect(drift.drifted).toBe(true);
    expect(drift.reasons).toEqual([
      'feature age: PSI 4.46 ≥ 2.2',
      'group mix of sex: PSI 1.1 ≥ 0.25 (largest shift: female 0.25 → 0.75)',
    ]);
  });

  it('does not drift below every threshold', () => {
    const drift = driftReport({ ...input, thresholds: { featurePsi: 5, groupMixPsi: 1.2, failOnDrift: false } });
    expect(drift.drifted).toBe(false);
    expect(drift.reasons).toEqual([]);
  });
});
