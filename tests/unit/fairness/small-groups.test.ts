// Groups below min_group_size neither mask a failure among adequate groups nor pass on their own behalf:
// insufficient (default), exclude and pool, on real reports; and the monitor audit fails where the gate fails.
import { describe, expect, it } from 'vitest';
import { parseRubric, type RubricInput } from '../../../core/config/rubric.ts';
import { decideGate } from '../../../core/fairness/gate.ts';
import { evaluateFairness, type EvaluationInput } from '../../../core/fairness/report.ts';
import { judgeBatch } from '../../../core/monitoring/audit.ts';

/** Rows of one group: `selected` of `rows` predicted positive; labels alternate so both classes occur. */
interface GroupSpec {
  name: string;
  rows: number;
  selected: number;
}

function input(groups: GroupSpec[]): EvaluationInput {
  const label: number[] = [];
  const score: number[] = [];
  const group: string[] = [];
  for (const g of groups) {
    for (let i = 0; i < g.rows; i++) {
      label.push(i % 2);
      score.push(i < g.selected ? 0.9 : 0.1);
      group.push(g.name);
    }
  }
  return { label, score, sensitive: { group } };
}

type Constraint = RubricInput['constraints'][number];
const rubric = (constraint: Partial<Constraint>, top: Partial<RubricInput> = {}) =>
  parseRubric({
    version: 1,
    name: 'small-groups',
    uncertainty: 'point_estimate',
    min_group_size: 30,
    constraints: [
      {
        id: 'dp',
        metric: 'demographic_parity_difference',
        attribute: 'group',
        comparator: '<=',
        threshold: 0.1,
        ...constraint,
      },
    ],
    ...top,
  });

// A and B differ by 0.3 in selection rate; S (5 rows) selects everyone, so S sets the all-groups disparity.
const FAILING = input([
  { name: 'A', rows: 200, selected: 40 },
  { name: 'B', rows: 200, selected: 100 },
  { name: 'S', rows: 5, selected: 5 },
]);

describe('insufficient (default)', () => {
  it('a large group pair that fails is a failure even when a small group is the extreme', () => {
    const report = evaluateFairness(FAILING, { bootstrap: 0, minGroupSize: 30 });
    // The all-groups disparity is set by the small group S, which alone used to make this insufficient-evidence.
    expect(report.attributes['group']!.disparities['demographic_parity_difference']!.pair).toEqual(['S', 'A']);
    const d = decideGate(rubric({}), report).constraints[0]!;
    expect(d.status).toBe('fail');
    expect(d.observed).toBeCloseTo(0.3, 12);
    expect(d.groups).toEqual(['B', 'A']);
    expect(d.below_minimum).toEqual([{ group: 'S', rows: 5 }]);
    expect(d.reason).toMatch(/not judged: group below min_group_size 30: S \(5 rows\)/);
    expect(d.target).toBe('attributes.group.small_group_views.30.adequate.disparities.demographic_parity_difference');
  });

  it('the same holds for max/min over groups: the worst adequate group decides', () => {
    const report = evaluateFairness(FAILING, { bootstrap: 0, minGroupSize: 30 });
    const d = decideGate(
      rubric({ metric: 'selection_rate', aggregation: 'max', comparator: '<=', threshold: 0.4 }),
      report,
    ).constraints[0]!;
    expect(d).toMatchObject({ status: 'fail', groups: ['B'], observed: 0.5 });
  });

  it('adequate groups pass but a small group sets the value: insufficient-evidence, listing it', () => {
    const report = evaluateFairness(
      input([
        { name: 'A', rows: 200, selected: 80 },
        { name: 'B', rows: 200, selected: 90 },
        { name: 'S', rows: 5, selected: 5 },
      ]),
      { bootstrap: 0, minGroupSize: 30 },
    );
    const d = decideGate(rubric({}), report).constraints[0]!;
    expect(d.status).toBe('insufficient-evidence');
    expect(d.reason).toMatch(
      /no group at or above min_group_size 30 fails, but a group below it could not be judged: S \(5 rows\)/,
    );
  });

  it('only small groups: insufficient-evidence naming every group and its rows', () => {
    const report = evaluateFairness(FAILING, { bootstrap: 0, minGroupSize: 30, smallGroupViewSizes: [500] });
    const d = decideGate(rubric({ min_group_size: 500 }), report).constraints[0]!;
    expect(d.status).toBe('insufficient-evidence');
    expect(d.reason).toMatch(/A \(200 rows\), B \(200 rows\), S \(5 rows\)/);
    expect(d.below_minimum!.map((g) => g.group)).toEqual(['A', 'B', 'S']);
  });

  it('a CI-bound decision uses the interval of the disparity over adequate groups', () => {
    const report = evaluateFairness(FAILING, { bootstrap: 200, seed: 3, minGroupSize: 30 });
    const view = report.attributes['group']!.small_group_views!['30']!.adequate;
    const d = decideGate(rubric({}, { uncertainty: 'ci_bound' }), report).constraints[0]!;
    expect(d.ci).toEqual(view.disparities['demographic_parity_difference']!.ci);
    expect(d.ci).not.toEqual(report.attributes['group']!.disparities['demographic_parity_difference']!.ci);
    expect(d.status).toBe('fail');
  });
});

