// `fairshrink up | down | status` on its own state folder and ports: both services come up
// healthy, `down` leaves no process behind, and a second `up` still has the workflow history
// (SQLite) and the S3 objects.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { connectionSettings } from '../../core/config/connection.ts';
import { ArtifactStore } from '../../core/storage/index.ts';
import { freePort, freeRestartablePort, isAlive, portInUse, stopProcess } from '../../infra/process.ts';
import { stackDown, stackStatus, stackUp } from '../../infra/stack.ts';

const home = mkdtempSync(path.join(os.tmpdir(), 'fairshrink-stack-'));

// The stack is stopped and started again on the same ports, so they come from below the ephemeral range: a restart
// on a released ephemeral port failed once when another process's connection had taken it (freeRestartablePort).
async function stackEnv(): Promise<Record<string, string>> {
  const taken = new Set<number>();
  return {
    FAIRSHRINK_HOME: home,
    FAIRSHRINK_TEMPORAL_PORT: String(await freeRestartablePort(taken)),
    FAIRSHRINK_TEMPORAL_UI_PORT: String(await freeRestartablePort(taken)),
    FAIRSHRINK_S3_PORT: String(await freeRestartablePort(taken, [10_000])),
    // SeaweedFS's master, volume and filer: base, base + 1, base + 2, each with its gRPC port + 10000.
    FAIRSHRINK_SEAWEED_BASE_PORT: String(await freeRestartablePort(taken, [1, 2, 10_000, 10_001, 10_002])),
  };
}

/**
 * Ends a stack whose `down` is not under test any more (the first stop is): killed, not stopped, so the test does not
 * wait out SeaweedFS's graceful filer stop a second time (about 15 s, hard-coded in SeaweedFS).
 */
async function killStack(env: Record<string, string>): Promise<void> {
  const status = await stackStatus(env);
  for (const pid of [status.temporal.pid, status.s3.pid]) {
    if (pid !== undefined) await stopProcess(pid, { signal: 'SIGKILL', graceMs: 5_000 });
  }
}

afterAll(async () => {
  await stackDown({ FAIRSHRINK_HOME: home });
  rmSync(home, { recursive: true, force: true });
});

describe('local stack lifecycle', () => {
  it('starts healthy, stops without leftovers, and keeps history and objects across restarts', async () => {
    const env = await stackEnv();
    const up = await stackUp(env);
    expect(up.temporal).toMatchObject({ running: true, healthy: true });
    expect(up.s3).toMatchObject({ running: true, healthy: true });
    const pids = [up.temporal.pid!, up.s3.pid!];
    expect(pids.every(isAlive)).toBe(true);

    // `up` again while running is a no-op that reports the same processes.
    const again = await stackUp(env);
    expect([again.temporal.pid, again.s3.pid]).toEqual(pids);

    const settings = connectionSettings(env);
    const store = new ArtifactStore(settings.s3);
    const ref = await store.put('persist/check.txt', new TextEncoder().encode('still here'));
    let connection = await Connection.connect({ address: settings.temporal.address });
    let client = new Client({ connection, namespace: settings.temporal.namespace });
    // No worker polls this queue, so the workflow stays open across the restart.
    await client.workflow.start('notRegistered', { taskQueue: 'nobody-polls', workflowId: 'persist-check' });
    await connection.close();
    store.destroy();

    // Both stop by themselves on SIGTERM, within their grace: nothing is force-killed.
    const stopped: string[] = [];
    await stackDown(env, (line) => stopped.push(line));
    expect(stopped).toEqual([`temporal stopped (pid ${pids[0]})`, `s3 stopped (pid ${pids[1]})`]);
    expect(pids.some(isAlive)).toBe(false);
    expect(await portInUse(Number(env.FAIRSHRINK_TEMPORAL_PORT))).toBe(false);
    expect(await portInUse(Number(env.FAIRSHRINK_S3_PORT))).toBe(false);
    const down = await stackStatus(env);
    expect(down.temporal.healthy || down.s3.healthy).toBe(false);

    await stackUp(env);
    const store2 = new ArtifactStore(settings.s3);
    expect(Buffer.from(await store2.get(ref)).toString()).toBe('still here');
    store2.destroy();
    connection = await Connection.connect({ address: settings.temporal.address });
    client = new Client({ connection, namespace: settings.temporal.namespace });
    const description = await client.workflow.getHandle('persist-check').describe();
    expect(description.status.name).toBe('RUNNING');
    await client.workflow.getHandle('persist-check').terminate('test done');
    await connection.close();
    await killStack(env);
  });

  it('names the busy port and the variable to change', async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const env = {
        ...(await stackEnv()),
        FAIRSHRINK_HOME: mkdtempSync(path.join(os.tmpdir(), 'fairshrink-busy-')),
        FAIRSHRINK_TEMPORAL_PORT: String(port),
      };
      await expect(stackUp(env)).rejects.toThrow(
        new RegExp(`port ${port} for Temporal gRPC \\(FAIRSHRINK_TEMPORAL_PORT\\) is already in use`),
      );
      // Nothing was started: the port check comes before any process.
      expect((await stackStatus(env)).s3.running).toBe(false);
      rmSync(env.FAIRSHRINK_HOME, { recursive: true, force: true });
    } finally {
      blocker.close();
    }
  });
});
