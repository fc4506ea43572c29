import { describe, expect, it } from 'vitest';
import { clearDatasetCache, datasetDecodeCount, prepareDataset, trainBaseline } from '../../../core/campaign/index.ts';
import { buildMlp, saveModelToBytes } from '../../../core/model/index.ts';
import { clearBlobCache } from '../../../core/storage/blob-cache.ts';
import { identity, preparedFixture, TINY_MODEL, uploadFixture } from './helpers.ts';
import { MemoryStore } from './memory-store.ts';

describe('prepareDataset', () => {
  it('stores the encoded data set content-addressed and returns a small DatasetRef', async () => {
    const store = new MemoryStore();
    const ref = await preparedFixture(store);
    expect(ref.datasetId).toMatch(/^[0-9a-f]{64}$/);
    expect(store.keyOf(ref.encoded)).toBe(`datasets/${ref.datasetId}/encoded.bin`);
    expect(store.objects.has(`datasets/${ref.datasetId}/spec.json`)).toBe(true);
    expect(store.objects.has('campaigns/c1/prepare/result.json')).toBe(true);
    expect(ref.rows.train + ref.rows.validation + ref.rows.test).toBe(1000);
    expect(ref.features).toBeGreaterThan(20);
    expect(ref.attributes.map((a) => a.name)).toEqual(['sex', 'age_group']);
    expect(JSON.stringify(ref).length).toBeLessThan(2000);
  });

  it('is idempotent per step and shares the data set across campaigns', async () => {
    const store = new MemoryStore();
    const first = await preparedFixture(store, 'c1');
    store.resetCounts();
    const again = await preparedFixture(store, 'c1');
    expect(again).toEqual(first);
    expect(store.written.filter((k) => k.startsWith('campaigns/'))).toEqual([]);
    store.resetCounts();
    const other = await preparedFixture(store, 'c2');
    expect(other.encoded).toEqual(first.encoded);
    // The second campaign writes only its own result.json; the data set is not re-encoded.
    expect(store.written.filter((k) => !k.startsWith('uploads/'))).toEqual(['campaigns/c2/prepare/result.json']);
  });

  it('names a source the spec lists but nobody uploaded', async () => {
    const store = new MemoryStore();
    const files = await uploadFixture(store);
    await expect(
      prepareDataset({ ...identity('c1', 'prepare'), spec: files.spec, sources: [] }, { store }),
    ).rejects.toThrow(/names source "german.data" but no uploaded source has that path/);
  });

  it('rejects a bad step key', async () => {
    const store = new MemoryStore();
    const files = await uploadFixture(store);
    await expect(prepareDataset({ ...identity('c1', 'Prepare/../x'), ...files }, { store })).rejects.toThrow(
      /invalid step key/,
    );
  });
});

describe('trainBaseline', () => {
  it("trains ('train' plan), stores a checkpoint and reuses result.json on a second call", async () => {
    const store = new MemoryStore();
    const dataset = await preparedFixture(store);
    const progress: number[] = [];
    const out = await trainBaseline(
      { ...identity('c1', 'baseline'), dataset, model: TINY_MODEL },
      { store, onProgress: (p) => void progress.push(p.epoch) },
    );
    expect(out.epochsRun).toBe(3);
    expect(out.resumedFromEpoch).toBe(0);
    expect(out.finalLoss).toBeGreaterThan(0);
    expect(out.backend.backend).toBe('wasm');
    expect(out.checkpoint.masks).toBeUndefined();
    expect(out.checkpoint.sparsity).toBe(0);
    expect(out.checkpoint.parameters).toBe(dataset.features * 8 + 8 + 8 + 1);
    expect(store.keyOf(out.checkpoint.weightsBin)).toBe('campaigns/c1/baseline/weights.bin');
    expect(progress).toEqual([1, 2, 3]);
    expect(store.objects.has('campaigns/c1/baseline/progress/epoch-3.bin')).toBe(true);

    clearBlobCache();
    clearDatasetCache();
    const decodes = datasetDecodeCount();
    store.resetCounts();
    const again = await trainBaseline({ ...identity('c1', 'baseline'), dataset, model: TINY_MODEL }, { store });
    expect(again).toEqual(out);
    expect(store.puts).toBe(0);
    expect(datasetDecodeCount()).toBe(decodes); // nothing recomputed, nothing decoded
  });

  it("imports a user's model ('import' plan) and explains a wrong input width", async () => {
    const store = new MemoryStore();
    const dataset = await preparedFixture(store);
    const upload = async (inputDim: number, name: string) => {
      const model = buildMlp({ hidden: [{ units: 4 }] }, { inputDim, seed: 3 });
      const bytes = await saveModelToBytes(model);
      model.dispose();
      return {
        modelJson: await store.put(`uploads/${name}/model.json`, bytes.modelJson),
        weights: [{ path: 'weights.bin', ref: await store.put(`uploads/${name}/weights.bin`, bytes.weightsBin) }],
      };
    };
    const plan = { kind: 'import' as const, modelJson: 'model/model.json' };
    const good = await trainBaseline(
      { ...identity('c1', 'baseline'), dataset, model: plan, importedModel: await upload(dataset.features, 'good') },
      { store },
    );
    expect(good.epochsRun).toBe(0);
    expect(good.finalLoss).toBeNull();
    expect(good.checkpoint.parameters).toBe(dataset.features * 4 + 4 + 4 + 1);
    await expect(
      trainBaseline(
        { ...identity('c1', 'baseline-bad'), dataset, model: plan, importedModel: await upload(12, 'bad') },
        { store },
      ),
    ).rejects.toThrow(
      new RegExp(`takes 12 input features but data set 'german-credit-fixture' encodes ${dataset.features}.*Fix:`),
    );
  });
});
