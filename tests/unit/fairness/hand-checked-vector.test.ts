// Pins every number of the hand-checked vector in docs/references.md ("The hand-checked vector").
import { describe, expect, it } from 'vitest';
import { evaluateFairness } from '../../../core/fairness/report.ts';
import { handInput } from './fixtures.ts';

const report10 = evaluateFairness(handInput(), { bootstrap: 0, calibrationBins: 10, privileged: { group: 'A' } });
const report15 = evaluateFairness(handInput(), { bootstrap: 0 });
const groups = report10.attributes['group']!.groups;
const disparities = report10.attributes['group']!.disparities;
const v = (mv: { value: number | null } | undefined): number | null => mv?.value ?? null;

describe('hand-checked vector: per group', () => {
  const expected: Record<string, [number, number, number, number]> = {
    // selection rate, TPR, FPR, accuracy
    A: [0.6, 2 / 3, 0.5, 0.6],
    B: [0.25, 0.5, 0, 0.75],
    C: [2 / 3, 1, 0.5, 2 / 3],
  };
  for (const [g, [sr, tpr, fpr, acc]] of Object.entries(expected)) {
    it(`group ${g}`, () => {
      expect(v(groups[g]!['selection_rate'])).toBeCloseTo(sr, 12);
      expect(v(groups[g]!['true_positive_rate'])).toBeCloseTo(tpr, 12);
      expect(v(groups[g]!['false_positive_rate'])).toBeCloseTo(fpr, 12);
      expect(v(groups[g]!['accuracy'])).toBeCloseTo(acc, 12);
    });
  }
  it('counts', () => {
    expect([v(groups['A']!['count']), v(groups['B']!['count']), v(groups['C']!['count'])]).toEqual([5, 4, 3]);
  });
});

describe('hand-checked vector: overall', () => {
  it('selection 0.5, TPR 2/3, FPR 1/3', () => {
    expect(v(report10.overall['selection_rate'])).toBeCloseTo(0.5, 12);
    expect(v(report10.overall['true_positive_rate'])).toBeCloseTo(2 / 3, 12);
    expect(v(report10.overall['false_positive_rate'])).toBeCloseTo(1 / 3, 12);
  });
  it('ECE with 10 bins: positive-class 0.315, top-label 0.26', () => {
    expect(v(report10.overall['ece'])).toBeCloseTo(0.315, 12);
    expect(v(report10.overall['ece_top_label'])).toBeCloseTo(0.26, 12);
  });
  it('ECE with 15 bins (default): both 0.315', () => {
    expect(report15.config.calibration_bins).toBe(15);
    expect(v(report15.overall['ece'])).toBeCloseTo(0.315, 12);
    expect(v(report15.overall['ece_top_label'])).toBeCloseTo(0.315, 12);
  });
  it('Brier 0.1386167 and Theil index 4 ln 2 / 12', () => {
    expect(v(report10.overall['brier_score'])).toBeCloseTo(0.1386167, 7);
    expect(v(report10.overall['theil_index'])).toBeCloseTo((4 * Math.LN2) / 12, 12);
    expect(v(report10.overall['theil_index'])).toBeCloseTo(0.2310491, 7);
  });
});

describe('hand-checked vector: Fairlearn disparities', () => {
  it('demographic parity difference 5/12 between C and B, 0.25 to overall, ratio 0.375', () => {
    expect(disparities['demographic_parity_difference']).toMatchObject({ pair: ['C', 'B'] });
    expect(v(disparities['demographic_parity_difference'])).toBeCloseTo(5 / 12, 12);
    expect(v(disparities['demographic_parity_difference_to_overall'])).toBeCloseTo(0.25, 12);
    expect(disparities['demographic_parity_difference_to_overall']!.pair).toEqual(['B', 'overall']);
    expect(v(disparities['demographic_parity_ratio'])).toBeCloseTo(0.375, 12);
    expect(disparities['demographic_parity_ratio']!.pair).toEqual(['B', 'C']);
  });
  it('equalized odds difference 0.5 and equal opportunity difference 0.5', () => {
    expect(v(disparities['equalized_odds_difference'])).toBeCloseTo(0.5, 12);
    expect(v(disparities['equal_opportunity_difference'])).toBeCloseTo(0.5, 12);
    // TPR spread 1 − 0.5 and FPR spread 0.5 − 0 tie at 0.5: mean aggregation is also 0.5.
    expect(v(disparities['equalized_odds_difference_mean'])).toBeCloseTo(0.5, 12);
  });
  it('worst-group accuracy is A at 0.6', () => {
    expect(disparities['worst_group_accuracy']).toMatchObject({ value: 0.6, pair: ['A'] });
  });
});

describe('hand-checked vector: AIF360 with privileged A, unprivileged B ∪ C', () => {
  it('statistical parity difference −0.171429, disparate impact 0.714286', () => {
    expect(v(disparities['statistical_parity_difference'])).toBeCloseTo(-0.171429, 6);
    expect(v(disparities['disparate_impact'])).toBeCloseTo(0.714286, 6);
  });
  it('equal opportunity difference 0, average odds difference −0.125', () => {
    expect(v(disparities['aif360_equal_opportunity_difference'])).toBeCloseTo(0, 12);
    expect(v(disparities['average_odds_difference'])).toBeCloseTo(-0.125, 12);
  });
  it('records where the privileged group came from', () => {
    expect(report10.attributes['group']!.privileged_group).toBe('A');
    expect(report10.attributes['group']!.privileged_source).toBe('configured');
    expect(report15.attributes['group']!.privileged_source).toBe('largest group');
  });
});
