// Pre-flight feasibility: each group's minimum detectable effect against the room a constraint's threshold leaves,
// checked against numbers worked out by hand (z_0.975 = 1.959964, z_0.8 = 0.841621, so z = 2.801585 for a CI bound).
import { describe, expect, it } from 'vitest';
import { parseRubric, type RubricInput } from '../../../core/config/rubric.ts';
import { assessFeasibility, feasibilityWarnings, formatFeasibility } from '../../../core/fairness/feasibility.ts';

const Z = 1.959964 + 0.841621;

/** Rows of groups `name: [rows, positives]`, one attribute `g`, labels 1 for the first `positives` of each group. */
function rows(sizes: Record<string, [number, number]>) {
  const labels: number[] = [];
  const g: string[] = [];
  for (const [name, [n, positives]] of Object.entries(sizes)) {
    for (let i = 0; i < n; i++) {
      labels.push(i < positives ? 1 : 0);
      g.push(name);
    }
  }
  return { labels, groups: { g } };
}

const rubricOf = (constraints: RubricInput['constraints'], extra: Partial<RubricInput> = {}) =>
  parseRubric({ version: 1, name: 'r', constraints, ...extra });

const options = { ciLevel: 0.95, minGroupSize: 30, split: 'validation' };

describe('assessFeasibility', () => {
  it('psi <= 0.02 with a 100-row group cannot pass; the group would need 592 rows', () => {
    const rubric = rubricOf([
      { id: 'psi', metric: 'max_excess_accuracy_gap', attribute: 'g', comparator: '<=', threshold: 0.02 },
    ]);
    const report = assessFeasibility(rubric, rows({ large: [900, 450], small: [100, 50] }), options);
    const [psi] = report.constraints;
    expect(psi!.status).toBe('infeasible');
    const small = psi!.groups.find((g) => g.group === 'small')!;
    // Var ψ_g = d(1 − n_g/N)/n_g = 0.05 · 0.9 / 100 = 4.5e-4; MDE = 2.801585 · 0.021213 = 0.059430
    expect(small.mde).toBeCloseTo(Z * Math.sqrt(0.05 * 0.9 * 0.01), 6);
    expect(small.mde).toBeCloseTo(0.05943, 4);
    expect(small.feasible).toBe(false);
    // Z²·d·900 / ((900 + n)·n) ≤ 0.02² ⇔ n² + 900n ≥ 883,001 ⇔ n ≥ 591.9
    expect(small.neededRows).toBe(592);
    // Var = 0.05 · 0.1 / 900: MDE 0.0066, well inside 0.02.
    expect(psi!.groups.find((g) => g.group === 'large')).toMatchObject({ feasible: true });
    expect(psi!.groups.find((g) => g.group === 'large')!.mde).toBeCloseTo(Z * Math.sqrt(0.005 / 900), 6);
    const [warning] = feasibilityWarnings(report, rubric);
    expect(warning).toMatch(
      /^rubric\.constraints\[0\] \(psi\): max_excess_accuracy_gap on g <= 0\.02 cannot pass on the validation split: .*small \(100 rows: MDE 0\.059, needs ~592\)/,
    );
  });

  it('two proportions: a difference of 0.1 needs 386 rows next to a 400-row group; 0.2 is reachable', () => {
    const data = rows({ a: [400, 200], b: [100, 50] });
    const tight = assessFeasibility(
      rubricOf([
        { id: 'dp', metric: 'demographic_parity_difference', attribute: 'g', comparator: '<=', threshold: 0.1 },
      ]),
      data,
      options,
    ).constraints[0]!;
    expect(tight.status).toBe('infeasible');
    const b = tight.groups.find((g) => g.group === 'b')!;
    // p = 0.5 (base rate): SE² = 0.25 (1/100 + 1/400) = 0.003125; MDE = 2.801585 · 0.055902 = 0.15661
    expect(b.mde).toBeCloseTo(0.15661, 4);
    // 0.25 (1/n + 1/400) ≤ (0.1 / 2.801585)² ⇔ 1/n ≤ 0.0025963 ⇔ n ≥ 385.2
    expect(b.neededRows).toBe(386);
    // The largest group is the side every other group is compared with, counted once.
    expect(tight.groups.find((g) => g.group === 'a')).toMatchObject({ mde: null, feasible: true });

    const loose = assessFeasibility(
      rubricOf([
        { id: 'dp', metric: 'demographic_parity_difference', attribute: 'g', comparator: '<=', threshold: 0.2 },
      ]),
      data,
      options,
    ).constraints[0]!;
    expect(loose.status).toBe('feasible');
  });

  it('ratios by the log ratio: disparate impact >= 0.8 is out of reach of 100 rows next to 400', () => {
    const f = assessFeasibility(
      rubricOf([{ id: 'di', metric: 'disparate_impact', attribute: 'g', comparator: '>=', threshold: 0.8 }]),
      rows({ a: [400, 200], b: [100, 50] }),
      options,
    ).constraints[0]!;
    // Var log r = (1 − p)/p (1/100 + 1/400) = 0.0125; MDE = 1 − exp(−2.801585 · 0.111803) = 0.26891 > room 0.2
    expect(f.groups.find((g) => g.group === 'b')!.mde).toBeCloseTo(0.26891, 4);
    expect(f.headroom).toBeCloseTo(0.2, 12);
    expect(f.status).toBe('infeasible');
  });

  it('a rate bound per group: accuracy >= 0.9 is resolvable with 100 rows, not with 50', () => {
    const rubric = rubricOf([
      { id: 'acc', metric: 'accuracy', attribute: 'g', aggregation: 'min', comparator: '>=', threshold: 0.9 },
    ]);
    const big = assessFeasibility(rubric, rows({ a: [100, 50], b: [100, 50] }), options).constraints[0]!;
    // p = 0.9: SE = √(0.09/100) = 0.03; MDE = 0.08405 ≤ room 0.1
    expect(big.groups[0]!.mde).toBeCloseTo(0.08405, 4);
    expect(big.status).toBe('feasible');
    const small = assessFeasibility(rubric, rows({ a: [100, 50], b: [50, 25] }), options).constraints[0]!;
    // SE = √(0.09/50) = 0.042426; MDE = 0.11886 > 0.1
    expect(small.groups.find((g) => g.group === 'b')!.mde).toBeCloseTo(0.11886, 4);
    expect(small.status).toBe('infeasible');
  });

  it('a point-estimate constraint needs only z_power standard errors', () => {
    const f = assessFeasibility(
      rubricOf([{ id: 'psi', metric: 'max_excess_accuracy_gap', attribute: 'g', comparator: '<=', threshold: 0.02 }], {
        uncertainty: 'point_estimate',
      }),
      rows({ large: [900, 450], small: [100, 50] }),
      options,
    ).constraints[0]!;
    expect(f.groups.find((g) => g.group === 'small')!.mde).toBeCloseTo(0.841621 * Math.sqrt(0.05 * 0.9 * 0.01), 5);
  });

  it('equalized odds counts positives for TPR and negatives for FPR, and a group without positives cannot pass', () => {
    const f = assessFeasibility(
      rubricOf([{ id: 'eod', metric: 'equalized_odds_difference', attribute: 'g', comparator: '<=', threshold: 0.3 }]),
      rows({ a: [400, 200], b: [100, 0] }),
      options,
    ).constraints[0]!;
    expect(f.status).toBe('infeasible');
    expect(f.groups.find((g) => g.group === 'b')).toMatchObject({
      mde: null,
      feasible: false,
      reason: 'no positives in the group, so its true_positive_rate is undefined',
    });
  });

  it('groups below min_group_size are listed but not judged; too few judged groups make a difference infeasible', () => {
    const rubric = rubricOf([
      { id: 'dp', metric: 'demographic_parity_difference', attribute: 'g', comparator: '<=', threshold: 0.3 },
    ]);
    const three = assessFeasibility(rubric, rows({ a: [400, 200], b: [300, 150], c: [6, 3] }), options);
    expect(three.constraints[0]!.status).toBe('feasible');
    expect(three.constraints[0]!.groups.find((g) => g.group === 'c')).toMatchObject({
      feasible: null,
      reason: 'below min_group_size 30: too few rows to be judged',
    });
    const one = assessFeasibility(rubric, rows({ a: [400, 200], c: [6, 3] }), options).constraints[0]!;
    expect(one.status).toBe('infeasible');
    expect(one.reason).toBe('too few groups reach min_group_size 30 in the validation split');
  });

  it('a threshold at the ideal value leaves no room; metrics without a planning variance are not checked', () => {
    const report = assessFeasibility(
      rubricOf([
        { id: 'no-drop', metric: 'accuracy_drop', attribute: 'g', aggregation: 'max', comparator: '<=', threshold: 0 },
        { id: 'auc', metric: 'roc_auc_difference', attribute: 'g', comparator: '<=', threshold: 0.05 },
      ]),
      rows({ a: [400, 200], b: [400, 200] }),
      options,
    );
    expect(report.constraints[0]).toMatchObject({ status: 'infeasible', headroom: 0 });
    expect(report.constraints[1]).toMatchObject({ status: 'not-checked', groups: [] });
    expect(report.constraints[1]!.reason).toMatch(/roc_auc_difference is not a difference or ratio of rates/);
    const table = formatFeasibility(report);
    expect(table[0]).toBe(
      'feasibility on the validation split (800 rows): 95% CI, power 80%, planned discordance 0.05 for changes vs dense',
    );
    expect(table.some((line) => /^auc\s+roc_auc_difference on g\s+<= 0\.05.*not checked/.test(line))).toBe(true);
  });
});
