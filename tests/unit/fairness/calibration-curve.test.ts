// Reliability bins on the hand-checked vector of docs/references.md, bin by bin (worked out by hand below),
// and their agreement with the report's positive-class ECE.
import { describe, expect, it } from 'vitest';
import { reliabilityBins, type ReliabilityCurve } from '../../../core/fairness/calibration-curve.ts';
import { evaluateFairness } from '../../../core/fairness/report.ts';
import { createRng } from '../../../core/random/rng.ts';
import { HAND_GROUP, HAND_LABEL, HAND_SCORE } from './fixtures.ts';

/** Σ count·|positiveRate − meanScore| / n, from the bins alone. */
function eceFromBins(curve: ReliabilityCurve): number {
  let sum = 0;
  for (const b of curve.bins) if (b.count > 0) sum += b.count * Math.abs(b.positiveRate! - b.meanScore!);
  return sum / curve.rows;
}

/** The non-empty bins as [bin index, count, meanScore, positiveRate]. */
function filled(curve: ReliabilityCurve): [number, number, number, number][] {
  return curve.bins.flatMap((b, k) => (b.count === 0 ? [] : [[k, b.count, b.meanScore!, b.positiveRate!]]));
}

function expectBins(curve: ReliabilityCurve, expected: [number, number, number, number][]): void {
  const got = filled(curve);
  expect(got.map(([k, c]) => [k, c])).toEqual(expected.map(([k, c]) => [k, c]));
  got.forEach(([, , mean, rate], i) => {
    expect(mean).toBeCloseTo(expected[i]![2], 12);
    expect(rate).toBeCloseTo(expected[i]![3], 12);
  });
}

const ten = reliabilityBins(HAND_LABEL, HAND_SCORE, { group: HAND_GROUP }, { bins: 10 });
const fifteen = reliabilityBins(HAND_LABEL, HAND_SCORE, { group: HAND_GROUP }, { bins: 15 });

describe('reliabilityBins on the hand-checked vector, 10 bins', () => {
  it('overall: scores .12 | .22 .27 | .33 | .43 .47 | .58 | .61 | .74 | .83 | .92 .96', () => {
    expectBins(ten.overall, [
      [1, 1, 0.12, 0],
      [2, 2, 0.245, 0],
      [3, 1, 0.33, 0],
      [4, 2, 0.45, 1],
      [5, 1, 0.58, 0],
      [6, 1, 0.61, 0],
      [7, 1, 0.74, 1],
      [8, 1, 0.83, 1],
      [9, 2, 0.94, 1],
    ]);
    expect(ten.overall.rows).toBe(12);
    expect(ten.bins).toBe(10);
  });

  it('reports the empty bin as count 0 with null means, and every edge', () => {
    expect(ten.overall.bins).toHaveLength(10);
    expect(ten.overall.bins[0]).toEqual({ lo: 0, hi: 0.1, count: 0, meanScore: null, positiveRate: null });
    expect(ten.overall.bins.map((b) => b.lo)).toEqual(Array.from({ length: 10 }, (_, k) => k / 10));
    expect(ten.overall.bins[9]!.hi).toBe(1);
    expect(JSON.stringify(ten)).not.toMatch(/NaN/);
  });

  it('per group', () => {
    const g = ten.attributes['group']!;
    expect(Object.keys(g)).toEqual(['A', 'B', 'C']);
    expectBins(g['A']!, [
      [2, 1, 0.22, 0],
      [4, 1, 0.43, 1],
      [6, 1, 0.61, 0],
      [8, 1, 0.83, 1],
      [9, 1, 0.92, 1],
    ]);
    expectBins(g['B']!, [
      [1, 1, 0.12, 0],
      [2, 1, 0.27, 0],
      [4, 1, 0.47, 1],
      [7, 1, 0.74, 1],
    ]);
    expectBins(g['C']!, [
      [3, 1, 0.33, 0],
      [5, 1, 0.58, 0],
      [9, 1, 0.96, 1],
    ]);
    // Counts per group add up to the overall counts, bin by bin.
    const sum = ten.overall.bins.map((_, k) => ['A', 'B', 'C'].reduce((n, x) => n + g[x]!.bins[k]!.count, 0));
    expect(sum).toEqual(ten.overall.bins.map((b) => b.count));
  });

  it('Σ count·|positiveRate − meanScore| / n is the ECE 0.315 (A 0.33, B 0.295, C 0.95/3)', () => {
    expect(eceFromBins(ten.overall)).toBeCloseTo(0.315, 12);
    expect(ten.overall.ece).toBeCloseTo(0.315, 12);
    const g = ten.attributes['group']!;
    expect(eceFromBins(g['A']!)).toBeCloseTo(0.33, 12);
    expect(eceFromBins(g['B']!)).toBeCloseTo(0.295, 12);
    expect(eceFromBins(g['C']!)).toBeCloseTo(0.95 / 3, 12);
  });
});

