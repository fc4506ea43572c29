import { describe, expect, it } from 'vitest';
import { evaluate, prune, quantize, trainBaseline } from '../../../core/campaign/index.ts';
import { QuantizePlan } from '../../../core/config/campaign.ts';
import { importInt8 } from '../../../core/compression/quantize.ts';
import { deserializeMasks } from '../../../core/compression/masks.ts';
import { EVAL_PLAN, floats, identity, preparedFixture, TINY_MODEL } from './helpers.ts';
import { MemoryStore } from './memory-store.ts';

async function setUp() {
  const store = new MemoryStore();
  const dataset = await preparedFixture(store);
  const baseline = (await trainBaseline({ ...identity('c1', 'baseline'), dataset, model: TINY_MODEL }, { store }))
    .checkpoint;
  const pruned = (
    await prune(
      { ...identity('c1', 'm1/prune'), dataset, from: baseline, criterion: 'magnitude-global', targetSparsity: 0.6 },
      { store },
    )
  ).checkpoint;
  return { store, dataset, baseline, pruned };
}

describe('quantize', () => {
  it('int8 per channel: zeros stay zero, int8.bin holds the same weights, small error', async () => {
    const { store, dataset, pruned } = await setUp();
    const plan = QuantizePlan.parse({ calibrationRows: 128 });
    const out = await quantize({ ...identity('c1', 'quantize'), dataset, from: pruned, plan }, { store });
    expect(out.checkpoint.int8).toBeDefined();
    expect(out.maxAbsWeightError).toBeGreaterThan(0);
    expect(out.maxAbsWeightError).toBeLessThan(0.05);
    expect(out.checkpoint.sparsity).toBe(pruned.sparsity);
    const masks = deserializeMasks(store.bytesAt(store.keyOf(out.checkpoint.masks!)));
    const values = floats(store.bytesAt(store.keyOf(out.checkpoint.weightsBin)));
    const kernel = masks.get('dense_0/kernel')!;
    kernel.forEach((m, i) => m === 0 && expect(Object.is(values[i], 0)).toBe(true));
    const int8 = importInt8(store.bytesAt(store.keyOf(out.checkpoint.int8!)));
    expect(int8.int8.has('dense_0/kernel')).toBe(true);
    const dq = int8.weights[0]!.values;
    kernel.forEach((m, i) => m === 0 && expect(dq[i]).toBe(0));
    // Kernels in model.json/weights.bin are the dequantized int8 values.
    for (let i = 0; i < dq.length; i++) expect(values[i]).toBe(dq[i]);
  });

  it('with activation calibration: the evaluation uses the fake-quant forward pass', async () => {
    const { store, dataset, pruned } = await setUp();
    const plan = QuantizePlan.parse({ activations: true, calibrationRows: 128 });
    const out = await quantize({ ...identity('c1', 'quantize'), dataset, from: pruned, plan }, { store });
    const json = JSON.parse(new TextDecoder().decode(store.bytesAt(store.keyOf(out.checkpoint.modelJson)))) as {
      userDefinedMetadata?: { fairshrinkActivationRanges?: unknown[] };
    };
    expect(json.userDefinedMetadata?.fairshrinkActivationRanges).toHaveLength(2);
    const ev = await evaluate(
      {
        ...identity('c1', 'quantize/evaluate'),
        dataset,
        candidate: out.checkpoint,
        reference: pruned,
        plan: EVAL_PLAN,
      },
      { store },
    );
    expect(ev.summary.accuracy).not.toBeNull();
    expect(ev.size.nonzeros).toBe(out.checkpoint.nonzeros);
    // Latency is timed on the same forward pass the scores came from.
    const latency = JSON.parse(
      new TextDecoder().decode(store.bytesAt('campaigns/c1/quantize/evaluate/latency.json')),
    ) as { forward: string; msPer1000Rows: number };
    expect(latency.forward).toBe('fake-quant');
    expect(latency.msPer1000Rows).toBeGreaterThan(0);
  });

  it('float16 keeps zeros and is idempotent', async () => {
    const { store, dataset, pruned } = await setUp();
    const plan = QuantizePlan.parse({ precision: 'float16', calibrationRows: 64 });
    const out = await quantize({ ...identity('c1', 'quantize'), dataset, from: pruned, plan }, { store });
    expect(out.checkpoint.sparsity).toBe(pruned.sparsity);
    store.resetCounts();
    expect(await quantize({ ...identity('c1', 'quantize'), dataset, from: pruned, plan }, { store })).toEqual(out);
    expect(store.puts).toBe(0);
  });
});
