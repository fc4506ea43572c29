// The report's JSON shape is stable for scripts: every metric, disparity and delta is
// { value: number | null, ci: [lo, hi] | null, reason?: string }, under fixed paths.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { GateDecision } from '../../../core/fairness/gate.ts';
import { evaluateFairness } from '../../../core/fairness/report.ts';
import type { FairnessReport, MetricValue } from '../../../core/fairness/report-types.ts';
import { HAND_REFERENCE_SCORE, handInput } from './fixtures.ts';

describe('report format', () => {
  it('types stay as documented', () => {
    expectTypeOf<MetricValue>().toEqualTypeOf<{ value: number | null; ci: [number, number] | null; reason?: string }>();
    expectTypeOf<FairnessReport['overall']>().toEqualTypeOf<Record<string, MetricValue>>();
    expectTypeOf<FairnessReport['gate']>().toEqualTypeOf<GateDecision | undefined>();
    expectTypeOf<GateDecision['status']>().toEqualTypeOf<'pass' | 'fail' | 'insufficient-evidence'>();
  });

  it('every value under overall, groups, disparities, reference and delta has the MetricValue shape', () => {
    const report = evaluateFairness(handInput({ referenceScore: HAND_REFERENCE_SCORE }), { bootstrap: 30 });
    let count = 0;
    const check = (where: string, mv: MetricValue) => {
      count++;
      expect(typeof mv.value === 'number' || mv.value === null, where).toBe(true);
      expect(mv.ci === null || (Array.isArray(mv.ci) && mv.ci.length === 2), where).toBe(true);
      if (mv.value === null) expect(typeof mv.reason, where).toBe('string');
    };
    const sections = [
      { name: 'candidate', s: report },
      { name: 'reference', s: report.reference! },
      { name: 'delta', s: report.delta! },
    ];
    for (const { name, s } of sections) {
      for (const [k, mv] of Object.entries(s.overall)) check(`${name}.overall.${k}`, mv);
      for (const [attr, a] of Object.entries(s.attributes)) {
        for (const [g, metrics] of Object.entries(a.groups)) {
          for (const [k, mv] of Object.entries(metrics)) check(`${name}.${attr}.${g}.${k}`, mv);
        }
        for (const [k, mv] of Object.entries(a.disparities)) check(`${name}.${attr}.disparities.${k}`, mv);
      }
    }
    expect(count).toBeGreaterThan(500);
    expect(Object.keys(report.attributes['group']!.groups['A']!)).toEqual(
      expect.arrayContaining(['count', 'selection_rate', 'true_positive_rate', 'false_positive_rate', 'accuracy']),
    );
    expect(Object.keys(report.attributes['group']!.disparities)).toEqual(
      expect.arrayContaining([
        'demographic_parity_difference',
        'demographic_parity_ratio',
        'equalized_odds_difference',
        'equalized_odds_ratio',
        'equal_opportunity_difference',
        'equal_opportunity_ratio',
        'statistical_parity_difference',
        'disparate_impact',
        'average_odds_difference',
        'worst_group_accuracy',
        'ece_gap',
        'max_excess_accuracy_gap',
      ]),
    );
  });
});
