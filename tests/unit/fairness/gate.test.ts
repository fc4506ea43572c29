// Gate decisions: pass | fail | insufficient-evidence per constraint and overall, with reasons that cite
// the numbers; and the decision module stays pure (importable from workflow code).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseRubric, type RubricInput } from '../../../core/config/rubric.ts';
import { decideGate, rubricReportMismatches, type GateEvidence } from '../../../core/fairness/gate.ts';
import { evaluateFairness } from '../../../core/fairness/report.ts';
import { HAND_REFERENCE_SCORE, handInput } from './fixtures.ts';

/** A small hand-made report: sex with groups F (400 rows) and M (600 rows), plus a tiny group X. */
function evidence(): GateEvidence {
  return {
    config: { ci_level: 0.95, min_group_size: 30 },
    overall: {
      accuracy: { value: 0.84, ci: [0.82, 0.86] },
      roc_auc: { value: null, ci: null, reason: 'no positives (y = 1) in group' },
    },
    attributes: {
      sex: {
        members: ['sex'],
        group_info: { F: { rows: 400 }, M: { rows: 600 }, X: { rows: 12 } },
        groups: {
          F: { accuracy: { value: 0.86, ci: [0.83, 0.89] }, accuracy_drop: { value: 0.012, ci: [0.004, 0.02] } },
          M: { accuracy: { value: 0.83, ci: [0.8, 0.86] }, accuracy_drop: { value: 0.018, ci: [0.01, 0.027] } },
          X: { accuracy: { value: 0.9, ci: [0.7, 1] }, accuracy_drop: { value: 0.0, ci: [-0.1, 0.1] } },
        },
        disparities: {
          equalized_odds_difference: {
            value: 0.08,
            ci: [0.05, 0.12],
            pair: ['M', 'F'],
            component: 'true_positive_rate',
          },
          demographic_parity_difference: { value: 0.2, ci: [0.15, 0.26], pair: ['X', 'F'] },
          equal_opportunity_difference: { value: 0.04, ci: [0.01, 0.07], pair: ['F', 'M'], excluded: ['X'] },
        },
      },
    },
    delta: {
      overall: { accuracy: { value: -0.006, ci: [-0.011, -0.001] } },
      attributes: { sex: { groups: {}, disparities: {} } },
    },
  };
}

const rubricWith = (constraint: Partial<RubricInput['constraints'][number]>, top: Partial<RubricInput> = {}) =>
  parseRubric({
    version: 1,
    name: 'test',
    constraints: [
      {
        id: 'c',
        metric: 'equalized_odds_difference',
        attribute: 'sex',
        comparator: '<=',
        threshold: 0.1,
        ...constraint,
      },
    ],
    ...top,
  });

const decide = (constraint: Partial<RubricInput['constraints'][number]>, top: Partial<RubricInput> = {}) =>
  decideGate(rubricWith(constraint, top), evidence()).constraints[0]!;

describe('uncertainty modes', () => {
  it('point estimate 0.08 ≤ 0.10 passes', () => {
    const d = decide({ uncertainty: 'point_estimate' });
    expect(d).toMatchObject({ status: 'pass', compared: 0.08, observed: 0.08, groups: ['M', 'F'] });
    expect(d.reason).toBe(
      'equalized_odds_difference on sex = 0.08 (95% CI [0.05, 0.12], set by M vs F); point estimate 0.08 satisfies <= 0.1; group below min_group_size 30: X (12 rows) (does not set the value)',
    );
  });
  it('CI upper bound 0.12 > 0.10 fails under ci_bound', () => {
    const d = decide({ uncertainty: 'ci_bound' });
    expect(d.status).toBe('fail');
    expect(d.compared).toBe(0.12);
    expect(d.reason).toMatch(/CI upper bound 0\.12 violates <= 0\.1/);
  });
  it('a CI straddling the threshold is insufficient evidence under ci_interval', () => {
    const d = decide({ uncertainty: 'ci_interval' });
    expect(d.status).toBe('insufficient-evidence');
    expect(d.reason).toMatch(/straddles the threshold/);
  });
  it('ci_interval passes when the whole CI satisfies and fails when none of it does', () => {
    expect(decide({ uncertainty: 'ci_interval', threshold: 0.13 }).status).toBe('pass');
    expect(decide({ uncertainty: 'ci_interval', threshold: 0.04 }).status).toBe('fail');
  });
  it('lower-bound constraints use the lower CI end', () => {
    const d = decide({ metric: 'accuracy', attribute: undefined, comparator: '>=', threshold: 0.83 });
    expect(d).toMatchObject({ status: 'fail', compared: 0.82, target: 'overall.accuracy' });
  });
  it('the rubric default applies when a constraint sets none', () => {
    expect(decide({}, { uncertainty: 'point_estimate' }).status).toBe('pass');
    expect(decide({}).status).toBe('fail'); // default ci_bound
  });
});

