import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  deserializeDataset,
  loadDataset,
  serializeDataset,
  sha256Hex,
} from '../../../core/data/index.ts';
import { bytes, loaded, tinyCsv, tinySpec } from './fixtures.ts';

const load = (spec = tinySpec(), csv = tinyCsv(), path = 'tiny.csv') =>
  loadDataset(loaded({ ...spec, sources: [{ path }] }), { sourceBytes: { [path]: bytes(csv) } });

describe('hashes', () => {
  it('canonical JSON sorts keys and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: [{ d: undefined, c: 'x' }] })).toBe('{"a":[{"c":"x"}],"b":1}');
  });

  it('DatasetId depends on content and on the encoding-relevant spec, not on paths or names', async () => {
    const base = await load();
    expect(base.rawSha256).toHaveLength(64);
    expect(base.sources[0]!.sha256).toBe(sha256Hex(bytes(tinyCsv())));
    expect(
      (await load(tinySpec({ name: 'renamed', description: 'x' }), tinyCsv(), 'elsewhere/tiny.csv')).datasetId,
    ).toBe(base.datasetId);
    expect(
      (
        await load(
          tinySpec({ split: { kind: 'stratified', fractions: { train: 0.5, validation: 0.25, test: 0.25 }, seed: 2 } }),
        )
      ).datasetId,
    ).not.toBe(base.datasetId);
    expect((await load(tinySpec(), tinyCsv(44))).datasetId).not.toBe(base.datasetId);
  });
});

describe('EncodedDataset serialisation', () => {
  it('round-trips and gives identical bytes for equal data sets', async () => {
    const a = await load();
    const b = await load();
    const bytesA = serializeDataset(a);
    expect(serializeDataset(b)).toEqual(bytesA);
    const back = deserializeDataset(bytesA);
    expect(back).toEqual(a);
    expect(serializeDataset(back)).toEqual(bytesA);
  });

  it('rejects corrupt bytes', async () => {
    const good = serializeDataset(await load());
    const bad = good.slice();
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
    expect(() => deserializeDataset(bad, 's3://x/encoded')).toThrow(/s3:\/\/x\/encoded: body checksum mismatch/);
    expect(() => deserializeDataset(bytes('hello world, not a data set'))).toThrow(/bad magic/);
  });
});
