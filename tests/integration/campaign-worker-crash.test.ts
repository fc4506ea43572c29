// Kill the worker process (SIGKILL) in the middle of fine-tuning and start a new one: the campaign
// finishes, and the retried fine-tuning resumed from its last heartbeated epoch checkpoint. The crash point is made
// deterministic by the worker's test fault hook (activities/faults.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { TEST_FAULT_VARIABLE } from '../../activities/faults.ts';
import type { StepProgress } from '../../core/campaign/contracts.ts';
import { projectPath, readDecisions, startFixtureCampaign } from '../helpers/campaign.ts';
import { connectTemporal, testStackEnv, testStore, uniqueId } from '../helpers/services.ts';

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

interface SpawnedWorker {
  process: ChildProcess;
  /** Everything the worker wrote on stderr so far (attached to failures). */
  stderr: () => string;
}

/** The real production worker: `fairshrink worker`, configured only by environment variables. */
function spawnWorker(taskQueue: string, extraEnv: Record<string, string> = {}): SpawnedWorker {
  const child = spawn(process.execPath, [projectPath('bin', 'fairshrink.js'), 'worker'], {
    env: { ...process.env, ...testStackEnv(taskQueue), ...extraEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  workers.push(child);
  return { process: child, stderr: () => stderr };
}

function checkpointedFinetuneHeartbeat(pending: PendingActivity[]): StepProgress | undefined {
  for (const activity of pending) {
    const payload = activity.heartbeatDetails?.payloads?.[0];
    if (activity.activityType?.name !== 'finetune' || !payload) continue;
    const details = defaultPayloadConverter.fromPayload<StepProgress>(payload);
    if (details.checkpoint && details.epoch >= 1) return details;
  }
  return undefined;
}

type PendingActivity = NonNullable<Awaited<ReturnType<WorkflowHandle['describe']>>['raw']['pendingActivities']>[number];

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
    // The first worker stops fine-tuning right after heartbeating its epoch-1 checkpoint and stays there (still
    // heartbeating) until it is killed: the crash point is a recorded fact, not a moment raced against.
    const first = spawnWorker(taskQueue, { [TEST_FAULT_VARIABLE]: 'pause-after-checkpoint:finetune:1' });

    let heartbeat: StepProgress | undefined;
    let lastSeen = 'nothing';
    const deadline = Date.now() + 150_000;
    while (heartbeat === undefined) {
      const description = await handle.describe();
      const context = () =>
        `campaign ${description.status.name}; last pending activities: ${lastSeen}\nfirst worker's stderr:\n${first.stderr()}`;
      if (description.status.name !== 'RUNNING')
        throw new Error(`the campaign closed before the crash point: ${context()}`);
      if (first.process.exitCode !== null)
        throw new Error(`the first worker exited (${first.process.exitCode}): ${context()}`);
      if (Date.now() > deadline) throw new Error(`no fine-tuning heartbeat with an epoch checkpoint: ${context()}`);
      const pending = description.raw.pendingActivities ?? [];
      lastSeen = JSON.stringify(
        pending.map((a) => ({ type: a.activityType?.name, attempt: a.attempt, state: a.state })),
      );
      heartbeat = checkpointedFinetuneHeartbeat(pending);
      if (heartbeat === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(first.stderr()).toMatch(/fault: paused finetune after the heartbeat of its epoch-1 checkpoint/);
    first.process.kill('SIGKILL');
    await new Promise((resolve) => first.process.once('exit', resolve));

    const second = spawnWorker(taskQueue);
    const result = await handle.result().catch((err: unknown) => {
      throw new Error(
        `the campaign failed after the crash: ${String(err)}\nsecond worker's stderr:\n${second.stderr()}`,
      );
    });
    second.process.kill('SIGINT');
    await new Promise((resolve) => second.process.once('exit', resolve));

    expect(result.status).toBe('completed');
    const milestone = result.milestones[0]!;
    // Resumed, not restarted: the retried attempt continued after the checkpointed epoch (>= 1).
    expect(heartbeat.epoch).toBeGreaterThanOrEqual(1);
    expect(milestone.resumedFromEpoch).toBe(heartbeat.epoch + 1);
    const history = await handle.fetchHistory();
    const finetuneAttempts = history.events
      ?.filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(finetuneAttempts).toContain(2);
    const gate = (await readDecisions(store, id)).find((d) => d.kind === 'gate')!;
    expect(gate.message).toMatch(new RegExp(`resumed at epoch ${milestone.resumedFromEpoch}`));
  });
});
