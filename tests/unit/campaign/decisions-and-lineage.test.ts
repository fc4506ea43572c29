import { describe, expect, it } from 'vitest';
import { appendDecision, markRejected, prune, trainBaseline, writeLineage } from '../../../core/campaign/index.ts';
import type { CampaignInput, DecisionEntry } from '../../../core/campaign/contracts.ts';
import { CampaignConfig } from '../../../core/config/campaign.ts';
import { deriveSeed } from '../../../core/lineage/seeds.ts';
import { identity, preparedFixture, TINY_MODEL, uploadFixture } from './helpers.ts';
import { MemoryStore } from './memory-store.ts';

const entry = (seq: number, message: string): DecisionEntry => ({
  seq,
  kind: 'gate',
  milestone: 1,
  attempt: 1,
  message,
});

const lines = (store: MemoryStore, key: string) =>
  new TextDecoder()
    .decode(store.bytesAt(key))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as DecisionEntry);

describe('appendDecision', () => {
  it('is idempotent by seq and keeps lines ordered by seq', async () => {
    const store = new MemoryStore();
    const at = { campaignId: 'c1', prefix: 'campaigns' };
    expect((await appendDecision({ ...at, entry: entry(0, 'first') }, { store })).lines).toBe(1);
    expect((await appendDecision({ ...at, entry: entry(2, 'third') }, { store })).lines).toBe(2);
    const third = await appendDecision({ ...at, entry: entry(1, 'second') }, { store });
    expect(third.lines).toBe(3);
    store.resetCounts();
    const retry = await appendDecision({ ...at, entry: entry(1, 'second (retried)') }, { store });
    expect(retry).toEqual(third);
    expect(store.puts).toBe(0);
    expect(lines(store, 'campaigns/c1/decisions.jsonl').map((e) => [e.seq, e.message])).toEqual([
      [0, 'first'],
      [1, 'second'],
      [2, 'third'],
    ]);
  });
});

describe('markRejected', () => {
  it('writes rejected.json beside the candidate and leaves the checkpoint intact', async () => {
    const store = new MemoryStore();
    const dataset = await preparedFixture(store);
    const baseline = (await trainBaseline({ ...identity('c1', 'baseline'), dataset, model: TINY_MODEL }, { store }))
      .checkpoint;
    const candidate = (
      await prune(
        {
          ...identity('c1', 'milestone-1/attempt-1/prune'),
          dataset,
          from: baseline,
          criterion: 'random',
          targetSparsity: 0.5,
        },
        { store },
      )
    ).checkpoint;
    const before = new Map([...store.objects].map(([k, v]) => [k, v.sha256]));
    const ref = await markRejected(
      { campaignId: 'c1', prefix: 'campaigns', candidate, reason: 'gate failed: eod-sex' },
      { store },
    );
    expect(store.keyOf(ref)).toBe('campaigns/c1/milestone-1/attempt-1/prune/rejected.json');
    for (const [k, sha] of before) expect(store.objects.get(k)?.sha256).toBe(sha);
    await markRejected({ campaignId: 'c1', prefix: 'campaigns', candidate, reason: 'gate failed: eod-sex' }, { store });
    const again = await markRejected(
      { campaignId: 'c1', prefix: 'campaigns', candidate, reason: 'reviewer: no' },
      { store },
    );
    const file = JSON.parse(new TextDecoder().decode(store.bytesAt(store.keyOf(again)))) as { reasons: string[] };
    expect(file.reasons).toEqual(['gate failed: eod-sex', 'reviewer: no']);
    await expect(
      markRejected({ campaignId: 'other', prefix: 'campaigns', candidate, reason: 'x' }, { store }),
    ).rejects.toThrow(/not under campaigns\/other\//);
  });
});

describe('writeLineage', () => {
  it('records hashes, the seed tree, the environment and every checkpoint sha256', async () => {
    const store = new MemoryStore();
    const dataset = await preparedFixture(store);
    const baseline = await trainBaseline({ ...identity('c1', 'baseline'), dataset, model: TINY_MODEL }, { store });
    const files = await uploadFixture(store);
    const config = CampaignConfig.parse({
      version: 1,
      name: 'lineage-test',
      seed: 7,
      dataset: 'german.yaml',
      model: TINY_MODEL,
      compression: { schedule: { kind: 'constant', sparsity: 0.5 } },
      rubric: 'rubric.yaml',
    });
    const campaign: CampaignInput = {
      campaignId: 'c1',
      config,
      configSha256: 'a'.repeat(64),
      datasetSpec: files.spec,
      datasetSources: files.sources,
      rubric: { version: 1, name: 'r', uncertainty: 'ci_bound', constraints: [] },
      code: { gitCommit: 'abc', gitDirty: false, lockfileSha256: 'b'.repeat(64) },
    };
    const ref = await writeLineage(
      {
        campaign,
        dataset,
        backend: baseline.backend,
        checkpoints: [baseline.checkpoint],
        gates: [],
        status: 'running',
      },
      { store },
    );
    expect(store.keyOf(ref)).toBe('campaigns/c1/lineage.json');
    const lineage = JSON.parse(new TextDecoder().decode(store.bytesAt('campaigns/c1/lineage.json'))) as {
      seedTree: { steps: { stepKey: string; seeds: Record<string, number> }[] };
      environment: Record<string, unknown>;
      checkpoints: { sha256: { weightsBin: string } }[];
      data: { datasetId: string };
      code: { lockfileSha256: string };
    };
    expect(lineage.seedTree.steps[0]!.stepKey).toBe('baseline');
    expect(lineage.seedTree.steps[0]!.seeds['train']).toBe(deriveSeed(7, 'baseline', 'train'));
    expect(lineage.environment).toMatchObject({ node: process.version, backend: 'wasm', platform: process.platform });
    expect(lineage.environment['cpuCount']).toBeGreaterThan(0);
    expect(lineage.checkpoints[0]!.sha256.weightsBin).toBe(baseline.checkpoint.weightsBin.sha256);
    expect(lineage.data.datasetId).toBe(dataset.datasetId);
    expect(lineage.code.lockfileSha256).toBe('b'.repeat(64));
    // Rewritten as the campaign proceeds (mutable).
    await writeLineage(
      {
        campaign,
        dataset,
        checkpoints: [baseline.checkpoint],
        gates: [],
        status: 'completed',
        finalCheckpoint: baseline.checkpoint,
      },
      { store },
    );
  });
});
