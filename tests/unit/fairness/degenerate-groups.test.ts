// Groups where a metric cannot be computed: undefined with a reason (never 0 or NaN), and the
// Fairlearn-compatibility option that reproduces Fairlearn's 0 for 0/0 rates.
import { describe, expect, it } from 'vitest';
import { evaluateFairness, FairnessInputError } from '../../../core/fairness/report.ts';

// Group N has no positives; group P has only positives and every prediction positive.
const input = {
  label: [1, 0, 1, 0, 0, 0, 0, 1, 1, 1],
  score: [0.9, 0.2, 0.3, 0.7, 0.1, 0.6, 0.2, 0.8, 0.9, 0.7],
  sensitive: { g: ['M', 'M', 'M', 'M', 'N', 'N', 'N', 'P', 'P', 'P'] },
};

describe('degenerate groups', () => {
  const report = evaluateFairness(input, { bootstrap: 0 });
  const groups = report.attributes['g']!.groups;
  const d = report.attributes['g']!.disparities;

  it('a group with no positives has undefined TPR, FNR and ROC AUC, with reasons', () => {
    expect(groups['N']!['true_positive_rate']).toEqual({
      value: null,
      ci: null,
      reason: 'no positives (y = 1) in group',
    });
    expect(groups['N']!['false_negative_rate']!.value).toBeNull();
    expect(groups['N']!['roc_auc']!.reason).toMatch(/no positives/);
    // ...but its FPR is defined: 1 of 3 negatives predicted positive.
    expect(groups['N']!['false_positive_rate']!.value).toBeCloseTo(1 / 3, 12);
  });

  it('a group with no negatives has undefined FPR and TNR; no predicted negatives makes NPV undefined', () => {
    expect(groups['P']!['false_positive_rate']!.value).toBeNull();
    expect(groups['P']!['true_negative_rate']!.reason).toBe('no negatives (y = 0) in group');
    expect(groups['P']!['negative_predictive_value']!.reason).toBe('no predicted negatives (ŷ = 0) in group');
    expect(groups['P']!['balanced_accuracy']!.value).toBeNull();
  });

  it('no value anywhere in the report is NaN', () => {
    expect(JSON.stringify(report)).not.toMatch(/NaN/);
  });

  it('undefined groups drop out of a disparity and are listed as excluded', () => {
    // TPR: M = 1/2, P = 1; N undefined.
    expect(d['equal_opportunity_difference']).toMatchObject({ value: 0.5, pair: ['P', 'M'], excluded: ['N'] });
  });

  it('Fairlearn-compatibility mode reports 0 for 0/0 rates, which changes the disparity', () => {
    const compat = evaluateFairness(input, { bootstrap: 0, fairlearnCompat: true });
    const g = compat.attributes['g']!.groups;
    expect(g['N']!['true_positive_rate']).toEqual({ value: 0, ci: null });
    expect(g['P']!['false_positive_rate']!.value).toBe(0);
    // Fairlearn's TPR of 0 for N now sets the equal opportunity difference: 1 − 0.
    expect(compat.attributes['g']!.disparities['equal_opportunity_difference']).toMatchObject({
      value: 1,
      pair: ['P', 'N'],
    });
    expect(compat.config.fairlearn_compat).toBe(true);
  });

  it('a disparity over a single group is undefined, not 0', () => {
    const one = evaluateFairness({ ...input, sensitive: { g: input.label.map(() => 'only') } }, { bootstrap: 0 });
    const dp = one.attributes['g']!.disparities['demographic_parity_difference']!;
    expect(dp.value).toBeNull();
    expect(dp.reason).toMatch(/at least 2 groups/);
  });

  it('a ratio where every group selects nobody is undefined', () => {
    const none = evaluateFairness({ ...input, score: input.score.map(() => 0.1) }, { bootstrap: 0 });
    expect(none.attributes['g']!.disparities['demographic_parity_ratio']!.reason).toMatch(/0\/0/);
    expect(none.attributes['g']!.disparities['demographic_parity_difference']!.value).toBe(0);
    expect(none.overall['positive_predictive_value']!.reason).toMatch(/no predicted positives/);
  });

  it('groups below min_group_size are flagged', () => {
    const r = evaluateFairness(input, { bootstrap: 0, minGroupSize: 4 });
    expect(r.attributes['g']!.small_groups).toEqual(['N', 'P']);
    expect(r.attributes['g']!.group_info['M']).toEqual({ rows: 4, weight: 4, below_min_group_size: false });
  });

  it('bootstrap CIs stay defined for small groups because resampling is within groups', () => {
    const r = evaluateFairness(input, { bootstrap: 200, seed: 3 });
    expect(r.attributes['g']!.groups['N']!['selection_rate']!.ci).not.toBeNull();
  });

  it('bad input names the field and the first bad row', () => {
    const bad = (over: object): FairnessInputError => {
      try {
        evaluateFairness({ ...input, ...over }, { bootstrap: 0 });
      } catch (err) {
        return err as FairnessInputError;
      }
      throw new Error('expected an error');
    };
    expect(bad({ label: [1, 0, 2, 0, 0, 0, 0, 1, 1, 1] })).toMatchObject({ field: 'label', row: 2 });
    expect(bad({ score: [0.9, 0.2, 0.3, NaN, 0.1, 0.6, 0.2, 0.8, 0.9, 0.7] })).toMatchObject({
      field: 'score',
      row: 3,
    });
    expect(bad({ score: [0.9, 0.2, 0.3, 0.4, 1.1, 0.6, 0.2, 0.8, 0.9, 0.7] }).message).toMatch(/score: row 4 is 1.1/);
    expect(bad({ label: [] }).message).toMatch(/no rows/);
  });
});

describe('single-pass generic disparities', () => {
  it('agree with the four reference implementations, including undefined and negative values', async () => {
    const d = await import('../../../core/fairness/disparities.ts');
    const { createRng } = await import('../../../core/random/rng.ts');
    const rng = createRng(99);
    for (let trial = 0; trial < 300; trial++) {
      const k = 1 + rng.nextInt(5);
      const names = Array.from({ length: k }, (_, i) => `g${i}`);
      const pickValue = () => {
        const u = rng.next();
        if (u < 0.1) return { value: undefined, reason: 'no positives (y = 1) in group' } as const;
        if (u < 0.2) return { value: 0 };
        if (u < 0.25) return { value: -rng.next() };
        return { value: Math.round(rng.next() * 4) / 4 };
      };
      const values = names.map(pickValue);
      const overall = rng.next() < 0.1 ? { value: 0 } : pickValue();
      const fast = d.genericDisparities(names, values, overall);
      expect(fast.diff).toEqual(d.differenceBetweenGroups(names, values));
      expect(fast.diffAll).toEqual(d.differenceToOverall(names, values, overall));
      expect(fast.ratio).toEqual(d.ratioBetweenGroups(names, values));
      expect(fast.ratioAll).toEqual(d.ratioToOverall(names, values, overall));
    }
  });
});
