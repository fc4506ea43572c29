// A small campaign end to end against the real Temporal server and real S3: every artifact it
// references verifies, the history carries only small payloads and replays, and running the same
// campaign again gives identical checkpoints and decisions.
import { describe, expect, it } from 'vitest';
import type { CampaignResult } from '../../workflows/campaign.ts';
import { ArtifactRef } from '../../core/storage/index.ts';
import type { DecisionEntry } from '../../core/campaign/contracts.ts';
import {
  campaignInput,
  campaignWorker,
  fixtureCampaign,
  payloadSizes,
  readDecisions,
  startCampaign,
} from '../helpers/campaign.ts';
import { replayAndMaybeRecord } from '../helpers/replay.ts';
import { uniqueId, useTemporalAndStore, workflowBundle } from '../helpers/services.ts';

const { temporal: connection, store } = useTemporalAndStore();

async function runCampaign(name: string): Promise<{ id: string; result: CampaignResult; decisions: DecisionEntry[] }> {
  const id = uniqueId(name);
  const taskQueue = uniqueId('campaign-q');
  const worker = await campaignWorker(connection().nativeConnection, taskQueue, store);
  const handle = await startCampaign(
    connection().client,
    await campaignInput(fixtureCampaign(name), store, id),
    taskQueue,
  );
  const result = await worker.runUntil(handle.result());
  return { id, result, decisions: await readDecisions(store, id) };
}

/** Every `{ uri, sha256, bytes }` inside a JSON value. */
function refsIn(value: unknown, out: ArtifactRef[] = []): ArtifactRef[] {
  if (value === null || typeof value !== 'object') return out;
  const parsed = ArtifactRef.safeParse(value);
  if (parsed.success) out.push(parsed.data);
  for (const child of Object.values(value as Record<string, unknown>)) refsIn(child, out);
  return out;
}

let first: Awaited<ReturnType<typeof runCampaign>>;

describe('compression campaign end to end', () => {
  it('finishes with checkpoints, lineage and decision log in S3 whose sha256s match their refs', async () => {
    first = await runCampaign('german-pass');
    const { id, result, decisions } = first;
    expect(result.status).toBe('completed');
    expect(result.milestones.map((m) => [m.milestone, m.attempt, m.status])).toEqual([
      [1, 0, 'pass'],
      [2, 0, 'pass'],
    ]);
    expect(result.final.checkpoint.sparsity).toBeGreaterThanOrEqual(0.5 - 1e-9);

    const lineage = JSON.parse(Buffer.from(await store.get(result.lineage)).toString()) as unknown;
    const refs = [...refsIn(result), ...refsIn(lineage)];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      expect(ref.uri.startsWith(`s3://${store.bucket}/`)).toBe(true);
      const bytes = await store.get(ref); // throws on any sha256 or size mismatch
      expect(bytes.byteLength).toBe(ref.bytes);
    }
    const checkpointFiles = (await store.list(`campaigns/${id}/`)).map((o) => o.key.slice(`campaigns/${id}/`.length));
    expect(checkpointFiles).toEqual(
      expect.arrayContaining([
        'baseline/model.json',
        'baseline/weights.bin',
        'lineage.json',
        'decisions.jsonl',
        'report.html',
      ]),
    );
    expect(checkpointFiles.filter((k) => k.endsWith('/masks.bin')).length).toBeGreaterThanOrEqual(2);

    expect(decisions.map((d) => d.seq)).toEqual(decisions.map((_, i) => i + 1));
    expect(new Set(decisions.map((d) => d.kind))).toEqual(
      new Set(['baseline', 'prune', 'gate', 'accept', 'quantize', 'held-out', 'finalize']),
    );
    // The held-out verdict judges the shipped export on the test split, after every decision and outside the gates.
    const kinds = decisions.map((d) => d.kind);
    expect(kinds.indexOf('held-out')).toBe(kinds.length - 2);
    const heldOut = result.heldOut!;
    const manifest = lineage as {
      data: { rows: { test: number } };
      gates: { stepKey: string }[];
      heldOut: { split: string; checkpoint: string; status: string; report: ArtifactRef };
    };
    expect(heldOut).toMatchObject({ split: 'test', checkpoint: result.export!.checkpoint.stepKey });
    expect(heldOut.rows).toBe(manifest.data.rows.test);
    expect(manifest.heldOut).toMatchObject({ split: 'test', checkpoint: heldOut.checkpoint, status: heldOut.status });
    expect(manifest.gates.map((g) => g.stepKey)).not.toContain('held-out');
    const heldOutReport = JSON.parse(Buffer.from(await store.get(manifest.heldOut.report)).toString()) as {
      rows: number;
    };
    expect(heldOutReport.rows).toBe(manifest.data.rows.test);
    expect(decisions.at(-2)?.message).toMatch(/^held-out verdict on the test split \(\d+ rows no gate/);
    expect(decisions.find((d) => d.kind === 'gate')?.gate?.constraints[0]?.reason).toMatch(/balanced_accuracy/);
  });

  it('keeps every history payload under 64 KB, keeps search attributes current and replays', async () => {
    const handle = connection().client.workflow.getHandle(first.id);
    const history = await handle.fetchHistory();
    const sizes = payloadSizes(history);
    expect(sizes.length).toBeGreaterThan(20);
    expect(Math.max(...sizes)).toBeLessThan(64 * 1024);

    const description = await handle.describe();
    expect(description.searchAttributes.CampaignId).toEqual([first.id]);
    // GateStatus holds the latest gate's verdict; where the campaign stands is CampaignStatus (campaign-status-attribute).
    expect(description.searchAttributes.GateStatus).toEqual(['pass']);
    expect(description.searchAttributes.CampaignStatus).toEqual(['completed']);
    expect(description.searchAttributes.Milestone).toEqual([2]);

    // The dashboard refresh was added with patched(): new histories carry the patch marker.
    const markers = history.events?.filter((e) => e.markerRecordedEventAttributes) ?? [];
    expect(markers.length).toBeGreaterThan(0);
    await replayAndMaybeRecord(handle, { workflowBundle: workflowBundle() }, 'campaign-german-pass-held-out');
  });

  it('gives identical checkpoint sha256s and decisions when the same campaign runs again', async () => {
    const second = await runCampaign('german-pass');
    const checkpointShas = (r: CampaignResult) =>
      [r.baseline, ...r.milestones.map(() => null), r.final].flatMap((m) =>
        m ? [m.checkpoint.weightsBin.sha256, m.checkpoint.modelJson.sha256] : [],
      );
    expect(checkpointShas(second.result)).toEqual(checkpointShas(first.result));
    expect(second.result.milestones.map((m) => m.summary)).toEqual(first.result.milestones.map((m) => m.summary));
    const comparable = (d: DecisionEntry) => ({
      ...d,
      checkpoint: d.checkpoint && {
        ...d.checkpoint,
        modelJson: d.checkpoint.modelJson.sha256,
        weightsBin: d.checkpoint.weightsBin.sha256,
        masks: d.checkpoint.masks?.sha256,
        int8: d.checkpoint.int8?.sha256,
        export: d.checkpoint.export && {
          ...d.checkpoint.export,
          files: d.checkpoint.export.files.map((f) => [f.name, f.ref.sha256]),
          // sizes.json lists each file's S3 URI, which names the campaign: equal campaigns differ there only.
          sizes: undefined,
        },
      },
    });
    expect(second.decisions.map(comparable)).toEqual(first.decisions.map(comparable));
  });
});
