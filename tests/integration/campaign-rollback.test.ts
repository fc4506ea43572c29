// A gate that the second milestone must fail: the campaign rolls back to the last good model,
// backs off (bisect) and finishes on a model that passed; the rejected candidate is kept.
import { describe, expect, it } from 'vitest';
import { campaignWorker, readDecisions, startFixtureCampaign } from '../helpers/campaign.ts';
import { replayAndMaybeRecord } from '../helpers/replay.ts';
import { uniqueId, useTemporalAndStore, workflowBundle } from '../helpers/services.ts';

const { temporal: connection, store } = useTemporalAndStore();

describe('failed gate', () => {
  it('rolls back, backs off and finishes on the last good model without deleting anything', async () => {
    const id = uniqueId('german-rollback');
    const taskQueue = uniqueId('rollback-q');
    const worker = await campaignWorker(connection().nativeConnection, taskQueue, store);
    const handle = await startFixtureCampaign(connection().client, store, {
      name: 'german-rollback',
      campaignId: id,
      taskQueue,
    });
    const result = await worker.runUntil(handle.result());

    const failed = result.milestones.find((m) => m.milestone === 2 && m.attempt === 0)!;
    expect(failed.status).toBe('fail');
    expect(failed.targetSparsity).toBe(0.995);
    expect(failed.reason).toMatch(/balanced_accuracy/);
    const retry = result.milestones.find((m) => m.milestone === 2 && m.attempt === 1)!;
    expect(retry.targetSparsity).toBeCloseTo((result.milestones[0]!.achievedSparsity + 0.995) / 2, 3);

    // The final model is one whose gate passed, never the rejected candidate.
    const passed = result.milestones.filter((m) => m.status === 'pass').map((m) => `${m.stepKey}/finetune`);
    expect(passed).toContain(result.final.checkpoint.stepKey);
    expect(result.final.checkpoint.sparsity).toBeLessThan(0.99);

    // The rejected candidate is still in S3, intact, with a rejection note beside it.
    const rejectedStep = `${failed.stepKey}/finetune`;
    const files = (await store.list(`campaigns/${id}/${rejectedStep}/`)).map((o) => o.key.split('/').pop());
    expect(files).toEqual(expect.arrayContaining(['model.json', 'weights.bin', 'masks.bin', 'rejected.json']));
    const note = JSON.parse(
      Buffer.from((await store.getByKey(`campaigns/${id}/${rejectedStep}/rejected.json`)).bytes).toString(),
    );
    expect(JSON.stringify(note)).toMatch(/balanced_accuracy/);

    const decisions = await readDecisions(store, id);
    const rollback = decisions.find((d) => d.kind === 'rollback')!;
    expect(rollback.milestone).toBe(2);
    expect(rollback.message).toMatch(/rolled back to milestone-1\/attempt-0\/finetune/);
    expect(decisions.find((d) => d.kind === 'retry')?.message).toMatch(/bisect/);
    await replayAndMaybeRecord(handle, { workflowBundle: workflowBundle() }, 'campaign-german-rollback');
  });
});
