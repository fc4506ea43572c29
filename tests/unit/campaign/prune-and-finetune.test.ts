import { describe, expect, it } from 'vitest';
import { finetune, prune, regrow, trainBaseline } from '../../../core/campaign/index.ts';
import type { Criterion } from '../../../core/config/campaign.ts';
import { deserializeMasks } from '../../../core/compression/masks.ts';
import { FINETUNE_PLAN, floats, identity, preparedFixture } from './helpers.ts';
import { MemoryStore } from './memory-store.ts';
import { ModelPlan } from '../../../core/config/campaign.ts';

const MODEL = ModelPlan.parse({
  kind: 'train',
  mlp: { hidden: [{ units: 12 }, { units: 6 }] },
  train: { epochs: 2, batchSize: 64, learningRate: 0.01, patience: 0 },
});

async function setUp() {
  const store = new MemoryStore();
  const dataset = await preparedFixture(store);
  const baseline = (await trainBaseline({ ...identity('c1', 'baseline'), dataset, model: MODEL }, { store }))
    .checkpoint;
  return { store, dataset, baseline };
}

/** Kernel entries of weights.bin at pruned mask positions (model order: kernel, bias per layer). */
function maskedValues(store: MemoryStore, weightsKey: string, masksKey: string): number[] {
  const values = floats(store.bytesAt(weightsKey));
  const masks = deserializeMasks(store.bytesAt(masksKey));
  const out: number[] = [];
  let offset = 0;
  for (const name of [
    'dense_0/kernel',
    'dense_0/bias',
    'dense_1/kernel',
    'dense_1/bias',
    'output/kernel',
    'output/bias',
  ]) {
    const mask = masks.get(name);
    const size = mask?.length ?? (name.startsWith('output') ? 1 : name.startsWith('dense_0') ? 12 : 6);
    if (mask !== undefined) for (let i = 0; i < size; i++) if (mask[i] === 0) out.push(values[offset + i]!);
    offset += size;
  }
  expect(offset).toBe(values.length);
  return out;
}

describe('prune', () => {
  const criteria: Criterion[] = ['magnitude-global', 'magnitude-layerwise', 'random', 'group-saliency'];
  for (const criterion of criteria) {
    it(`${criterion}: exact sparsity, masks.bin, per-layer summary`, async () => {
      const { store, dataset, baseline } = await setUp();
      const out = await prune(
        { ...identity('c1', 'milestone-1/prune'), dataset, from: baseline, criterion, targetSparsity: 0.6 },
        { store },
      );
      const kernels = dataset.features * 12 + 12 * 6 + 6;
      expect(out.checkpoint.sparsity).toBeCloseTo(Math.round(0.6 * kernels) / kernels, 2);
      expect(out.checkpoint.masks).toBeDefined();
      expect(out.layers.map((l) => l.name)).toEqual(['dense_0/kernel', 'dense_1/kernel', 'output/kernel']);
      expect(out.layers.reduce((n, l) => n + l.size, 0)).toBe(kernels);
      // Deployed count: hidden units whose outgoing weights are all pruned drop out with their incoming weights.
      expect(out.checkpoint.nonzeros).toBeLessThanOrEqual(out.layers.reduce((n, l) => n + l.nonzeros, 0));
      expect(out.checkpoint.nonzeros).toBeGreaterThan(0);
      const zeros = maskedValues(store, store.keyOf(out.checkpoint.weightsBin), store.keyOf(out.checkpoint.masks!));
      expect(zeros.every((v) => Object.is(v, 0))).toBe(true);
    });
  }

  it('structured: zeroes whole units, keeps the tfjs shape and reports the shrunk parameter count', async () => {
    const { store, dataset, baseline } = await setUp();
    const out = await prune(
      { ...identity('c1', 'milestone-1/prune'), dataset, from: baseline, criterion: 'structured', targetSparsity: 0.5 },
      { store },
    );
    // 12 → 6 and 6 → 3 hidden units.
    expect(out.checkpoint.parameters).toBe(dataset.features * 6 + 6 + 6 * 3 + 3 + 3 + 1);
    expect(out.checkpoint.weightsBin.bytes).toBe(baseline.weightsBin.bytes);
  });

  it('monotone: pruning a pruned checkpoint further keeps earlier pruned weights pruned', async () => {
    const { store, dataset, baseline } = await setUp();
    const first = await prune(
      { ...identity('c1', 'm1/prune'), dataset, from: baseline, criterion: 'magnitude-global', targetSparsity: 0.5 },
      { store },
    );
    const second = await prune(
      { ...identity('c1', 'm2/prune'), dataset, from: first.checkpoint, criterion: 'random', targetSparsity: 0.8 },
      { store },
    );
    const a = deserializeMasks(store.bytesAt(store.keyOf(first.checkpoint.masks!)));
    const b = deserializeMasks(store.bytesAt(store.keyOf(second.checkpoint.masks!)));
    for (const [name, mask] of a) mask.forEach((m, i) => m === 0 && expect(b.get(name)![i]).toBe(0));
  });
});

