// A campaign that fails its gates for good (stopAtLastGood: false, no retries) still records its ending: a `fail`
// line in the decision log naming the last good model, lineage.json with status failed, and a dashboard that says so.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { campaignWorker, readDecisions, startFixtureCampaign } from '../helpers/campaign.ts';
import { replayAndMaybeRecord } from '../helpers/replay.ts';
import { uniqueId, useTemporalAndStore, workflowBundle } from '../helpers/services.ts';

const { temporal: connection, store } = useTemporalAndStore();

describe('a campaign that fails its gates', () => {
  it('ends GateFailed with its final decision, lineage and dashboard on record', async () => {
    const id = uniqueId('german-fail');
    const taskQueue = uniqueId('fail-q');
    const worker = await campaignWorker(connection().nativeConnection, taskQueue, store);
    const handle = await startFixtureCampaign(connection().client, store, {
      name: 'german-fail',
      campaignId: id,
      taskQueue,
    });
    const failure = await worker.runUntil(
      handle.result().then(
        () => undefined,
        (err: unknown) => err,
      ),
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('GateFailed');
    expect((cause as ApplicationFailure).message).toMatch(/^milestone 2: no passing model after 1 attempts/);

    const decisions = await readDecisions(store, id);
    const last = decisions.at(-1)!;
    expect(last.kind).toBe('fail');
    expect(last.message).toMatch(/^failed: milestone 2: .* The last good model is milestone-1\/attempt-0\/finetune$/);
    expect(last.checkpoint?.stepKey).toBe('milestone-1/attempt-0/finetune');

    const lineage = JSON.parse(
      Buffer.from((await store.getByKey(`campaigns/${id}/lineage.json`)).bytes).toString(),
    ) as { status: string; gates: { stepKey: string; status: string }[] };
    expect(lineage.status).toBe('failed');
    expect(lineage.gates.map((g) => [g.stepKey, g.status])).toContainEqual(['milestone-2/attempt-0', 'fail']);
    const report = Buffer.from((await store.getByKey(`campaigns/${id}/report.html`)).bytes).toString();
    expect(report).toMatch(/✗ failed/);
    await replayAndMaybeRecord(handle, { workflowBundle: workflowBundle() }, 'campaign-german-fail');
  });
});
