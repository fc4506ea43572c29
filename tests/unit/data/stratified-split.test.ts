import { describe, expect, it } from 'vitest';
import { allocate, loadDataset, stratifiedAssign } from '../../../core/data/index.ts';
import { bytes, loaded, tinyCsv, tinySpec } from './fixtures.ts';

describe('seeded stratified split', () => {
  it('allocates rows by largest remainder', () => {
    expect(allocate(10, [0.6, 0.2, 0.2])).toEqual([6, 2, 2]);
    expect(allocate(7, [0.6, 0.2, 0.2])).toEqual([4, 2, 1]);
    expect(allocate(1, [0.6, 0.2, 0.2])).toEqual([1, 0, 0]);
    expect(allocate(0, [0.5, 0.5])).toEqual([0, 0]);
    expect(allocate(10, [0.5, 0.25, 0.25], [2, 1, 0])).toEqual([5, 2, 3]);
    expect(allocate(10, [0.7, 0.1, 0.2])).toEqual([7, 1, 2]);
  });

  it('keeps every stratum proportional and is reproducible per seed', () => {
    const rows = Uint32Array.from({ length: 1000 }, (_, i) => i);
    const strata = Array.from(rows, (i) => (i % 10 === 0 ? 'rare' : `common${i % 2}`));
    const a = stratifiedAssign(rows, strata, [0.6, 0.2, 0.2], 42);
    const b = stratifiedAssign(rows, strata, [0.6, 0.2, 0.2], 42);
    const c = stratifiedAssign(rows, strata, [0.6, 0.2, 0.2], 43);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (const key of ['rare', 'common0', 'common1']) {
      const members = Array.from(rows).filter((i) => strata[i] === key);
      const counts = [0, 1, 2].map((p) => members.filter((i) => a[i] === p).length);
      const exact = [0.6, 0.2, 0.2].map((f) => f * members.length);
      counts.forEach((c, p) => expect(Math.abs(c - exact[p]!)).toBeLessThan(1));
    }
  });

  it('stratifies the loaded data set by group x label', async () => {
    const ds = await loadDataset(loaded(tinySpec()), { sourceBytes: { 'tiny.csv': bytes(tinyCsv()) } });
    // 40 rows, 4 strata (group a/b x yes/no) of 10 → 5 train and 3/2 or 2/3 validation/test (seeded tie-break).
    expect(ds.splits.train.x.rows).toBe(20);
    expect(ds.splits.validation.x.rows + ds.splits.test.x.rows).toBe(20);
    expect(Math.abs(ds.splits.validation.x.rows - ds.splits.test.x.rows)).toBeLessThanOrEqual(4);
    for (const split of ['train', 'validation', 'test'] as const) {
      const s = ds.splits[split];
      const positives = s.y.reduce((n, v) => n + v, 0);
      expect(positives * 2).toBe(s.y.length);
    }
  });
});
