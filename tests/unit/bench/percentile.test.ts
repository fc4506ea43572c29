// The latency benchmarks' percentile: nearest rank, so a reported p99 is a latency that was actually measured.
import { describe, expect, it } from 'vitest';
import { percentile } from '../../../bench/percentile.ts';

describe('nearest-rank percentile', () => {
  const sorted = Array.from({ length: 200 }, (_, i) => i + 1); // 1 … 200 ms

  it('picks the smallest sample with at least p% at or below it', () => {
    expect(percentile(sorted, 50)).toBe(100);
    expect(percentile(sorted, 99)).toBe(198);
    expect(percentile(sorted, 100)).toBe(200);
    expect(percentile([7, 900], 99)).toBe(900);
    expect(percentile([42], 1)).toBe(42);
  });

  it('is undefined without samples, never 0', () => {
    expect(percentile([], 99)).toBeUndefined();
  });
});
