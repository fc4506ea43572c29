// Exact McNemar p-values computed by hand, Holm–Bonferroni adjustments and the minimum detectable effect.
import { describe, expect, it } from 'vitest';
import { exactMcNemarPValue, holmAdjust } from '../../../core/fairness/mcnemar.ts';
import { normalCdf, normalQuantile, pairedMinimumDetectableEffect } from '../../../core/fairness/power.ts';

/** 2·Σ_{k ≤ min(b,c)} C(b+c, k) / 2^(b+c), exactly, with BigInt. */
function exactByBigInt(b: number, c: number): number {
  const n = b + c;
  let binom = 1n;
  let sum = 0n;
  for (let k = 0; k <= Math.min(b, c); k++) {
    sum += binom;
    binom = (binom * BigInt(n - k)) / BigInt(k + 1);
  }
  return Math.min(1, Number((2n * sum * 10n ** 30n) / 2n ** BigInt(n)) / 1e30);
}

describe('exact McNemar', () => {
  it('matches hand-computed p-values', () => {
    // b=0, c=5: 2·C(5,0)/2^5 = 2/32 = 0.0625
    expect(exactMcNemarPValue(0, 5)).toBeCloseTo(0.0625, 15);
    // b=1, c=9: 2·(1 + 10)/1024 = 22/1024 = 0.021484375
    expect(exactMcNemarPValue(1, 9)).toBeCloseTo(0.021484375, 15);
    // b=8, c=2: 2·(1 + 10 + 45)/1024 = 112/1024 = 0.109375 (symmetric in b and c)
    expect(exactMcNemarPValue(8, 2)).toBeCloseTo(0.109375, 15);
    // b=3, c=3: 2·(1 + 6 + 15 + 20)/64 = 84/64 > 1, capped at 1
    expect(exactMcNemarPValue(3, 3)).toBe(1);
    // no discordant pairs: no evidence of a change
    expect(exactMcNemarPValue(0, 0)).toBe(1);
    // b=2, c=0: 2·1/4 = 0.5
    expect(exactMcNemarPValue(2, 0)).toBe(0.5);
  });

  it('agrees with exact big-integer arithmetic for large counts', () => {
    for (const [b, c] of [
      [100, 150],
      [400, 470],
      [1200, 1300],
    ] as const) {
      const expected = exactByBigInt(b, c);
      expect(Math.abs(exactMcNemarPValue(b, c) - expected) / expected).toBeLessThan(1e-9);
    }
  });

  it('rejects non-integer counts', () => {
    expect(() => exactMcNemarPValue(1.5, 2)).toThrow(/non-negative integers/);
  });
});

describe('Holm–Bonferroni', () => {
  it('adjusts step-down and keeps input order', () => {
    // sorted: 0.005·4 = 0.02; 0.01·3 = 0.03; 0.03·2 = 0.06; 0.04·1 = 0.04 → max(0.06, 0.04) = 0.06
    const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((e, i) => expect(adjusted[i]).toBeCloseTo(e, 15));
  });
  it('is monotone and capped at 1', () => {
    expect(holmAdjust([0.04, 0.02])).toEqual([0.04, 0.04]);
    expect(holmAdjust([0.6, 0.5, 0.9])).toEqual([1, 1, 1]);
    expect(holmAdjust([])).toEqual([]);
  });
});

describe('minimum detectable effect', () => {
  it('uses accurate normal quantiles', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    expect(normalQuantile(0.8)).toBeCloseTo(0.8416212336, 8);
    expect(normalCdf(-1.959963985)).toBeCloseTo(0.025, 9);
  });

  it('solves Connor’s sample-size equation for δ', () => {
    const rows = 2000;
    const discordant = 200; // ψ = 0.1
    const mde = pairedMinimumDetectableEffect(rows, discordant, 0.05, 0.8);
    const delta = mde.value!;
    const psi = 0.1;
    const needed = (1.959963985 * Math.sqrt(psi) + 0.8416212336 * Math.sqrt(psi - delta * delta)) ** 2 / delta ** 2;
    expect(needed).toBeCloseTo(rows, 3);
    expect(delta).toBeGreaterThan(0.019);
    expect(delta).toBeLessThan(0.02);
  });

  it('grows as groups shrink, and is undefined for a tiny group', () => {
    const big = pairedMinimumDetectableEffect(5000, 250, 0.05, 0.8).value!;
    const small = pairedMinimumDetectableEffect(500, 25, 0.05, 0.8).value!;
    expect(small).toBeGreaterThan(big * 3);
    const tiny = pairedMinimumDetectableEffect(5, 0, 0.05, 0.8);
    expect(tiny.value).toBeUndefined();
    expect(tiny.reason).toMatch(/too few rows/);
  });
});