describe('reliabilityBins on the hand-checked vector, 15 bins (the default)', () => {
  it('overall: only .27 and .33 share a bin ([4/15, 5/15))', () => {
    expectBins(fifteen.overall, [
      [1, 1, 0.12, 0],
      [3, 1, 0.22, 0],
      [4, 2, 0.3, 0],
      [6, 1, 0.43, 1],
      [7, 1, 0.47, 1],
      [8, 1, 0.58, 0],
      [9, 1, 0.61, 0],
      [11, 1, 0.74, 1],
      [12, 1, 0.83, 1],
      [13, 1, 0.92, 1],
      [14, 1, 0.96, 1],
    ]);
    expect(reliabilityBins(HAND_LABEL, HAND_SCORE, { group: HAND_GROUP })).toEqual(fifteen);
  });

  it('Σ count·|positiveRate − meanScore| / n is the ECE 0.315', () => {
    expect(eceFromBins(fifteen.overall)).toBeCloseTo(0.315, 12);
    expect(fifteen.overall.ece).toBeCloseTo(0.315, 12);
  });
});

describe('bin edges and agreement with the report', () => {
  it('[lo, hi): a score on an edge goes to the upper bin; 1 goes to the last bin, 0 to the first', () => {
    const r = reliabilityBins([0, 1, 1, 0], [0, 0.5, 1, 0.49999], {}, { bins: 2 });
    expect(r.overall.bins.map((b) => b.count)).toEqual([2, 2]);
    expect(r.overall.bins[1]!.meanScore).toBeCloseTo(0.75, 12);
    expect(r.attributes).toEqual({});
  });

  it("equals the report's per-group positive-class ECE on random data", () => {
    const rng = createRng(3);
    const n = 500;
    const score = Array.from({ length: n }, () => rng.next());
    const label = score.map((p) => (rng.next() < p * 0.8 + 0.1 ? 1 : 0));
    const sex = score.map(() => (rng.next() < 0.3 ? 'F' : 'M'));
    const age = score.map(() => ['young', 'mid', 'old'][Math.floor(rng.next() * 3)]!);
    const curves = reliabilityBins(label, score, { sex, age });
    const report = evaluateFairness({ label, score, sensitive: { sex, age } }, { bootstrap: 0 });
    expect(curves.overall.ece).toBeCloseTo(report.overall['ece']!.value!, 12);
    for (const attribute of ['sex', 'age'])
      for (const [g, curve] of Object.entries(curves.attributes[attribute]!)) {
        expect(curve.ece).toBeCloseTo(report.attributes[attribute]!.groups[g]!['ece']!.value!, 12);
        expect(curve.rows).toBe(report.attributes[attribute]!.group_info[g]!.rows);
      }
  });

  it('rejects bad input with the row that is wrong', () => {
    expect(() => reliabilityBins([1, 2], [0.1, 0.2], {})).toThrow(/row 1 .*0 or 1/);
    expect(() => reliabilityBins([1], [Number.NaN], {})).toThrow(/row 0/);
    expect(() => reliabilityBins([1], [0.5, 0.2], {})).toThrow(/2 scores for 1 labels/);
    expect(() => reliabilityBins([1], [0.5], { sex: [] })).toThrow(/"sex"/);
    expect(() => reliabilityBins([1], [0.5], {}, { bins: 0 })).toThrow(/positive integer/);
  });
});
