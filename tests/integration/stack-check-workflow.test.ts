// The template every workflow test follows: a Worker per test on a unique task queue, the shared
// server and bundle from global setup, `worker.runUntil`, then replay of the real history.
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import { stackCheck } from '../../workflows/stack-check.ts';
import { sha256Hex } from '../../core/storage/index.ts';
import { uniqueId, useTemporalAndStore, workflowBundle } from '../helpers/services.ts';
import { replayAndMaybeRecord } from '../helpers/replay.ts';

const { temporal: connection, store } = useTemporalAndStore();

describe('stackCheck workflow', () => {
  it('writes an artifact to S3 through an activity, returns its ref, and replays from its history', async () => {
    const taskQueue = uniqueId('stack-check');
    const worker = await Worker.create({
      connection: connection().nativeConnection,
      namespace: 'fairshrink',
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: createActivities({ store }),
    });
    const workflowId = uniqueId('stack-check-wf');
    const key = `stack-check/${workflowId}.json`;
    const handle = await connection().client.workflow.start(stackCheck, {
      taskQueue,
      workflowId,
      args: [{ key, message: 'integration' }],
    });
    const result = await worker.runUntil(handle.result());

    expect(result.verified).toBe(true);
    expect(result.ref.uri).toBe(`s3://${store.bucket}/${key}`);
    const stored = await store.get(result.ref);
    expect(sha256Hex(stored)).toBe(result.ref.sha256);
    expect(JSON.parse(Buffer.from(stored).toString())).toEqual({
      kind: 'fairshrink-stack-check',
      message: 'integration',
    });

    const history = await replayAndMaybeRecord(handle, { workflowBundle: workflowBundle() }, 'stack-check-golden');
    const scheduled = history.events?.filter((e) => e.activityTaskScheduledEventAttributes) ?? [];
    expect(scheduled.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)).toEqual([
      'writeJsonArtifact',
      'verifyArtifact',
    ]);
  });

  it('fails fast, without retries, when the activity input is invalid', async () => {
    const taskQueue = uniqueId('stack-check-bad');
    const worker = await Worker.create({
      connection: connection().nativeConnection,
      namespace: 'fairshrink',
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: createActivities({ store }),
    });
    const handle = await connection().client.workflow.start(stackCheck, {
      taskQueue,
      workflowId: uniqueId('stack-check-bad-wf'),
      args: [{ key: 'stack-check/../escape.json', message: 'x' }],
    });
    const outcome = await worker.runUntil(
      handle.result().then(
        () => 'completed',
        (err: Error) => err,
      ),
    );
    expect(outcome).toBeInstanceOf(Error);
    const cause = (outcome as Error & { cause?: Error & { cause?: Error & { type?: string } } }).cause?.cause;
    expect(cause?.type).toBe('InvalidInput');
    expect(cause?.message).toMatch(/invalid object key "stack-check\/\.\.\/escape\.json": it has a "\.\." segment/);
    const attempts = (await handle.fetchHistory()).events?.filter((e) => e.activityTaskStartedEventAttributes);
    expect(attempts?.map((e) => e.activityTaskStartedEventAttributes?.attempt)).toEqual([1]);
  });
});