describe('finetune', () => {
  it('masked: pruned weights stay exactly +0 in the stored weights.bin', async () => {
    const { store, dataset, baseline } = await setUp();
    const pruned = await prune(
      { ...identity('c1', 'm1/prune'), dataset, from: baseline, criterion: 'magnitude-global', targetSparsity: 0.7 },
      { store },
    );
    const out = await finetune(
      {
        ...identity('c1', 'm1/finetune'),
        dataset,
        from: pruned.checkpoint,
        reference: baseline,
        plan: FINETUNE_PLAN,
        constrained: false,
      },
      { store },
    );
    expect(out.epochsRun).toBe(3);
    expect(out.resumedFromEpoch).toBe(0);
    expect(out.maxPsiTrain).not.toBeNull();
    expect(out.checkpoint.weightsBin.sha256).not.toBe(pruned.checkpoint.weightsBin.sha256);
    expect(out.checkpoint.masks?.sha256).toBe(pruned.checkpoint.masks!.sha256);
    const zeros = maskedValues(store, store.keyOf(out.checkpoint.weightsBin), store.keyOf(out.checkpoint.masks!));
    expect(zeros.length).toBeGreaterThan(0);
    expect(zeros.every((v) => Object.is(v, 0))).toBe(true);
    expect(out.checkpoint.sparsity).toBeCloseTo(pruned.checkpoint.sparsity, 12);
  });

  it('constrained (CEAG): runs, keeps masks, reports ψ on the training data', async () => {
    const { store, dataset, baseline } = await setUp();
    const pruned = await prune(
      { ...identity('c1', 'm1/prune'), dataset, from: baseline, criterion: 'random', targetSparsity: 0.7 },
      { store },
    );
    const plan = { ...FINETUNE_PLAN, constrained: false, epsilon: 0.0 };
    const out = await finetune(
      {
        ...identity('c1', 'm1/finetune'),
        dataset,
        from: pruned.checkpoint,
        reference: baseline,
        plan,
        constrained: true,
      },
      { store },
    );
    expect(typeof out.maxPsiTrain).toBe('number');
    const zeros = maskedValues(store, store.keyOf(out.checkpoint.weightsBin), store.keyOf(out.checkpoint.masks!));
    expect(zeros.every((v) => Object.is(v, 0))).toBe(true);
    const masked = await finetune(
      {
        ...identity('c1', 'm1/finetune-masked'),
        dataset,
        from: pruned.checkpoint,
        reference: baseline,
        plan,
        constrained: false,
      },
      { store },
    );
    expect(masked.checkpoint.weightsBin.sha256).not.toBe(out.checkpoint.weightsBin.sha256);
  });
});

describe('regrow', () => {
  it('restores the requested fraction of pruned weights at their baseline values', async () => {
    const { store, dataset, baseline } = await setUp();
    const pruned = await prune(
      { ...identity('c1', 'm1/prune'), dataset, from: baseline, criterion: 'magnitude-global', targetSparsity: 0.8 },
      { store },
    );
    const out = await regrow(
      { ...identity('c1', 'm1/regrow'), dataset, from: pruned.checkpoint, baseline, fraction: 0.25 },
      { store },
    );
    const before = deserializeMasks(store.bytesAt(store.keyOf(pruned.checkpoint.masks!)));
    const after = deserializeMasks(store.bytesAt(store.keyOf(out.checkpoint.masks!)));
    let prunedBefore = 0;
    let regrown = 0;
    for (const [name, mask] of before)
      mask.forEach((m, i) => {
        if (m === 0) prunedBefore++;
        if (m === 0 && after.get(name)![i] === 1) regrown++;
        if (m === 1) expect(after.get(name)![i]).toBe(1);
      });
    expect(regrown).toBe(Math.round(0.25 * prunedBefore));
    const baseValues = floats(store.bytesAt(store.keyOf(baseline.weightsBin)));
    const regrownValues = floats(store.bytesAt(store.keyOf(out.checkpoint.weightsBin)));
    // dense_0/kernel comes first in weights.bin: regrown entries hold the baseline's values.
    before.get('dense_0/kernel')!.forEach((m, i) => {
      if (m === 0 && after.get('dense_0/kernel')![i] === 1) expect(regrownValues[i]).toBe(baseValues[i]);
    });
    expect(out.checkpoint.sparsity).toBeLessThan(pruned.checkpoint.sparsity);
  });
});
