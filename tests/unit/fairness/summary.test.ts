// The headline numbers of a report: the worst group's accuracy is taken over single attributes only, for the
// candidate and (the example-campaign bench's dense column) for the reference, by one rule.
import { describe, expect, it } from 'vitest';
import { evaluateFairness, type EvaluationInput } from '../../../core/fairness/report.ts';
import { summarizeReport, worstGroupAccuracy } from '../../../core/fairness/summary.ts';

// Rows as [label, candidate score, reference score, sex, race]. Accuracies at threshold 0.5, by hand:
//   candidate: F 3/4, M 1/4; race a 3/4, b 1/4; the intersection M&b is 0/2 (below every single attribute).
//   reference: F 4/4, M 3/4; race a 4/4, b 3/4.
const rows: [number, number, number, string, string][] = [
  [1, 0.9, 0.9, 'F', 'a'],
  [0, 0.2, 0.1, 'F', 'a'],
  [1, 0.8, 0.7, 'F', 'b'],
  [0, 0.6, 0.4, 'F', 'b'],
  [1, 0.7, 0.8, 'M', 'a'],
  [0, 0.7, 0.3, 'M', 'a'],
  [1, 0.1, 0.2, 'M', 'b'],
  [0, 0.9, 0.4, 'M', 'b'],
];
const input: EvaluationInput = {
  label: rows.map((r) => r[0]),
  score: rows.map((r) => r[1]),
  referenceScore: rows.map((r) => r[2]),
  sensitive: { sex: rows.map((r) => r[3]), race: rows.map((r) => r[4]) },
};
const report = evaluateFairness(input, { bootstrap: 0, intersections: true, minGroupSize: 1 });

describe('worstGroupAccuracy', () => {
  it('takes the lowest accuracy over single attributes, not intersections, ties to the first attribute and group', () => {
    expect(report.attributes['sex&race']!.groups['M&b']!['accuracy']!.value).toBe(0);
    // sex M and race b both score 0.25: sex comes first.
    expect(worstGroupAccuracy(report)).toEqual({ attribute: 'sex', group: 'M', value: 0.25 });
    expect(summarizeReport(report).worstGroupAccuracy).toEqual(worstGroupAccuracy(report));
  });

  it('reads the reference model by the same rule', () => {
    expect(worstGroupAccuracy(report, report.reference!)).toEqual({ attribute: 'sex', group: 'M', value: 0.75 });
  });

  it('is null when no group has a defined accuracy', () => {
    expect(worstGroupAccuracy(report, { attributes: {} })).toBeNull();
  });
});
