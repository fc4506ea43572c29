// `fairshrink worker` as a user starts it: workflows in the worker process, every regular activity in the compute
// process it forks. A campaign completes with every activity run by the compute process and every workflow task by
// the worker process; the compute process never outlives the worker (SIGKILL), and SIGTERM stops both gracefully.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { projectPath, startFixtureCampaign } from '../helpers/campaign.ts';
import { isRunning, untilGone } from '../helpers/processes.ts';
import { replayAndMaybeRecord } from '../helpers/replay.ts';
import { testStackEnv, uniqueId, useTemporalAndStore, workflowBundle } from '../helpers/services.ts';

const { temporal, store } = useTemporalAndStore();
const spawned: ChildProcess[] = [];
const computePids: number[] = [];
afterAll(() => {
  for (const worker of spawned) if (worker.exitCode === null) worker.kill('SIGKILL');
  for (const pid of computePids) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
});

interface StartedWorker {
  process: ChildProcess;
  /** Every compute process it forked, in the order it named them. */
  computePids: number[];
  /** The first (with the default one compute process, the only one). */
  computePid: number;
  output: () => string;
}

/**
 * Spawns `fairshrink worker <args>` on the test stack and waits until the worker process and every compute process
 * it names ("run in process N" or "run in processes N, M, …") poll the task queue.
 */
async function startWorker(taskQueue: string, args: string[] = []): Promise<StartedWorker> {
  const child = spawn(process.execPath, [projectPath('bin', 'fairshrink.js'), 'worker', ...args], {
    env: { ...process.env, ...testStackEnv(taskQueue) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const deadline = Date.now() + 150_000;
  for (;;) {
    const forked = /compute activities run in process(?:es)? (\d+(?:, \d+)*)/.exec(output);
    const pids = forked ? forked[1]!.split(', ').map(Number) : [];
    const polling = pids.every((pid) => output.includes(`worker[compute ${pid}]: polling "${taskQueue}" (activities)`));
    if (
      pids.length > 0 &&
      polling &&
      output.includes(`worker: polling "${taskQueue}" (workflows + local activities)`)
    ) {
      computePids.push(...pids);
      return { process: child, computePids: pids, computePid: pids[0]!, output: () => output };
    }
    if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) throw new Error(`the worker did not start all its processes:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('fairshrink worker, forked layout', () => {
  it('runs a campaign with every activity in the compute process, which dies with a killed worker', async () => {
    const taskQueue = uniqueId('forked-q');
    const worker = await startWorker(taskQueue);
    const handle = await startFixtureCampaign(temporal().client, store, {
      name: 'german-pass',
      campaignId: uniqueId('german-forked'),
      taskQueue,
    });
    const result = await handle.result().catch((err: unknown) => {
      throw new Error(`the campaign failed: ${String(err)}\nworker output:\n${worker.output()}`);
    });
    expect(result.status).toBe('completed');

    // Who did what, as the server recorded it: a worker's identity is `<pid>@<host>`.
    const events = (await handle.fetchHistory()).events ?? [];
    const activityIdentities = events.flatMap((e) =>
      e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.identity ?? ''] : [],
    );
    const workflowTaskIdentities = events.flatMap((e) =>
      e.workflowTaskCompletedEventAttributes ? [e.workflowTaskCompletedEventAttributes.identity ?? ''] : [],
    );
    expect(activityIdentities.length).toBeGreaterThan(5);
    expect(new Set(activityIdentities.map((id) => id.split('@')[0]))).toEqual(new Set([String(worker.computePid)]));
    expect(new Set(workflowTaskIdentities.map((id) => id.split('@')[0]))).toEqual(
      new Set([String(worker.process.pid)]),
    );
    // Bookkeeping (decision log, gates, lineage) ran as local activities in the worker process; the dashboard render
    // is a regular activity (report-off-workflow-process), so the compute process ran it, like every regular one.
    const localActivities = events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
    expect(localActivities.length).toBeGreaterThan(0);
    const renders = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'renderReport');
    expect(renders.length).toBeGreaterThanOrEqual(2);

    // Where the campaign stands is CampaignStatus; GateStatus keeps the latest gate's verdict (campaign-status-attribute).
    const description = await handle.describe();
    expect(description.searchAttributes.CampaignStatus).toEqual(['completed']);
    expect(description.searchAttributes.GateStatus).toEqual(['pass']);
    // Loading the data and evaluating are heartbeated with a fixed 1-minute timeout (heartbeated-data-steps), so
    // a worker dying in one is noticed in a minute, not after the old 10-minute start-to-close timeout.
    for (const name of ['prepareDataset', 'evaluate']) {
      const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name);
      expect(scheduled.length, name).toBeGreaterThan(0);
      for (const e of scheduled)
        expect(Number(e.activityTaskScheduledEventAttributes!.heartbeatTimeout?.seconds)).toBe(60);
    }
    // The dashboard render is heartbeated too (heartbeated-report): a worker dying mid-render is noticed in a minute,
    // not after the render's 5-minute start-to-close timeout.
    for (const e of renders) expect(Number(e.activityTaskScheduledEventAttributes!.heartbeatTimeout?.seconds)).toBe(60);
    // campaign-german-pass-forked and campaign-german-heartbeated-data-steps (kept as recorded) came before
    // heartbeated-report; this one is after it.
    await replayAndMaybeRecord(handle, { workflowBundle: workflowBundle() }, 'campaign-german-heartbeated-report');

    expect(isRunning(worker.computePid)).toBe(true);
    worker.process.kill('SIGKILL');
    expect(await untilGone(worker.computePid, 5000)).toBe(true);
  });

  it('stops both processes gracefully on SIGTERM', async () => {
    const worker = await startWorker(uniqueId('forked-term-q'));
    const exited = new Promise<number | null>((resolve) => worker.process.once('exit', (code) => resolve(code)));
    worker.process.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await untilGone(worker.computePid, 5000)).toBe(true);
    expect(worker.output()).toContain(`worker: compute process ${worker.computePid} stopped`);
    expect(worker.output()).not.toMatch(/restarting in/);
  });

  it('runs two campaigns side by side in two compute processes (--compute-processes 2), and stops them all', async () => {
    const taskQueue = uniqueId('forked-two-q');
    const worker = await startWorker(taskQueue, ['--compute-processes', '2']);
    const pids = worker.computePids;
    expect(worker.output()).toMatch(/compute activities run in processes \d+, \d+/);
    expect(new Set(pids).size).toBe(2);

    // Started together, each campaign's first step (loading its data) is pending while the other's runs: a compute
    // process with its one activity slot taken stops polling, so the other process takes it.
    const handles = await Promise.all(
      [1, 2].map((k) =>
        startFixtureCampaign(temporal().client, store, {
          name: 'german-pass',
          campaignId: uniqueId(`german-two-${k}`),
          taskQueue,
        }),
      ),
    );
    for (const handle of handles) {
      const result = await handle.result().catch((err: unknown) => {
        throw new Error(`a campaign failed: ${String(err)}\nworker output:\n${worker.output()}`);
      });
      expect(result.status).toBe('completed');
    }
    const identities = new Set<string>();
    for (const handle of handles)
      for (const e of (await handle.fetchHistory()).events ?? [])
        if (e.activityTaskStartedEventAttributes)
          identities.add(e.activityTaskStartedEventAttributes.identity!.split('@')[0]!);
    expect(identities).toEqual(new Set(pids.map(String)));

    const exited = new Promise<number | null>((resolve) => worker.process.once('exit', (code) => resolve(code)));
    worker.process.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of pids) expect(await untilGone(pid, 5000)).toBe(true);
  });
});
