// A campaign that continues as new after every milestone carries only refs and small records across runs, finishes
// with the same models, decisions and metrics as one run, and keeps a pause that arrived in the previous run.
import { describe, expect, it } from 'vitest';
import type { DecisionEntry } from '../../core/campaign/contracts.ts';
import { pauseSignal, resumeSignal, type CampaignResult } from '../../workflows/campaign.ts';
import { replayAndMaybeRecord } from '../helpers/replay.ts';
import {
  activityGate,
  campaignWorker,
  payloadSizes,
  queryState,
  readDecisions,
  startFixtureCampaign,
} from '../helpers/campaign.ts';
import { uniqueId, useTemporalAndStore, workflowBundle } from '../helpers/services.ts';

const { temporal: connection, store } = useTemporalAndStore();

/** What must not depend on how many runs a campaign took: models, gate verdicts, metrics, decisions. */
function outcome(result: CampaignResult, decisions: DecisionEntry[]) {
  return {
    status: result.status,
    final: result.final.checkpoint.weightsBin.sha256,
    masks: result.final.checkpoint.masks?.sha256 ?? null,
    milestones: result.milestones.map((m) => ({ ...m })),
    decisions: decisions.map((d) => ({ seq: d.seq, kind: d.kind, message: d.message, summary: d.summary })),
  };
}

describe('continueAsNew at milestone boundaries', () => {
  it('finishes across runs with the same result as one run, and a pause carries into the next run', async () => {
    const taskQueue = uniqueId('can-q');

    // One run, undisturbed: the reference.
    const oneRunId = uniqueId('german-one');
    const plainWorker = await campaignWorker(connection().nativeConnection, taskQueue, store);
    const oneRun = await startFixtureCampaign(connection().client, store, {
      name: 'german-pass',
      campaignId: oneRunId,
      taskQueue,
    });
    const single = await plainWorker.runUntil(oneRun.result());
    const reference = outcome(single, await readDecisions(store, oneRunId));

    // A run per milestone, paused while milestone 1 fine-tunes: the pause must hold at milestone 2 in the next run.
    const id = uniqueId('german-can');
    const gate = activityGate('finetune');
    const worker = await campaignWorker(connection().nativeConnection, taskQueue, store, gate.interceptors);
    const handle = await startFixtureCampaign(connection().client, store, {
      name: 'german-pass',
      campaignId: id,
      taskQueue,
      options: { milestonesPerRun: 1 },
    });
    const result = await worker.runUntil(async () => {
      await gate.entered;
      await handle.signal(pauseSignal, { by: 'test', reason: 'hold at the next boundary' });
      expect((await queryState(handle)).paused).toBe(true);
      gate.release();

      const next = connection().client.workflow.getHandle(id);
      let state = await queryState(next);
      for (let i = 0; i < 600 && (await next.describe()).runId === handle.firstExecutionRunId; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect((await next.describe()).runId).not.toBe(handle.firstExecutionRunId);
      // The new run is waiting at milestone 2's boundary, and still is a while later: nothing was pruned.
      for (const wait of [0, 1500]) {
        await new Promise((r) => setTimeout(r, wait));
        state = await queryState(next);
        expect(state).toMatchObject({ paused: true, milestone: 2, currentStep: null });
        expect((await readDecisions(store, id)).some((d) => d.kind === 'prune' && d.milestone === 2)).toBe(false);
      }
      await next.signal(resumeSignal, { by: 'test' });
      return next.result();
    });

    expect(result.status).toBe('completed');
    expect(outcome(result, await readDecisions(store, id))).toEqual(reference);

    const firstRun = connection().client.workflow.getHandle(id, handle.firstExecutionRunId);
    const firstHistory = await firstRun.fetchHistory();
    const last = firstHistory.events?.at(-1);
    expect(last?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    // What crosses the run boundary is small: refs and records, never weights or rows.
    expect(Math.max(...payloadSizes(last))).toBeLessThan(32 * 1024);
    await replayAndMaybeRecord(firstRun, { workflowBundle: workflowBundle() }, 'campaign-german-continue-paused');
  });
});