describe('exclude and pool', () => {
  const passing = input([
    { name: 'A', rows: 200, selected: 80 },
    { name: 'B', rows: 200, selected: 90 },
    { name: 'S1', rows: 6, selected: 6 },
    { name: 'S2', rows: 7, selected: 0 },
  ]);

  it('exclude decides on adequate groups and lists the excluded ones', () => {
    const report = evaluateFairness(passing, { bootstrap: 0, minGroupSize: 30 });
    const d = decideGate(rubric({}, { small_groups: 'exclude' }), report).constraints[0]!;
    expect(d).toMatchObject({ status: 'pass', small_groups: 'exclude', groups: ['B', 'A'] });
    expect(d.observed).toBeCloseTo(0.05, 12);
    expect(d.reason).toMatch(/excluded .*S1 \(6 rows\), S2 \(7 rows\)/);
    expect(decideGate(rubric({}, { small_groups: 'exclude' }), report).small_groups).toBe('exclude');
  });

  it('exclude never passes on the small groups alone', () => {
    const report = evaluateFairness(passing, { bootstrap: 0, minGroupSize: 30, smallGroupViewSizes: [300] });
    const d = decideGate(rubric({ min_group_size: 300, small_groups: 'exclude' }), report).constraints[0]!;
    expect(d.status).toBe('insufficient-evidence');
    expect(d.reason).toMatch(/needs at least 2 groups/);
  });

  it('pool merges the small groups into one labelled group, judged when it reaches the minimum', () => {
    const report = evaluateFairness(passing, { bootstrap: 0, minGroupSize: 10 });
    const pool = report.attributes['group']!.small_group_pools!['10']!;
    expect(pool.pooled_group).toEqual({ group: 'pooled(S1,S2)', rows: 13 });
    const d = decideGate(rubric({ min_group_size: 10, small_groups: 'pool' }), report).constraints[0]!;
    // The pool selects 6 of 13 (0.46): against A (0.4) and B (0.45) the disparity is 0.06 ≤ 0.1.
    expect(d).toMatchObject({ status: 'pass', pooled_group: { group: 'pooled(S1,S2)', rows: 13 } });
    expect(d.observed).toBeCloseTo(6 / 13 - 0.4, 12);
    expect(d.reason).toMatch(/S1 \(6 rows\), S2 \(7 rows\) pooled into pooled\(S1,S2\) \(13 rows\)/);
  });

  it('a pool still below the minimum is one small group: insufficient when it sets the value', () => {
    const report = evaluateFairness(passing, { bootstrap: 0, minGroupSize: 30 });
    const d = decideGate(rubric({ small_groups: 'pool', threshold: 0.03 }), report).constraints[0]!;
    // Adequate A vs B is 0.05 > 0.03: a failure, whatever the pool.
    expect(d.status).toBe('fail');
    const open = decideGate(
      rubric({ small_groups: 'pool', metric: 'selection_rate', aggregation: 'min', comparator: '>=', threshold: 0.3 }),
      report,
    ).constraints[0]!;
    expect(open).toMatchObject({ status: 'pass', groups: ['A'] });
  });
});

describe('monitor audits', () => {
  it('a failure among adequately sized groups fails the audit (the monitor rolls back on fail)', () => {
    const { decision } = judgeBatch(FAILING, { bootstrap: 0, minGroupSize: 10 }, rubric({}, { min_group_size: 30 }));
    expect(decision.status).toBe('fail');
    expect(decision.constraints[0]!.below_minimum).toEqual([{ group: 'S', rows: 5 }]);
  });
});