describe('insufficient evidence', () => {
  it('when a group below min_group_size sets the value and the report cannot recompute it without that group', () => {
    const d = decide({ metric: 'demographic_parity_difference', threshold: 0.5 });
    expect(d.status).toBe('insufficient-evidence');
    expect(d.reason).toMatch(/the report has no view of sex without its groups below 30 rows/);
    expect(d.reason).toMatch(/could not be judged: X \(12 rows\)/);
    expect(d.below_minimum).toEqual([{ group: 'X', rows: 12 }]);
    // With a smaller minimum the same constraint is decided.
    expect(decide({ metric: 'demographic_parity_difference', threshold: 0.5, min_group_size: 10 }).status).toBe('pass');
  });
  it('when a group drops out of the disparity because its metric is undefined, unless told to ignore', () => {
    expect(decide({ metric: 'equal_opportunity_difference' }).reason).toMatch(/leaves out group\(s\) X/);
    expect(decide({ metric: 'equal_opportunity_difference', undefined_groups: 'ignore' }).status).toBe('pass');
  });
  it('when the metric is undefined, missing, or the attribute is not in the report', () => {
    expect(decide({ metric: 'roc_auc', attribute: undefined, comparator: '>=', threshold: 0.5 }).reason).toMatch(
      /roc_auc is undefined: no positives/,
    );
    // A valid disparity name the (hand-made) report does not hold.
    expect(decide({ metric: 'average_odds_difference' }).reason).toMatch(/no such disparity in the report/);
    expect(decide({ attribute: 'race' }).reason).toMatch(/"race" is not in the report \(evaluated: sex\)/);
  });
  it('when the constraint needs a CI and there is none', () => {
    const e = evidence();
    e.attributes['sex']!.disparities['equalized_odds_difference']!.ci = null;
    const d = decideGate(rubricWith({}), e).constraints[0]!;
    expect(d.status).toBe('insufficient-evidence');
    expect(d.reason).toMatch(/--bootstrap/);
  });
});

describe('aggregation over groups and reference-relative constraints', () => {
  it('max over groups picks the group with the largest CI upper end and skips none', () => {
    const d = decide({ metric: 'accuracy_drop', aggregation: 'max', threshold: 0.03, min_group_size: 10 });
    // X's upper end 0.1 is the largest.
    expect(d).toMatchObject({ status: 'fail', groups: ['X'], compared: 0.1 });
  });
  it('small groups that set the max make the decision insufficient', () => {
    const d = decide({ metric: 'accuracy_drop', aggregation: 'max', threshold: 0.03 });
    expect(d.status).toBe('insufficient-evidence');
  });
  it('point estimate of the worst group', () => {
    const d = decide({
      metric: 'accuracy',
      aggregation: 'min',
      comparator: '>=',
      threshold: 0.8,
      uncertainty: 'point_estimate',
    });
    expect(d).toMatchObject({ status: 'pass', groups: ['M'], observed: 0.83 });
  });
  it('relative_to reference reads the delta section', () => {
    const base = {
      metric: 'accuracy',
      attribute: undefined,
      relative_to: 'reference',
      comparator: '>=',
      threshold: -0.01,
    } as const;
    // Δ accuracy −0.006, CI [−0.011, −0.001]: the lower end −0.011 violates ≥ −0.01, the point estimate does not.
    expect(decide(base)).toMatchObject({ status: 'fail', target: 'delta.overall.accuracy', compared: -0.011 });
    expect(decide({ ...base, uncertainty: 'point_estimate' })).toMatchObject({ status: 'pass', compared: -0.006 });
    const noReference = evidence();
    delete noReference.delta;
    expect(decideGate(rubricWith(base), noReference).constraints[0]!.reason).toMatch(/no reference model/);
  });
});

describe('overall decision', () => {
  it('fails if any constraint fails, else insufficient if any lacks evidence, else passes', () => {
    const rubric = parseRubric({
      version: 1,
      name: 'mix',
      uncertainty: 'point_estimate',
      constraints: [
        { id: 'ok', metric: 'equalized_odds_difference', attribute: 'sex', comparator: '<=', threshold: 0.1 },
        { id: 'unsure', metric: 'demographic_parity_difference', attribute: 'sex', comparator: '<=', threshold: 0.1 },
        { id: 'bad', metric: 'accuracy', comparator: '>=', threshold: 0.9 },
      ],
    });
    const all = decideGate(rubric, evidence());
    expect(all.status).toBe('fail');
    expect(all.reason).toBe('1 of 3 constraints fail (bad); 1 lack evidence (unsure)');
    const noBad = decideGate({ ...rubric, constraints: rubric.constraints.slice(0, 2) }, evidence());
    expect(noBad.status).toBe('insufficient-evidence');
    const good = decideGate({ ...rubric, constraints: rubric.constraints.slice(0, 1) }, evidence());
    expect(good).toMatchObject({ status: 'pass', reason: 'all 1 constraints pass', rubric: 'mix' });
  });

  it('works on a real report, and mismatches are listed with a suggestion', () => {
    const report = evaluateFairness(handInput({ referenceScore: HAND_REFERENCE_SCORE }), { bootstrap: 0 });
    const rubric = parseRubric({
      version: 1,
      name: 'real',
      min_group_size: 3,
      uncertainty: 'point_estimate',
      constraints: [
        // ψ: A 0.4 − 1/3 = 1/15 is the largest excess accuracy gap.
        { id: 'psi', metric: 'max_excess_accuracy_gap', attribute: 'group', comparator: '<=', threshold: 0.05 },
        { id: 'typo', metric: 'equalized_odds_difference', attribute: 'grop', comparator: '<=', threshold: 0.1 },
      ],
    });
    const gate = decideGate(rubric, report);
    expect(gate.constraints[0]).toMatchObject({ status: 'fail', groups: ['A'] });
    expect(gate.constraints[0]!.observed).toBeCloseTo(1 / 15, 12);
    expect(rubricReportMismatches(rubric, report)).toEqual([
      'constraints[1] (typo): attribute "grop" is not in the report (did you mean "group"?); evaluated: group. Fix: add it to --sensitive',
    ]);
  });
});

describe('purity', () => {
  it('gate.ts imports types only (workflow code imports it)', () => {
    const source = readFileSync(fileURLToPath(new URL('../../../core/fairness/gate.ts', import.meta.url)), 'utf8');
    const imports = source.split('\n').filter((line) => /^import\s/.test(line));
    expect(imports.length).toBeGreaterThan(0);
    for (const line of imports) expect(line).toMatch(/^import type /);
  });
});
