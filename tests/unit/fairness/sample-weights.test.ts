// Sample weights: an integer weight w on a row gives the same metrics as w copies of the row.
import { describe, expect, it } from 'vitest';
import { evaluateFairness } from '../../../core/fairness/report.ts';
import { HAND_GROUP, HAND_LABEL, HAND_SCORE } from './fixtures.ts';

describe('sample weights', () => {
  it('weight 2 equals a duplicated row; count stays the number of rows', () => {
    const weights = HAND_LABEL.map((_, i) => (i % 3 === 0 ? 2 : 1));
    const weighted = evaluateFairness(
      { label: HAND_LABEL, score: HAND_SCORE, sensitive: { group: HAND_GROUP }, sampleWeight: weights },
      { bootstrap: 0 },
    );
    const rep = <T>(xs: T[]): T[] => xs.flatMap((x, i) => (weights[i] === 2 ? [x, x] : [x]));
    const copied = evaluateFairness(
      { label: rep(HAND_LABEL), score: rep(HAND_SCORE), sensitive: { group: rep(HAND_GROUP) } },
      { bootstrap: 0 },
    );
    for (const m of ['accuracy', 'true_positive_rate', 'log_loss', 'brier_score', 'roc_auc', 'ece', 'theil_index']) {
      expect(weighted.overall[m]!.value).toBeCloseTo(copied.overall[m]!.value!, 12);
      expect(weighted.attributes['group']!.groups['A']![m]!.value).toBeCloseTo(
        copied.attributes['group']!.groups['A']![m]!.value!,
        12,
      );
    }
    expect(weighted.attributes['group']!.disparities['equalized_odds_difference']!.value).toBeCloseTo(
      copied.attributes['group']!.disparities['equalized_odds_difference']!.value!,
      12,
    );
    expect(weighted.overall['count']!.value).toBe(12);
    expect(weighted.attributes['group']!.group_info['A']!.weight).toBe(7);
    expect(weighted.config.sample_weights).toBe(true);
  });
});
