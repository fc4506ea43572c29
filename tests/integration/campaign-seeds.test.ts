// A campaign with `seeds: [0, 1]` against the real Temporal server and real S3: the seedCampaigns parent starts one
// compressionCampaign child per seed, both running before either ends; each child completes with a held-out verdict,
// and the parent writes seeds.json with the per-seed rows, the spread and the seed rule's verdict. Aborting the parent
// stops every child at its last good model with its lineage written.
import { describe, expect, it } from 'vitest';
import type { SeedsReport } from '../../core/campaign/seeds.ts';
import { abortSignal, type CampaignResult } from '../../workflows/campaign.ts';
import { campaignWorker, activityGate, readDecisions, startFixtureSeedCampaigns } from '../helpers/campaign.ts';
import { replayAndMaybeRecord } from '../helpers/replay.ts';
import { uniqueId, useTemporalAndStore, workflowBundle } from '../helpers/services.ts';

const { temporal: connection, store } = useTemporalAndStore();

describe('a campaign run once per seed', () => {
  it('runs one child per seed in parallel and reports each held-out verdict, the spread and the rule', async () => {
    const taskQueue = uniqueId('seeds-q');
    const id = uniqueId('german-seeds');
    const worker = await campaignWorker(connection().nativeConnection, taskQueue, store);
    const handle = await startFixtureSeedCampaigns(connection().client, store, {
      name: 'german-seeds',
      campaignId: id,
      taskQueue,
    });
    const result = await worker.runUntil(handle.result());

    expect(result).toMatchObject({ campaignId: id, status: 'completed', rule: 'all' });
    expect(result.seeds.map((s) => [s.seed, s.campaignId, s.status])).toEqual([
      [0, `${id}-seed-0`, 'completed'],
      [1, `${id}-seed-1`, 'completed'],
    ]);

    // Two children, started before either finished (they ran side by side on the task queue).
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const startedAt = events.flatMap((e, i) => (e.childWorkflowExecutionStartedEventAttributes ? [i] : []));
    const completedAt = events.flatMap((e, i) => (e.childWorkflowExecutionCompletedEventAttributes ? [i] : []));
    expect(startedAt).toHaveLength(2);
    expect(completedAt).toHaveLength(2);
    expect(Math.max(...startedAt)).toBeLessThan(Math.min(...completedAt));
    const childIds = events.flatMap(
      (e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId ?? [],
    );
    // The server records the two starts in whichever order they were accepted.
    expect([...childIds].sort()).toEqual([`${id}-seed-0`, `${id}-seed-1`]);

    // Each child is a compressionCampaign of its own seed, with its parent on record and a held-out verdict.
    for (const [i, childId] of [`${id}-seed-0`, `${id}-seed-1`].entries()) {
      const child = connection().client.workflow.getHandle(childId);
      const description = await child.describe();
      expect(description).toMatchObject({ type: 'compressionCampaign', status: { name: 'COMPLETED' } });
      expect(description.parentExecution?.workflowId).toBe(id);
      const childResult = (await child.result()) as CampaignResult;
      expect(childResult.heldOut).toMatchObject({ split: 'test' });
      expect(['pass', 'fail', 'insufficient-evidence']).toContain(childResult.heldOut!.status);
      expect(result.seeds[i]!.heldOut).toMatchObject({
        status: childResult.heldOut!.status,
        rows: childResult.heldOut!.rows,
      });
      expect(result.seeds[i]!.finalSparsity).toBe(childResult.final.checkpoint.sparsity);
      const decisions = await readDecisions(store, childId);
      expect(decisions.at(-1)?.kind).toBe('finalize');
    }
    // Different seeds train different models.
    expect(result.seeds[0]!.summary).not.toEqual(result.seeds[1]!.summary);

    // seeds.json in S3: what the result says, with the spread of the final models across both seeds.
    expect(result.report.uri).toBe(`s3://${store.bucket}/campaigns/${id}/seeds.json`);
    const stored = JSON.parse(Buffer.from(await store.get(result.report)).toString()) as SeedsReport & {
      configSha256: string;
    };
    expect(stored).toMatchObject({ kind: 'fairshrink-seeds', campaignId: id, rule: 'all' });
    expect(stored.configSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.seeds.map((s) => s.seed)).toEqual([0, 1]);
    expect(stored.spread.accuracy).toMatchObject({ defined: true, seeds: [0, 1] });
    if (!stored.spread.accuracy.defined) throw new Error('accuracy spread should be defined');
    const accuracies = result.seeds.map((s) => s.summary!.accuracy!);
    expect(stored.spread.accuracy.min).toBe(Math.min(...accuracies));
    expect(stored.spread.accuracy.max).toBe(Math.max(...accuracies));
    expect(Object.keys(stored.spread.equalizedOddsDifference).length).toBeGreaterThan(0);
    expect(stored.heldOutSpread.worstGroupAccuracy).toMatchObject({ defined: true, seeds: [0, 1] });
    // Rule all: the parent passes exactly when both children completed with a passing final gate.
    const allPass = result.seeds.every((s) => s.passed);
    expect(stored.verdict.status).toBe(allPass ? 'pass' : 'fail');
    expect(stored.heldOut.status).not.toBe('none');

    const description = await handle.describe();
    expect(description.searchAttributes.CampaignId).toEqual([id]);
    expect(description.searchAttributes.GateStatus).toEqual([stored.verdict.status]);
    expect(description.searchAttributes.CampaignStatus).toEqual([result.status]);
    await replayAndMaybeRecord(handle, { workflowBundle: workflowBundle() }, 'seed-campaigns-german');
  });

  it('abort of the parent stops every child at its last good model, lineage written', async () => {
    const taskQueue = uniqueId('seeds-abort-q');
    const id = uniqueId('german-seeds-abort');
    const gate = activityGate('finetune');
    const worker = await campaignWorker(connection().nativeConnection, taskQueue, store, gate.interceptors);
    const handle = await startFixtureSeedCampaigns(connection().client, store, {
      name: 'german-seeds',
      campaignId: id,
      taskQueue,
    });
    const result = await worker.runUntil(async () => {
      await gate.entered;
      await handle.signal(abortSignal, { by: 'carol', reason: 'budget spent' });
      gate.release();
      return handle.result();
    });

    expect(result).toMatchObject({ status: 'aborted', reason: 'aborted by carol: budget spent' });
    expect(result.seeds.map((s) => [s.seed, s.status, s.reason])).toEqual([
      [0, 'aborted', 'aborted by carol: budget spent'],
      [1, 'aborted', 'aborted by carol: budget spent'],
    ]);
    for (const seed of result.seeds) {
      const lineage = JSON.parse(Buffer.from(await store.get(seed.lineage!)).toString()) as { status: string };
      expect(lineage.status).toBe('stopped');
      expect((await readDecisions(store, seed.campaignId)).at(-1)?.kind).toBe('stop');
    }
    expect(result.verdict.status).toBe('fail');
    expect(result.heldOut.status).toBe('none');
  });
});
