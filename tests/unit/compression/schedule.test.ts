import { describe, expect, it } from 'vitest';
import { milestoneSparsities, polynomialDecaySparsity } from '../../../core/compression/schedule.ts';

describe('sparsity schedules', () => {
  it('cubic, 4 milestones to 0.9: hand-computed 0.9 − 0.9·(1 − k/4)^3', () => {
    // k=1: 0.9 − 0.9·0.421875 = 0.5203125; k=2: 0.9 − 0.9·0.125 = 0.7875; k=3: 0.9 − 0.9·0.015625 = 0.8859375.
    const s = milestoneSparsities({ kind: 'polynomial', finalSparsity: 0.9, milestones: 4 });
    expect(s[0]).toBeCloseTo(0.5203125, 12);
    expect(s[1]).toBeCloseTo(0.7875, 12);
    expect(s[2]).toBeCloseTo(0.8859375, 12);
    expect(s[3]).toBe(0.9);
  });

  it('from a nonzero start, and clamped outside [t0, t0 + nΔt]', () => {
    const spec = { initialSparsity: 0.5, finalSparsity: 0.8, beginStep: 100, endStep: 200 };
    expect(polynomialDecaySparsity(0, spec)).toBe(0.5);
    expect(polynomialDecaySparsity(150, spec)).toBeCloseTo(0.8 - 0.3 * 0.125, 12);
    expect(polynomialDecaySparsity(300, spec)).toBeCloseTo(0.8, 12);
    expect(polynomialDecaySparsity(150, { ...spec, power: 1 })).toBeCloseTo(0.65, 12);
  });

  it('constant: the final sparsity at every milestone', () => {
    expect(milestoneSparsities({ kind: 'constant', finalSparsity: 0.6, milestones: 3 })).toEqual([0.6, 0.6, 0.6]);
  });

  it('rejects nonsense', () => {
    expect(() => milestoneSparsities({ kind: 'polynomial', finalSparsity: 1.2, milestones: 4 })).toThrow();
    expect(() => milestoneSparsities({ kind: 'polynomial', finalSparsity: 0.9, milestones: 0 })).toThrow();
  });
});
