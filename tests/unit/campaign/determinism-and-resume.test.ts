import { describe, expect, it, vi } from 'vitest';
import { finetune, prune, trainBaseline, type StepContext } from '../../../core/campaign/index.ts';
import { ModelPlan } from '../../../core/config/campaign.ts';
import { FINETUNE_PLAN, identity, preparedFixture, TINY_MODEL } from './helpers.ts';
import { parseS3Uri } from '../../../core/storage/index.ts';
import { MemoryStore } from './memory-store.ts';
import type { CheckpointRef, DatasetRef, StepProgress } from './types.ts';

const shas = (c: CheckpointRef) => [c.modelJson.sha256, c.weightsBin.sha256, c.masks?.sha256 ?? null];

async function pipeline(store: MemoryStore, campaignId: string, dataset: DatasetRef) {
  const baseline = await trainBaseline({ ...identity(campaignId, 'baseline'), dataset, model: TINY_MODEL }, { store });
  const pruned = await prune(
    {
      ...identity(campaignId, 'milestone-1/prune'),
      dataset,
      from: baseline.checkpoint,
      criterion: 'random',
      targetSparsity: 0.5,
    },
    { store },
  );
  const tuned = await finetune(
    {
      ...identity(campaignId, 'milestone-1/finetune'),
      dataset,
      from: pruned.checkpoint,
      reference: baseline.checkpoint,
      plan: FINETUNE_PLAN,
      constrained: true,
    },
    { store },
  );
  return [baseline.checkpoint, pruned.checkpoint, tuned.checkpoint];
}

/** Runs a step with onProgress throwing after the given epoch's checkpoint, then resumes from the last heartbeat. */
async function interruptAndResume<T>(
  run: (ctx: StepContext) => Promise<T>,
  store: MemoryStore,
  afterEpoch: number,
): Promise<{ out: T; heartbeats: StepProgress[] }> {
  const heartbeats: StepProgress[] = [];
  await expect(
    run({
      store,
      onProgress: (p) => {
        heartbeats.push(p);
        if (p.epoch === afterEpoch && p.checkpoint !== undefined) throw new Error('worker crashed');
      },
    }),
  ).rejects.toThrow('worker crashed');
  const last = heartbeats[heartbeats.length - 1]!;
  expect(last.checkpoint).toBeDefined();
  const out = await run({ store, resume: last, onProgress: (p) => void heartbeats.push(p) });
  return { out, heartbeats };
}

describe('determinism', () => {
  it('two campaigns with different ids and the same step keys write byte-identical checkpoints', async () => {
    const store = new MemoryStore();
    const dataset = await preparedFixture(store, 'campaign-a');
    const a = await pipeline(store, 'campaign-a', dataset);
    const b = await pipeline(store, 'campaign-b', dataset);
    expect(a.map(shas)).toEqual(b.map(shas));
    // The bytes hold no campaign id.
    for (const c of a)
      expect(new TextDecoder().decode(store.bytesAt(store.keyOf(c.modelJson)))).not.toContain('campaign-a');
  });
});

