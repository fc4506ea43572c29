// scripts/keras-fixtures/export-dataset.ts: the CSV Python trains on holds exactly fairshrink's encoded values, the
// label and each row's group indices, and dataset.json carries the codes vocabulary.
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../../core/data/index.ts';
import { datasetSummary, splitCsv } from '../../../scripts/keras-fixtures/export-dataset.ts';
import { bytes, loaded, tinyCsv, tinySpec } from './fixtures.ts';

const sources = { sourceBytes: { 'tiny.csv': bytes(tinyCsv()) } };

describe('export-dataset', () => {
  it('writes codes, label and group indices per row, with a header that keeps feature and group columns apart', async () => {
    const spec = tinySpec({ features: { categorical: ['colour', 'group'], categoricalEncoding: 'codes' } });
    const ds = await loadDataset(loaded(spec), sources);
    const lines = splitCsv(ds, 'test').trimEnd().split('\n');
    expect(lines[0]).toBe('colour,group,label,group.group');
    expect(lines).toHaveLength(ds.splits.test.x.rows + 1);
    const { x, y, groups } = ds.splits.test;
    lines.slice(1).forEach((line, r) => {
      expect(line.split(',').map(Number)).toEqual([x.values[r * 2], x.values[r * 2 + 1], y[r], groups['group']![r]]);
    });
    expect(datasetSummary(ds)).toMatchObject({ datasetId: ds.datasetId, vocabulary: { size: 7 } });
  });

  it('writes one-hot and standardised values so that float32 parsing gives them back exactly', async () => {
    const ds = await loadDataset(loaded(tinySpec()), sources);
    const lines = splitCsv(ds, 'train').trimEnd().split('\n');
    const { x } = ds.splits.train;
    const parsed = Float32Array.from(lines.slice(1).flatMap((l) => l.split(',').slice(0, x.cols).map(Number)));
    expect(parsed).toEqual(x.values);
    expect(datasetSummary(ds)).not.toHaveProperty('vocabulary');
  });
});
