import { describe, expect, it } from 'vitest';
import { encodeCsv, loadDataset, UNSEEN_CATEGORY } from '../../../core/data/index.ts';
import { bytes, loaded, tinyCsv, tinySpec } from './fixtures.ts';

describe('feature encoding', () => {
  it('one-hot encodes training categories (sorted) plus an unseen bucket, and standardises with training statistics only', async () => {
    const ds = await loadDataset(loaded(tinySpec()), { sourceBytes: { 'tiny.csv': bytes(tinyCsv()) } });
    expect(ds.featureNames).toEqual([
      'colour=blue',
      'colour=green',
      'colour=red',
      `colour=${UNSEEN_CATEGORY}`,
      'size',
      'age',
    ]);
    const train = ds.splits.train;
    const sizeCol = 4;
    let mean = 0;
    for (let r = 0; r < train.x.rows; r++) mean += train.x.values[r * train.x.cols + sizeCol]!;
    expect(Math.abs(mean / train.x.rows)).toBeLessThan(1e-6);
    let variance = 0;
    for (let r = 0; r < train.x.rows; r++) variance += train.x.values[r * train.x.cols + sizeCol]! ** 2;
    expect(variance / train.x.rows).toBeCloseTo(1, 5);
    const size = ds.encoder.features.find((f) => f.column === 'size');
    // Training rows' raw sizes are 1.5 * id; the encoder's mean is theirs, not all rows'.
    const trainMean = Array.from(train.rowIds, (id) => id * 1.5).reduce((a, b) => a + b, 0) / train.rowIds.length;
    expect(size).toMatchObject({ kind: 'numeric', mean: trainMean });
  });

  it('changing test rows does not change the encoder', async () => {
    const a = await loadDataset(loaded(tinySpec()), { sourceBytes: { 'tiny.csv': bytes(tinyCsv()) } });
    const testIds = new Set(a.splits.test.rowIds);
    const lines = tinyCsv().trimEnd().split('\n');
    const changed = lines
      .map((line, i) => (i > 0 && testIds.has(i - 1) ? line.replace(/,(\d+),(yes|no)$/, ',999,$2') : line))
      .join('\n');
    const b = await loadDataset(loaded(tinySpec()), { sourceBytes: { 'tiny.csv': bytes(changed) } });
    expect(b.encoder).toEqual(a.encoder);
    expect(b.rawSha256).not.toBe(a.rawSha256);
  });

  it('encodes new data identically, sending unseen categories to the unseen column', async () => {
    const ds = await loadDataset(loaded(tinySpec()), { sourceBytes: { 'tiny.csv': bytes(tinyCsv()) } });
    const firstTrain = ds.splits.train.rowIds[0]!;
    const line = tinyCsv().split('\n')[firstTrain + 1]!;
    const fresh = encodeCsv(
      ds,
      bytes(`id,colour,size,group,age,outcome\n${line}\n99,purple,1.0,a,30,no\n`),
      'batch.csv',
    );
    expect(Array.from(fresh.x.values.subarray(0, fresh.x.cols))).toEqual(
      Array.from(ds.splits.train.x.values.subarray(0, ds.splits.train.x.cols)),
    );
    expect(Array.from(fresh.x.values.subarray(fresh.x.cols, fresh.x.cols + 4))).toEqual([0, 0, 0, 1]);
    expect(fresh.y).toEqual(new Uint8Array([ds.splits.train.y[0]!, 0]));
  });
});
