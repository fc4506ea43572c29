// A misspelt metric is refused when the rubric is parsed (like a misspelt attribute), before anything runs; and
// the list of names the parser knows is exactly what a report holds.
import { describe, expect, it } from 'vitest';
import { parseRubric, RubricError, type RubricInput } from '../../../core/config/rubric.ts';
import { metricNames } from '../../../core/fairness/metric-names.ts';
import { evaluateFairness } from '../../../core/fairness/report.ts';
import { HAND_REFERENCE_SCORE, handInput } from '../fairness/fixtures.ts';

const withConstraint = (constraint: Partial<RubricInput['constraints'][number]>): unknown => ({
  version: 1,
  name: 'names',
  constraints: [{ id: 'c', metric: 'equalized_odds_difference', comparator: '<=', threshold: 0.1, ...constraint }],
});

const problems = (data: unknown, customMetrics?: string[]): string[] => {
  try {
    parseRubric(data, 'rubric.yaml', customMetrics === undefined ? {} : { customMetrics });
  } catch (err) {
    if (err instanceof RubricError) return err.problems;
    throw err;
  }
  return [];
};

describe('metric names in rubrics', () => {
  it('refuses a misspelt disparity with a suggestion and the path of the field', () => {
    expect(problems(withConstraint({ metric: 'equalised_odds_difference', attribute: 'sex' }))).toEqual([
      'rubric.yaml: constraints[0].metric: unknown disparity "equalised_odds_difference" (did you mean "equalized_odds_difference"?). Fix: use a report metric key such as equalized_odds_difference (see docs/fairness.md)',
    ]);
  });

  it('says where a real name belongs when it is used in the wrong place', () => {
    expect(problems(withConstraint({ metric: 'accuracy', attribute: 'sex' }))[0]).toMatch(
      /unknown disparity "accuracy" \(it is a group metric: give an attribute and aggregation: max or min\)/,
    );
    expect(problems(withConstraint({ metric: 'worst_group_accuracy' }))[0]).toMatch(
      /unknown overall metric "worst_group_accuracy" \(it is a disparity: give an attribute or intersection\)/,
    );
  });

  it('accepts built-in names and the custom metrics it is told about', () => {
    expect(problems(withConstraint({ metric: 'true_positive_rate', attribute: 'sex', aggregation: 'min' }))).toEqual(
      [],
    );
    expect(problems(withConstraint({ metric: 'f2_score_difference', attribute: 'sex' }))).toHaveLength(1);
    expect(problems(withConstraint({ metric: 'f2_score_difference', attribute: 'sex' }), ['f2_score'])).toEqual([]);
  });

  it('knows exactly the names a report with a reference holds', () => {
    const report = evaluateFairness(handInput({ referenceScore: HAND_REFERENCE_SCORE }), { bootstrap: 0 });
    const section = Object.values(report.attributes)[0]!;
    expect(Object.keys(section.disparities).sort()).toEqual(metricNames('disparity').sort());
    expect(Object.keys(Object.values(section.groups)[0]!).sort()).toEqual(metricNames('group').sort());
    expect(Object.keys(report.overall).sort()).toEqual(metricNames('overall').sort());
  });
});
