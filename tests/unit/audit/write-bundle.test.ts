// writeAuditBundle downloads every object the campaign references and hashes it against the sha256 the campaign
// recorded: a changed or deleted object is a problem naming its key (the CLI exits 1 on any), and the bundle is
// still written. In-memory S3, no Temporal: the snapshot is what the CLI would read from Temporal.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeAuditBundle, type CampaignSnapshot } from '../../../core/audit/index.ts';
import type { CampaignInput, CheckpointRef, DecisionEntry } from '../../../core/campaign/contracts.ts';
import { CampaignConfig } from '../../../core/config/campaign.ts';
import { MemoryStore } from '../campaign/memory-store.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const bytes = (text: string) => new TextEncoder().encode(text);

/** A failed campaign's objects in the store (no lineage: checkpoints come from its decision log) and its snapshot. */
async function failedCampaign(store: MemoryStore): Promise<CampaignSnapshot> {
  const root = 'campaigns/c1';
  const checkpoint = async (stepKey: string): Promise<CheckpointRef> => ({
    stepKey,
    modelJson: await store.put(`${root}/${stepKey}/model.json`, bytes(`{"step":"${stepKey}"}`)),
    weightsBin: await store.put(`${root}/${stepKey}/weights.bin`, bytes(`weights of ${stepKey}`)),
    sparsity: 0,
    parameters: 10,
    nonzeros: 10,
  });
  const baseline = await checkpoint('baseline');
  const pruned = await checkpoint('milestone-1/attempt-1/prune');
  const entries: DecisionEntry[] = [
    { seq: 1, kind: 'baseline', milestone: null, attempt: null, message: 'trained', checkpoint: baseline },
    { seq: 2, kind: 'prune', milestone: 1, attempt: 1, message: 'pruned', checkpoint: pruned },
  ];
  const input: CampaignInput = {
    campaignId: 'c1',
    config: CampaignConfig.parse({
      version: 1,
      name: 'audit-test',
      seed: 3,
      dataset: 'data.yaml',
      model: { kind: 'train', mlp: { hidden: [{ units: 4 }] } },
      compression: { schedule: { kind: 'constant', sparsity: 0.5 } },
      rubric: 'rubric.yaml',
    }),
    configSha256: 'a'.repeat(64),
    datasetSpec: await store.put('datasets/sources/spec', bytes('{"name":"d"}')),
    datasetSources: [{ path: 'data.csv', ref: await store.put('datasets/sources/data', bytes('x,y\n1,0\n')) }],
    rubric: { version: 1, name: 'r', uncertainty: 'ci_bound', constraints: [] },
    code: { gitCommit: 'abc', gitDirty: false, lockfileSha256: null },
  };
  return {
    campaignId: 'c1',
    input,
    prefix: root,
    status: 'FAILED',
    result: null,
    failure: 'the prune step failed',
    historyText: '{"workflowId":"c1","history":{"events":[]}}\n',
    runIds: ['run-1'],
    decisions: { entries, text: entries.map((e) => JSON.stringify(e)).join('\n') + '\n' },
  };
}

async function outDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fairshrink-audit-write-'));
  dirs.push(dir);
  return dir;
}

describe('writeAuditBundle checks every object the campaign references', () => {
  it('reports no problem when every data set file and checkpoint file matches its sha256', async () => {
    const store = new MemoryStore();
    const summary = await writeAuditBundle(await failedCampaign(store), store, await outDir());
    expect(summary.problems).toEqual([]);
    expect(summary.verifiedObjects).toBe(6); // spec, one source, two files of each of two checkpoints
  });

  it('names the key of a corrupted checkpoint file and of a deleted one, and still writes the bundle', async () => {
    const store = new MemoryStore();
    const snapshot = await failedCampaign(store);
    const corrupted = 'campaigns/c1/milestone-1/attempt-1/prune/weights.bin';
    const stored = store.objects.get(corrupted)!;
    store.objects.set(corrupted, { ...stored, bytes: bytes('flipped bits') });
    store.objects.delete('campaigns/c1/baseline/model.json');
    const dir = await outDir();
    const summary = await writeAuditBundle(snapshot, store, dir);
    expect(summary.problems).toEqual([
      'campaigns/c1/baseline/model.json (checkpoint baseline modelJson) is missing: no object at s3://test-bucket/campaigns/c1/baseline/model.json',
      `${corrupted} (checkpoint milestone-1/attempt-1/prune weightsBin) does not match its recorded sha256: integrity check failed for s3://test-bucket/${corrupted}`,
    ]);
    expect(summary.verifiedObjects).toBe(4);
    expect(existsSync(path.join(dir, 'MANIFEST.json'))).toBe(true);
    expect(summary.files.map((f) => f.path)).toContain('checkpoints.json');
  });

  it('names a changed data set source', async () => {
    const store = new MemoryStore();
    const snapshot = await failedCampaign(store);
    const source = store.objects.get('datasets/sources/data')!;
    store.objects.set('datasets/sources/data', { ...source, bytes: bytes('x,y\n1,1\n') });
    const summary = await writeAuditBundle(snapshot, store, await outDir());
    expect(summary.problems).toEqual([
      expect.stringMatching(
        /^datasets\/sources\/data \(data set source data\.csv\) does not match its recorded sha256: /,
      ),
    ]);
  });
});
