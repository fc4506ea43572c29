// Values pinned from the peer libraries whose names the report uses, on small hand-made data. They
// were computed once with AIF360 0.6.1 (ClassificationMetric, privileged_groups=[{g: A}],
// unprivileged_groups=[{g: B}, {g: C}], i.e. every other group pooled) and scikit-learn 1.9.1
// (balanced_accuracy_score); the tests do not need Python.
import { describe, expect, it } from 'vitest';
import { evaluateFairness } from '../../../core/fairness/report.ts';

// Group mean benefits (ŷ − y + 1): A 6/6, B 6/5, C 2/4.
const GROUP = ['A', 'A', 'A', 'A', 'A', 'A', 'B', 'B', 'B', 'B', 'B', 'C', 'C', 'C', 'C'];
const LABEL = [1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1];
const PREDICTION = [1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1];

const threeGroups = () =>
  evaluateFairness(
    { label: LABEL, score: PREDICTION.map((p) => (p ? 0.8 : 0.2)), sensitive: { g: GROUP } },
    { bootstrap: 0, privileged: { g: 'A' } },
  ).attributes['g']!.disparities;

describe('AIF360 between-group generalized entropy', () => {
  it('between_group_theil_index is AIF360 between_group_theil_index: the privileged group vs all others pooled', () => {
    const d = threeGroups();
    // AIF360 0.6.1 ClassificationMetric.between_group_theil_index() = 0.0016882796833035832
    expect(d['between_group_theil_index']!.value).toBeCloseTo(0.0016882796833035832, 15);
    // AIF360 0.6.1 between_group_generalized_entropy_index(alpha=2) = 0.0017006802721086455
    expect(d['between_group_generalized_entropy_index']!.value).toBeCloseTo(0.0017006802721086455, 15);
  });

  it('between_all_groups_* keep every group (AIF360 between_all_groups_theil_index)', () => {
    const d = threeGroups();
    // AIF360 0.6.1 between_all_groups_theil_index() = 0.048109655747225637
    expect(d['between_all_groups_theil_index']!.value).toBeCloseTo(0.048109655747225637, 15);
    // AIF360 0.6.1 between_all_groups_generalized_entropy_index(alpha=2) = 0.043367346938775628
    expect(d['between_all_groups_generalized_entropy_index']!.value).toBeCloseTo(0.043367346938775628, 15);
  });

  it('follows the configured privileged group and is undefined without another group', () => {
    const asB = evaluateFairness(
      { label: LABEL, score: PREDICTION.map((p) => (p ? 0.8 : 0.2)), sensitive: { g: GROUP } },
      { bootstrap: 0, privileged: { g: 'B' } },
    ).attributes['g']!.disparities;
    expect(asB['between_group_theil_index']!.value).not.toBeCloseTo(0.0016882796833035832, 6);
    const single = evaluateFairness(
      { label: LABEL, score: PREDICTION.map((p) => (p ? 0.8 : 0.2)), sensitive: { g: GROUP.map(() => 'A') } },
      { bootstrap: 0 },
    ).attributes['g']!.disparities;
    expect(single['between_group_theil_index']!.value).toBeNull();
    expect(single['between_group_theil_index']!.reason).toMatch(/unprivileged group/);
    expect(single['between_all_groups_theil_index']!.value).toBeNull();
  });
});

describe('balanced accuracy of a group with one class', () => {
  // D: 9 negatives, one false positive; E: 5 positives, 3 found.
  const input = {
    label: [...Array<number>(9).fill(0), ...Array<number>(5).fill(1)],
    score: [0.9, ...Array<number>(8).fill(0.1), 0.9, 0.9, 0.9, 0.1, 0.1],
    sensitive: { g: [...Array<string>(9).fill('D'), ...Array<string>(5).fill('E')] },
  };

  it('--fairlearn-compat matches scikit-learn balanced_accuracy_score (mean recall over the classes present)', () => {
    const groups = evaluateFairness(input, { bootstrap: 0, fairlearnCompat: true }).attributes['g']!.groups;
    // scikit-learn 1.9.1 balanced_accuracy_score([0]*9, [1,0,0,0,0,0,0,0,0]) = 0.88888888888888884
    expect(groups['D']!['balanced_accuracy']!.value).toBeCloseTo(0.88888888888888884, 15);
    // scikit-learn 1.9.1 balanced_accuracy_score([1]*5, [1,1,1,0,0]) = 0.59999999999999998
    expect(groups['E']!['balanced_accuracy']!.value).toBeCloseTo(0.59999999999999998, 15);
  });

  it('is undefined with the reason by default', () => {
    const groups = evaluateFairness(input, { bootstrap: 0 }).attributes['g']!.groups;
    expect(groups['D']!['balanced_accuracy']!.value).toBeNull();
    expect(groups['D']!['balanced_accuracy']!.reason).toMatch(/no positives/);
  });
});
