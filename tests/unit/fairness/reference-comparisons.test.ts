// Comparisons against a reference model on the hand-checked vector: accuracy drop, excess accuracy gap ψ_g,
// flip rates, flipped rows by group, and per-group McNemar tests.
import { describe, expect, it } from 'vitest';
import { evaluateFairness } from '../../../core/fairness/report.ts';
import { HAND_REFERENCE_SCORE, handInput } from './fixtures.ts';

// The reference is right on every row (accuracy 1 overall and per group). The candidate's accuracy is
// A 0.6, B 0.75, C 2/3, overall 2/3.
const report = evaluateFairness(handInput({ referenceScore: HAND_REFERENCE_SCORE }), { bootstrap: 0 });
const group = report.attributes['group']!;
const value = (g: string, m: string): number | null => group.groups[g]![m]!.value;

describe('reference comparisons', () => {
  it('accuracy drop per group and overall', () => {
    expect(value('A', 'accuracy_drop')).toBeCloseTo(0.4, 12);
    expect(value('B', 'accuracy_drop')).toBeCloseTo(0.25, 12);
    expect(value('C', 'accuracy_drop')).toBeCloseTo(1 / 3, 12);
    expect(report.overall['accuracy_drop']!.value).toBeCloseTo(1 / 3, 12);
    expect(group.disparities['max_accuracy_drop']).toMatchObject({ pair: ['A'] });
  });

  it('excess accuracy gap ψ_g = (A_g,ref − A_g) − (A_ref − A)', () => {
    expect(value('A', 'excess_accuracy_gap')).toBeCloseTo(0.4 - 1 / 3, 12); // 1/15
    expect(value('B', 'excess_accuracy_gap')).toBeCloseTo(0.25 - 1 / 3, 12); // −1/12
    expect(value('C', 'excess_accuracy_gap')).toBeCloseTo(0, 12);
    expect(group.disparities['max_excess_accuracy_gap']!.value).toBeCloseTo(1 / 15, 12);
  });

  it('flip rates and the flipped rows by group', () => {
    expect(value('A', 'flip_rate')).toBeCloseTo(0.4, 12);
    expect(value('B', 'flip_rate')).toBeCloseTo(0.25, 12);
    expect(report.flipped_rows).toEqual({ count: 4, indices: [1, 3, 5, 9], truncated: false });
    expect(group.flips!['A']).toEqual({
      rows: 5,
      flipped: 2,
      flip_rate: 0.4,
      to_positive: 1,
      to_negative: 1,
      newly_wrong: 2,
      newly_right: 0,
      over_representation: 2 / 4 / (5 / 12),
    });
  });

  it('reference and delta sections mirror the candidate', () => {
    expect(report.reference!.overall['accuracy']!.value).toBe(1);
    expect(report.delta!.overall['accuracy']!.value).toBeCloseTo(-1 / 3, 12);
    expect(report.delta!.attributes['group']!.groups['A']!['accuracy']!.value).toBeCloseTo(-0.4, 12);
  });

  it('McNemar per group with Holm over groups × metrics', () => {
    const a = group.paired_tests!['A']!;
    // A: the reference alone is right on 2 rows, the candidate alone on 0: p = 2·(1/2)^2 = 0.5.
    expect(a.tests.accuracy).toMatchObject({ reference_only: 2, candidate_only: 0, p_value: 0.5 });
    // 12 tests in the family: 0.5·12 > 1.
    expect(a.tests.accuracy.p_value_holm).toBe(1);
    // Selection: one row 1 → 0 and one 0 → 1: p = 1.
    expect(a.tests.selection_rate).toMatchObject({ reference_only: 1, candidate_only: 1, p_value: 1 });
    expect(a.minimum_detectable_effect.value).toBeNull();
    expect(a.minimum_detectable_effect.reason).toMatch(/too few rows/);
  });
});
