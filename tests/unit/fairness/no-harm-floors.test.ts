// No-harm floors: no group's accuracy, TPR or selection rate may fall more than x below its dense level, judged
// on each group's paired delta (one-sided), with the same small-group rules as every group constraint.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseRubric, parseRubricText } from '../../../core/config/rubric.ts';
import { decideGate } from '../../../core/fairness/gate.ts';
import { evaluateFairness, type EvaluationInput } from '../../../core/fairness/report.ts';

/**
 * Groups A and B of 400 rows, half positives. The reference selects every positive and no negative; the candidate
 * drops `lost` of A's 200 positives (A's TPR and selection rate fall) and leaves B alone.
 */
function levelledDown(lost: number, tiny = false): EvaluationInput {
  const label: number[] = [];
  const score: number[] = [];
  const referenceScore: number[] = [];
  const group: string[] = [];
  const add = (name: string, rows: number, drop: number): void => {
    for (let i = 0; i < rows; i++) {
      const y = i % 2;
      label.push(y);
      referenceScore.push(y === 1 ? 0.9 : 0.1);
      score.push(y === 1 && Math.floor(i / 2) < drop ? 0.1 : y === 1 ? 0.9 : 0.1);
      group.push(name);
    }
  };
  add('A', 400, lost);
  add('B', 400, 0);
  // A small group that loses every positive: it must not decide on its own.
  if (tiny) add('S', 6, 3);
  return { label, score, referenceScore, sensitive: { group } };
}

const floor = (metric: string, threshold: number, uncertainty: 'point_estimate' | 'ci_bound') =>
  parseRubric({
    version: 1,
    name: 'floors',
    min_group_size: 30,
    constraints: [
      {
        id: `no-harm-${metric}`,
        metric,
        attribute: 'group',
        aggregation: 'min',
        relative_to: 'reference',
        comparator: '>=',
        threshold,
        uncertainty,
      },
    ],
  });

describe('no-harm floors', () => {
  it('fail when one group falls further than the floor, naming it', () => {
    const report = evaluateFairness(levelledDown(20), { bootstrap: 0 });
    // A loses 20 of 200 positives: TPR −0.1, selection rate −0.05, accuracy −0.05; B loses nothing.
    const tpr = decideGate(floor('true_positive_rate', -0.05, 'point_estimate'), report).constraints[0]!;
    expect(tpr).toMatchObject({
      status: 'fail',
      groups: ['A'],
      target: 'delta.attributes.group.groups.*.true_positive_rate',
    });
    expect(tpr.observed).toBeCloseTo(-0.1, 12);
    expect(decideGate(floor('selection_rate', -0.03, 'point_estimate'), report).constraints[0]!.status).toBe('fail');
    expect(decideGate(floor('accuracy', -0.06, 'point_estimate'), report).constraints[0]!.status).toBe('pass');
  });

  it('pass when every group stays within the floor', () => {
    const report = evaluateFairness(levelledDown(2), { bootstrap: 0 });
    const d = decideGate(floor('true_positive_rate', -0.02, 'point_estimate'), report).constraints[0]!;
    expect(d).toMatchObject({ status: 'pass', groups: ['A'] });
    expect(d.observed).toBeCloseTo(-0.01, 12);
  });

  it('judge the unfavourable (lower) end of the paired CI under ci_bound', () => {
    const report = evaluateFairness(levelledDown(2), { bootstrap: 300, seed: 5 });
    const delta = report.delta!.attributes['group']!.groups['A']!['true_positive_rate']!;
    expect(delta.ci![0]).toBeLessThan(-0.02); // 2 of 200 lost: the point −0.01 passes, the lower end does not
    const d = decideGate(floor('true_positive_rate', -0.02, 'ci_bound'), report).constraints[0]!;
    expect(d).toMatchObject({ status: 'fail', groups: ['A'], compared: delta.ci![0] });
    expect(decideGate(floor('true_positive_rate', -0.02, 'point_estimate'), report).constraints[0]!.status).toBe(
      'pass',
    );
  });

  it('follow the small-group rules: a tiny group that sets the value leaves it open, never a pass', () => {
    const report = evaluateFairness(levelledDown(0, true), { bootstrap: 0, minGroupSize: 30 });
    const d = decideGate(floor('true_positive_rate', -0.05, 'point_estimate'), report).constraints[0]!;
    expect(d.status).toBe('insufficient-evidence');
    expect(d.reason).toMatch(/S \(6 rows\)/);
  });

  it('are in every example rubric', () => {
    const dir = fileURLToPath(new URL('../../../examples/', import.meta.url));
    const files = ['rubric.yaml', ...readdirSync(`${dir}rubrics`).map((f) => `rubrics/${f}`)];
    for (const file of files) {
      const rubric = parseRubricText(readFileSync(`${dir}${file}`, 'utf8'), file);
      const floors = rubric.constraints.filter(
        (c) => c.relative_to === 'reference' && c.aggregation === 'min' && c.comparator === '>=' && c.threshold < 0,
      );
      expect(floors.map((c) => c.metric).sort(), file).toEqual(['accuracy', 'selection_rate', 'true_positive_rate']);
    }
  });
});
