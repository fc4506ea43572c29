// Kill the worker process (SIGKILL) in the middle of fine-tuning and start a new one: the campaign
// finishes, and the retried fine-tuning resumed from its last heartbeated epoch checkpoint.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import type { StepProgress } from '../../core/campaign/contracts.ts';
import { LOCAL_S3_CREDENTIALS } from '../../core/config/connection.ts';
import { projectPath, readDecisions, startFixtureCampaign } from '../helpers/campaign.ts';
import { connectTemporal, testStore, uniqueId } from '../helpers/services.ts';

let temporal: Awaited<ReturnType<typeof connectTemporal>>;
const store = testStore();
const workers: ChildProcess[] = [];
beforeAll(async () => {
  temporal = await connectTemporal();
});
afterAll(async () => {
  for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
  await temporal.close();
  store.destroy();
});

/** The real production worker: `fairshrink worker`, configured only by environment variables. */
function spawnWorker(taskQueue: string): ChildProcess {
  const child = spawn(process.execPath, [projectPath('bin', 'fairshrink.js'), 'worker'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      FAIRSHRINK_TASK_QUEUE: taskQueue,
      FAIRSHRINK_S3_ENDPOINT: inject('s3Endpoint'),
      FAIRSHRINK_S3_BUCKET: inject('s3Bucket'),
      AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  workers.push(child);
  return child;
}

describe('worker crash during fine-tuning', () => {
  it('resumes the retried fine-tuning from its heartbeat checkpoint on a new worker', async () => {
    const id = uniqueId('adult-crash');
    const taskQueue = uniqueId('crash-q');
    const handle = await startFixtureCampaign(temporal.client, store, {
      name: 'adult-crash',
      campaignId: id,
      taskQueue,
      options: {
        heartbeatTimeout: '5s',
      },
    });
    const first = spawnWorker(taskQueue);

    // Wait until the server holds a heartbeat of the fine-tuning step that carries an epoch checkpoint.
    let heartbeat: StepProgress | undefined;
    for (let i = 0; i < 1200 && !heartbeat; i++) {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      for (const activity of pending) {
        const payload = activity.heartbeatDetails?.payloads?.[0];
        if (activity.activityType?.name !== 'finetune' || !payload) continue;
        const details = defaultPayloadConverter.fromPayload<StepProgress>(payload);
        if (details.checkpoint && details.epoch >= 1) heartbeat = details;
      }
      if (!heartbeat) await new Promise((r) => setTimeout(r, 100));
    }
    expect(heartbeat, 'no fine-tuning heartbeat with an epoch checkpoint').toBeDefined();
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));

    const second = spawnWorker(taskQueue);
    const result = await handle.result();
    second.kill('SIGINT');
    await new Promise((resolve) => second.once('exit', resolve));

    expect(result.status).toBe('completed');
    const milestone = result.milestones[0]!;
    expect(milestone.resumedFromEpoch).toBeGreaterThanOrEqual(heartbeat!.epoch + 1);
    const history = await handle.fetchHistory();
    const finetuneAttempts = history.events
      ?.filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(finetuneAttempts).toContain(2);
    const gate = (await readDecisions(store, id)).find((d) => d.kind === 'gate')!;
    expect(gate.message).toMatch(new RegExp(`resumed at epoch ${milestone.resumedFromEpoch}`));
  });
});