describe('resume', () => {
  it('trainBaseline interrupted after epoch 1 resumes at epoch 2 and ends byte-identical', async () => {
    const store = new MemoryStore();
    const dataset = await preparedFixture(store);
    const model = ModelPlan.parse({
      kind: 'train',
      mlp: { hidden: [{ units: 8 }] },
      train: { epochs: 4, batchSize: 64, learningRate: 0.01, patience: 2 },
    });
    const whole = await trainBaseline({ ...identity('whole', 'baseline'), dataset, model }, { store });
    const { out, heartbeats } = await interruptAndResume(
      (ctx) => trainBaseline({ ...identity('crashy', 'baseline'), dataset, model }, ctx),
      store,
      1,
    );
    expect(out.resumedFromEpoch).toBe(2);
    expect(whole.resumedFromEpoch).toBe(0);
    expect(out.epochsRun).toBe(4);
    expect(shas(out.checkpoint)).toEqual(shas(whole.checkpoint));
    expect(out.finalLoss).toBe(whole.finalLoss);
    expect(heartbeats.filter((h) => h.checkpoint !== undefined).map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
  });

  it('finetune (constrained) interrupted after epoch 1 resumes at epoch 2 and ends byte-identical', async () => {
    const store = new MemoryStore();
    const dataset = await preparedFixture(store);
    const baseline = (await trainBaseline({ ...identity('c', 'baseline'), dataset, model: TINY_MODEL }, { store }))
      .checkpoint;
    const pruned = (
      await prune(
        { ...identity('c', 'm1/prune'), dataset, from: baseline, criterion: 'magnitude-global', targetSparsity: 0.6 },
        { store },
      )
    ).checkpoint;
    const input = (campaignId: string) => ({
      ...identity(campaignId, 'm1/finetune'),
      dataset,
      from: pruned,
      reference: baseline,
      plan: { ...FINETUNE_PLAN, epochs: 4 },
      constrained: true,
    });
    const whole = await finetune(input('whole'), { store });
    const { out } = await interruptAndResume((ctx) => finetune(input('crashy'), ctx), store, 1);
    expect(out.resumedFromEpoch).toBe(2);
    expect(out.epochsRun).toBe(4);
    expect(shas(out.checkpoint)).toEqual(shas(whole.checkpoint));
    expect(out.maxPsiTrain).toBe(whole.maxPsiTrain);
  });

  it('heartbeats every epoch end with its checkpoint, in between on wall time, and yields to the event loop', async () => {
    const store = new MemoryStore();
    const dataset = await preparedFixture(store);
    const model = ModelPlan.parse({
      ...TINY_MODEL,
      train: { epochs: 2, batchSize: 2, learningRate: 0.001, patience: 0 },
    });
    const beats: StepProgress[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    // A clock that moves 10 ms per reading, so pacing by wall time is reproducible here.
    let fakeNow = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => (fakeNow += 10));
    try {
      await trainBaseline(
        { ...identity('c', 'baseline'), dataset, model },
        { store, onProgress: (p) => void beats.push(p) },
      );
    } finally {
      clock.mockRestore();
      clearInterval(timer);
    }
    const epochEnds = beats.filter((b, i) => b.checkpoint !== undefined && beats[i - 1]?.epoch !== b.epoch);
    expect(epochEnds.map((b) => b.epoch)).toEqual([1, 2]);
    const liveness = beats.length - epochEnds.length;
    expect(liveness).toBeGreaterThan(2);
    expect(beats[0]).toMatchObject({ epoch: 0, epochs: 2 });
    expect(beats.filter((b) => b.epoch === 0).every((b) => b.checkpoint === undefined)).toBe(true);
    const afterFirst = beats.filter((b) => b.epoch === 1);
    expect(afterFirst.every((b) => b.checkpoint?.sha256 === afterFirst[0]!.checkpoint!.sha256)).toBe(true);
    expect(ticks).toBeGreaterThan(0);
  });

  it.each(['deleted', 'rotten', 'not an epoch checkpoint'] as const)(
    'starts afresh, byte-identical, when the resumed epoch checkpoint is %s',
    async (damage) => {
      const store = new MemoryStore();
      const dataset = await preparedFixture(store);
      const model = ModelPlan.parse({
        kind: 'train',
        mlp: { hidden: [{ units: 8 }] },
        train: { epochs: 3, batchSize: 64, learningRate: 0.01, patience: 0 },
      });
      const whole = await trainBaseline({ ...identity('whole', 'baseline'), dataset, model }, { store });
      const beats: StepProgress[] = [];
      const step = identity('damaged', 'baseline');
      await expect(
        trainBaseline(
          { ...step, dataset, model },
          {
            store,
            onProgress: (p) => {
              beats.push(p);
              if (p.epoch === 2 && p.checkpoint !== undefined) throw new Error('worker crashed');
            },
          },
        ),
      ).rejects.toThrow('worker crashed');
      const resume = beats[beats.length - 1]!;
      const key = parseS3Uri(resume.checkpoint!.uri).key;
      const stored = store.objects.get(key)!;
      if (damage === 'deleted') store.objects.delete(key);
      // Bit rot: other bytes under the key, still labelled with the old sha256.
      else if (damage === 'rotten') stored.bytes = stored.bytes.map((b, i) => (i === 40 ? b ^ 0xff : b));
      // Bytes that hash right but are no checkpoint: e.g. a progress file written by a future format.
      else await store.put(key, new TextEncoder().encode('garbage'), { mode: 'mutable' });
      const ref =
        damage === 'not an epoch checkpoint'
          ? { ...resume.checkpoint!, ...(await store.getByKey(key)).ref }
          : resume.checkpoint!;
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const out = await trainBaseline({ ...step, dataset, model }, { store, resume: { ...resume, checkpoint: ref } });
      expect(warn).toHaveBeenCalledWith(
        expect.stringMatching(new RegExp(`not resuming from ${ref.uri}: .*starts afresh`)),
      );
      warn.mockRestore();
      expect(out.resumedFromEpoch).toBe(0);
      expect(shas(out.checkpoint)).toEqual(shas(whole.checkpoint));
    },
  );

  it('re-runs a resumed step whose output no longer verifies, replacing its result.json', async () => {
    const store = new MemoryStore();
    const dataset = await preparedFixture(store);
    const model = ModelPlan.parse({
      kind: 'train',
      mlp: { hidden: [{ units: 8 }] },
      train: { epochs: 3, batchSize: 64, learningRate: 0.01, patience: 0 },
    });
    const run = (ctx: StepContext) => trainBaseline({ ...identity('rerun', 'baseline'), dataset, model }, ctx);
    const { out: resumed } = await interruptAndResume(run, store, 1);
    expect(resumed.resumedFromEpoch).toBe(2);
    // The output is lost after the step finished; its retry starts afresh and says so in its result.
    store.objects.delete(parseS3Uri(resumed.checkpoint.weightsBin.uri).key);
    const again = await run({ store });
    expect(again.resumedFromEpoch).toBe(0);
    expect(shas(again.checkpoint)).toEqual(shas(resumed.checkpoint));
    const key = parseS3Uri(resumed.checkpoint.weightsBin.uri).key.replace(/weights\.bin$/, 'result.json');
    const stored = JSON.parse(new TextDecoder().decode((await store.getByKey(key)).bytes)) as typeof again;
    expect(stored.resumedFromEpoch).toBe(0);
  });

  it('ignores a heartbeat of another step and starts fresh', async () => {
    const store = new MemoryStore();
    const dataset = await preparedFixture(store);
    const beats: StepProgress[] = [];
    await trainBaseline(
      { ...identity('c', 'baseline'), dataset, model: TINY_MODEL },
      { store, onProgress: (p) => void beats.push(p) },
    );
    const out = await trainBaseline(
      { ...identity('c', 'baseline-2'), dataset, model: TINY_MODEL },
      { store, resume: beats[beats.length - 1]! },
    );
    expect(out.resumedFromEpoch).toBe(0);
  });
});
