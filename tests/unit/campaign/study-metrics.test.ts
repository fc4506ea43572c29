// A study cell's numbers from a real held-out report (core/fairness evaluateFairness with the dense model as the
// reference): accuracy change, worst groups among adequately sized groups, max ψ over them with its CI, EOD, and the
// groups whose excess drop is significant.
import { describe, expect, it } from 'vitest';
import { studyCellMetrics } from '../../../core/campaign/study.ts';
import { evaluateFairness } from '../../../core/fairness/report.ts';

/** 120 rows of group a, 120 of b, 6 of c; the dense model is right on every row, the final one on fewer in b. */
function heldOutReport(wrongInB: number) {
  const groups = [...Array(120).fill('a'), ...Array(120).fill('b'), ...Array(6).fill('c')] as string[];
  const label = groups.map((_, i) => i % 2);
  const dense = label.map((y) => (y === 1 ? 0.9 : 0.1));
  const final = label.map((y, i) => {
    const wrong = (groups[i] === 'b' && i - 120 < wrongInB) || (groups[i] === 'c' && i === 240);
    return (y === 1) !== wrong ? 0.9 : 0.1;
  });
  return evaluateFairness(
    { label, score: final, referenceScore: dense, sensitive: { sex: groups } },
    { bootstrap: 200, seed: 1, minGroupSize: 20 },
  );
}

describe('study cell metrics', () => {
  it('reads the change against dense, leaving small groups out, with a significant excess drop found', () => {
    const m = studyCellMetrics(heldOutReport(24));
    expect(m.smallGroups).toEqual(['sex=c']);
    // 25 of 246 rows newly wrong.
    expect(m.accuracyChange.value).toBeCloseTo(-25 / 246, 10);
    expect(m.accuracyChange.ci).not.toBeNull();
    // Worst adequate group: b at 96/120; the small group c (5/6) is left out.
    expect(m.worstGroupAccuracy).toEqual({
      value: 0.8,
      group: 'sex=b',
      dense: 1,
      denseGroup: 'sex=a',
      change: expect.closeTo(-0.2, 10),
    });
    expect(m.largestGroupDrop).toEqual({ group: 'sex=b', change: expect.closeTo(-0.2, 10) });
    expect(m.maxExcessAccuracyGap['sex']).toMatchObject({ group: 'sex=b' });
    expect(m.maxExcessAccuracyGap['sex']!.value).toBeCloseTo(0.2 - 25 / 246, 10);
    expect(m.maxExcessAccuracyGap['sex']!.ci).not.toBeNull();
    expect(m.significantExcessDrops).toEqual({ groups: ['sex=b'], withoutCi: [] });
    expect(m.equalizedOddsDifference['sex']!.dense).toBe(0);
    expect(m.equalizedOddsDifference['sex']!.final.value).toBeGreaterThan(0);
  });

  it('finds no significant excess drop when the final model is the dense one', () => {
    const m = studyCellMetrics(heldOutReport(0));
    expect(m.significantExcessDrops.groups).toEqual([]);
    expect(m.largestGroupDrop).toEqual({ group: 'sex=a', change: 0 });
  });

  it('refuses a report without the dense reference', () => {
    const report = heldOutReport(0);
    delete report.reference;
    expect(() => studyCellMetrics(report)).toThrow(/no dense reference/);
  });
});
