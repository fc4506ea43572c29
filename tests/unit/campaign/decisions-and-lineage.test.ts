import { describe, expect, it } from 'vitest';
import { appendDecision, markRejected, prune, trainBaseline, writeLineage } from '../../../core/campaign/index.ts';
import type { CampaignInput, DecisionEntry } from '../../../core/campaign/contracts.ts';
import { CampaignConfig } from '../../../core/config/campaign.ts';
import { deriveSeed } from '../../../core/lineage/seeds.ts';
import { readDecisionLog } from '../../../core/campaign/decision-log.ts';
import { CampaignInputError } from '../../../core/step/context.ts';
import { identity, preparedFixture, TINY_MODEL, uploadFixture } from './helpers.ts';
import { MemoryStore } from './memory-store.ts';

const entry = (seq: number, message: string): DecisionEntry => ({
  seq,
  kind: 'gate',
  milestone: 1,
  attempt: 1,
  message,
});

const at = { campaignId: 'c1', prefix: 'campaigns' };
const entryKey = (seq: number) => `campaigns/c1/decisions/${String(seq).padStart(8, '0')}.json`;

describe('appendDecision', () => {
  it('stores each entry as its own object, so concurrent appends lose nothing and none rewrites another', async () => {
    const store = new MemoryStore();
    const seqs = Array.from({ length: 120 }, (_, i) => i + 1).reverse();
    // All in flight at once: a read-modify-write of one file would drop entries here.
    await Promise.all(seqs.map((seq) => appendDecision({ ...at, entry: entry(seq, `decision ${seq}`) }, { store })));
    expect(store.writes).toBe(120);
    expect(new Set(store.written)).toEqual(new Set(seqs.map(entryKey)));
    const largest = Math.max(...store.written.map((k) => store.bytesAt(k).byteLength));
    expect(largest).toBeLessThan(100); // one entry's bytes per write, not the log so far
    const { entries } = await readDecisionLog(store, 'campaigns', 'c1');
    expect(entries.map((e) => e.seq)).toEqual([...seqs].reverse());
    expect(entries[41]!.message).toBe('decision 42');
    expect(store.objects.has('campaigns/c1/decisions.jsonl')).toBe(false); // no closing entry yet
  });

  it('is idempotent by seq: the same entry again writes nothing', async () => {
    const store = new MemoryStore();
    const first = await appendDecision({ ...at, entry: entry(1, 'first') }, { store });
    expect(store.keyOf(first.ref)).toBe(entryKey(1));
    store.resetCounts();
    expect(await appendDecision({ ...at, entry: entry(1, 'first') }, { store })).toEqual(first);
    expect(store.writes).toBe(0);
  });

  it('refuses another entry under a logged seq and keeps the logged one', async () => {
    const store = new MemoryStore();
    await appendDecision({ ...at, entry: entry(3, 'logged') }, { store });
    const before = store.objects.get(entryKey(3))!.sha256;
    const retry = appendDecision({ ...at, entry: entry(3, 'rewritten') }, { store });
    await expect(retry).rejects.toThrow(CampaignInputError);
    await expect(appendDecision({ ...at, entry: entry(3, 'rewritten') }, { store })).rejects.toThrow(
      /decision 3 of c1 is already logged with other content at s3:\/\/test-bucket\/campaigns\/c1\/decisions\/00000003\.json/,
    );
    expect(store.objects.get(entryKey(3))!.sha256).toBe(before);
    expect((await readDecisionLog(store, 'campaigns', 'c1')).entries.map((e) => e.message)).toEqual(['logged']);
  });

  it('regenerates decisions.jsonl from every entry when a closing entry is logged', async () => {
    const store = new MemoryStore();
    await appendDecision({ ...at, entry: entry(2, 'second') }, { store });
    await appendDecision({ ...at, entry: entry(1, 'first') }, { store });
    await appendDecision({ ...at, entry: { ...entry(3, 'done'), kind: 'finalize' } }, { store });
    const view = new TextDecoder().decode(store.bytesAt('campaigns/c1/decisions.jsonl'));
    expect(
      view
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as DecisionEntry).message),
    ).toEqual(['first', 'second', 'done']);
    expect(view).toBe((await readDecisionLog(store, 'campaigns', 'c1')).text);
  });
});

describe('readDecisionLog', () => {
  it('reads a campaign written before entry objects from its decisions.jsonl, and merges entries appended since', async () => {
    const store = new MemoryStore();
    const old = [entry(1, 'old first'), entry(2, 'old second')].map((e) => JSON.stringify(e)).join('\n') + '\n';
    await store.put('campaigns/c1/decisions.jsonl', new TextEncoder().encode(old), { mode: 'mutable' });
    expect((await readDecisionLog(store, 'campaigns', 'c1')).entries.map((e) => e.message)).toEqual([
      'old first',
      'old second',
    ]);
    // A worker on the new layout continues the campaign: both parts, in seq order.
    await appendDecision({ ...at, entry: entry(3, 'new third') }, { store });
    const { entries, text } = await readDecisionLog(store, 'campaigns', 'c1');
    expect(entries.map((e) => [e.seq, e.message])).toEqual([
      [1, 'old first'],
      [2, 'old second'],
      [3, 'new third'],
    ]);
    expect(text.trim().split('\n')).toHaveLength(3);
  });

  it('is empty before the first decision and names the object that is not an entry', async () => {
    const store = new MemoryStore();
    expect(await readDecisionLog(store, 'campaigns', 'c1')).toEqual({ entries: [], text: '' });
    await store.put(entryKey(1), new TextEncoder().encode('{"kind":"gate"}'));
    await expect(readDecisionLog(store, 'campaigns', 'c1')).rejects.toThrow(
      /s3:\/\/test-bucket\/campaigns\/c1\/decisions\/00000001\.json is not a decision entry/,
    );
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
