// Threshold sensitivity and distribution-shift stress on the hand-checked vector.
import { describe, expect, it } from 'vitest';
import { evaluateFairness } from '../../../core/fairness/report.ts';
import { handInput } from './fixtures.ts';

const report = evaluateFairness(handInput(), { bootstrap: 0 });
const group = report.attributes['group']!;

describe('threshold sensitivity', () => {
  const ts = group.threshold_sensitivity;
  it('evaluates the grid plus the operating threshold', () => {
    expect(ts.operating_threshold).toBe(0.5);
    expect(ts.grid).toHaveLength(19); // 0.05 … 0.95, 0.5 already on it
    expect(ts.metrics.demographic_parity_difference.at_operating_threshold).toBeCloseTo(5 / 12, 12);
  });
  it('finds the largest change within ±δ', () => {
    // At 0.45, B's 0.47 becomes positive: selection B 0.5, A 0.6, C 2/3 → DPD 1/6; change |1/6 − 5/12| = 0.25.
    const i = ts.grid.findIndex((t) => Math.abs(t - 0.45) < 1e-12);
    expect(ts.metrics.demographic_parity_difference.values[i]).toBeCloseTo(1 / 6, 12);
    const change = ts.metrics.demographic_parity_difference.max_change_within_delta!;
    expect(change.value).toBeCloseTo(0.25, 12);
    expect(change.threshold).toBeCloseTo(0.45, 12);
  });
});

describe('distribution-shift stress', () => {
  const shift = group.shift_stress;
  it('re-weights overall accuracy to other group mixes', () => {
    expect(shift.factors).toEqual([0.5, 2]);
    expect(shift.baseline.accuracy).toBeCloseTo(8 / 12, 12);
    const scenario = (g: string, f: number) => shift.scenarios.find((s) => s.group === g && s.factor === f)!;
    // A×2: correct 2·3 + 3 + 2 = 11 of 2·5 + 4 + 3 = 17
    expect(scenario('A', 2).overall.accuracy).toBeCloseTo(11 / 17, 12);
    // A×0.5: 1.5 + 3 + 2 = 6.5 of 9.5
    expect(scenario('A', 0.5).overall.accuracy).toBeCloseTo(6.5 / 9.5, 12);
  });
  it('names the worst case', () => {
    expect(shift.extremes.accuracy.min).toEqual({ value: 11 / 17, scenario: 'A×2' });
    expect(shift.extremes.accuracy.max!.scenario).toBe('B×2');
    expect(shift.extremes.accuracy.max!.value).toBeCloseTo(11 / 16, 12);
  });
});
