import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { evaluate, finetune, prune, quantize, regrow, trainBaseline } from '../../../core/campaign/index.ts';
import { QuantizePlan } from '../../../core/config/campaign.ts';
import { EVAL_PLAN, FINETUNE_PLAN, identity, preparedFixture, TINY_MODEL } from './helpers.ts';
import { MemoryStore } from './memory-store.ts';

describe('tensor memory', () => {
  it('repeated steps in one process do not grow tf.memory().numTensors', async () => {
    const store = new MemoryStore();
    const dataset = await preparedFixture(store);
    const round = async (i: number) => {
      const c = `run-${i}`;
      const base = (await trainBaseline({ ...identity(c, 'baseline'), dataset, model: TINY_MODEL }, { store }))
        .checkpoint;
      const p = (
        await prune(
          { ...identity(c, 'm1/prune'), dataset, from: base, criterion: 'group-saliency', targetSparsity: 0.5 },
          { store },
        )
      ).checkpoint;
      const s = (
        await prune(
          { ...identity(c, 'm2/prune'), dataset, from: p, criterion: 'structured', targetSparsity: 0.5 },
          { store },
        )
      ).checkpoint;
      const r = (
        await regrow({ ...identity(c, 'm2/regrow'), dataset, from: s, baseline: base, fraction: 0.2 }, { store })
      ).checkpoint;
      const f = (
        await finetune(
          { ...identity(c, 'm1/finetune'), dataset, from: r, reference: base, plan: FINETUNE_PLAN, constrained: true },
          { store },
        )
      ).checkpoint;
      await evaluate(
        { ...identity(c, 'm1/evaluate'), dataset, candidate: f, reference: base, plan: EVAL_PLAN },
        { store },
      );
      await quantize(
        { ...identity(c, 'quantize'), dataset, from: f, plan: QuantizePlan.parse({ calibrationRows: 64 }) },
        { store },
      );
    };
    await round(0);
    const after1 = tf.memory().numTensors;
    await round(1);
    await round(2);
    expect(tf.memory().numTensors).toBe(after1);
  });

  it('concurrent steps in one process queue for tfjs and give the same bytes as sequential ones', async () => {
    const store = new MemoryStore();
    const dataset = await preparedFixture(store);
    const run = (c: string) => trainBaseline({ ...identity(c, 'baseline'), dataset, model: TINY_MODEL }, { store });
    const [a, b] = await Promise.all([run('p1'), run('p2')]);
    const c = await run('p3');
    expect(a.checkpoint.weightsBin.sha256).toBe(c.checkpoint.weightsBin.sha256);
    expect(b.checkpoint.weightsBin.sha256).toBe(c.checkpoint.weightsBin.sha256);
  });
});
