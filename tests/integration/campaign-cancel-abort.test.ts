// Stopping a campaign early: `abort` (a signal) ends it at the last good model with status
// "aborted" (also under stopAtLastGood: false, which would otherwise fail the campaign); cancelling
// the workflow still runs the compensation (decision + lineage) in a non-cancellable scope, so
// the campaign ends at its last good model with the reason on record.
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { ArtifactRef } from '../../core/storage/index.ts';
import { campaignWorker, readDecisions, startFixtureCampaign, untilReviewPending } from '../helpers/campaign.ts';
import { uniqueId, useTemporalAndStore } from '../helpers/services.ts';
import { abortSignal } from '../../workflows/campaign.ts';

const { temporal: connection, store } = useTemporalAndStore();

describe('stopping a campaign early', () => {
  it('abort ends at the last good model; cancel still records where it stopped', async () => {
    const taskQueue = uniqueId('stop-q');
    const worker = await campaignWorker(connection().nativeConnection, taskQueue, store);
    const abortId = uniqueId('german-abort');
    const cancelId = uniqueId('german-cancel');
    const toAbort = await startFixtureCampaign(connection().client, store, {
      name: 'german-review',
      campaignId: abortId,
      taskQueue,
    });
    const toCancel = await startFixtureCampaign(connection().client, store, {
      name: 'german-review',
      campaignId: cancelId,
      taskQueue,
    });
    // stopAtLastGood: false would fail the campaign (GateFailed) once the review rejects; an abort must still win.
    const strictId = uniqueId('german-abort-strict');
    const toAbortStrict = await startFixtureCampaign(connection().client, store, {
      name: 'german-review-strict',
      campaignId: strictId,
      taskQueue,
    });

    const [aborted, cancelled, abortedStrict] = await worker.runUntil(async () => {
      await untilReviewPending(toAbort);
      await toAbort.signal(abortSignal, { by: 'carol', reason: 'budget spent' });
      await untilReviewPending(toCancel);
      await toCancel.cancel();
      await untilReviewPending(toAbortStrict);
      await toAbortStrict.signal(abortSignal, { by: 'dan', reason: 'wrong data set' });
      return Promise.all([
        toAbort.result(),
        toCancel.result().then(
          () => 'completed',
          (err: unknown) => err,
        ),
        toAbortStrict.result(),
      ]);
    });

    expect(abortedStrict.status).toBe('aborted');
    expect(abortedStrict.reason).toBe('aborted by dan: wrong data set');
    expect(abortedStrict.final.checkpoint.stepKey).toBe('milestone-1/attempt-0/finetune');
    const strictLog = await readDecisions(store, strictId);
    expect(strictLog.some((d) => d.kind === 'fail')).toBe(false);
    expect(strictLog.at(-1)).toMatchObject({ kind: 'stop' });
    expect(strictLog.at(-1)?.message).toMatch(
      /^aborted: aborted by dan: wrong data set\. Final model milestone-1\/attempt-0\/finetune/,
    );
    const strictLineage = JSON.parse(
      Buffer.from((await store.getByKey(`campaigns/${strictId}/lineage.json`)).bytes).toString(),
    ) as { status: string };
    expect(strictLineage.status).toBe('stopped');

    expect(aborted.status).toBe('aborted');
    expect(aborted.reason).toBe('aborted by carol: budget spent');
    expect(aborted.final.checkpoint.stepKey).toBe('milestone-1/attempt-0/finetune');
    const abortLog = await readDecisions(store, abortId);
    expect(abortLog.find((d) => d.kind === 'review')?.review).toEqual({
      reviewer: 'carol',
      reason: 'campaign aborted: budget spent',
      action: 'reject',
    });
    expect(abortLog.at(-1)).toMatchObject({ kind: 'stop' });

    expect(cancelled).toBeInstanceOf(WorkflowFailedError);
    const cancelLog = await readDecisions(store, cancelId);
    expect(cancelLog.at(-1)).toMatchObject({ kind: 'stop' });
    expect(cancelLog.at(-1)?.message).toMatch(
      /^cancelled during .*; the last good model is milestone-1\/attempt-0\/finetune$/,
    );
    const lineage = JSON.parse(
      Buffer.from((await store.getByKey(`campaigns/${cancelId}/lineage.json`)).bytes).toString(),
    ) as {
      status: string;
    };
    expect(lineage.status).toBe('stopped');
    expect(ArtifactRef.safeParse(cancelLog.at(-1)?.checkpoint?.weightsBin).success).toBe(true);
  });
});
