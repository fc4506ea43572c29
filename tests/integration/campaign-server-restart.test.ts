// Restart the Temporal server in the middle of a campaign, on the same SQLite file: the worker
// reconnects and the campaign finishes. The campaign is held (paused) at a milestone boundary during the restart,
// so the test knows it was running when the server died.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { freeRestartablePort, stopProcess, waitFor } from '../../infra/process.ts';
import { startTemporal, temporalHealthy } from '../../infra/stack.ts';
import { ensureTool } from '../../infra/tools.ts';
import { campaignWorker, queryState, readDecisions, startFixtureCampaign } from '../helpers/campaign.ts';
import { testStore, uniqueId } from '../helpers/services.ts';
import { pauseSignal, resumeSignal } from '../../workflows/campaign.ts';

const store = testStore();
const dir = mkdtempSync(path.join(os.tmpdir(), 'fairshrink-restart-'));
let pid: number | undefined;
afterAll(async () => {
  if (pid) await stopProcess(pid);
  store.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('Temporal server restart', () => {
  it('the campaign finishes after the server restarts on the same SQLite file', async () => {
    const binary = (await ensureTool('temporal')).path;
    // Restarted on the same port: one below the ephemeral range, which no other process's connection can take.
    const taken = new Set<number>();
    const ports = { temporal: await freeRestartablePort(taken), temporalUi: await freeRestartablePort(taken) };
    const address = `127.0.0.1:${ports.temporal}`;
    const server = () =>
      startTemporal({
        binary,
        dbFile: path.join(dir, 'temporal.sqlite'),
        logFile: path.join(dir, 'temporal.log'),
        namespace: 'fairshrink',
        ports,
      });
    const healthy = () =>
      waitFor('restarted Temporal', async () => ((await temporalHealthy(address, 'fairshrink')) ? true : undefined), {
        // Start-up can be slow while the other test files load both cores; the log says why if it never comes up.
        timeoutMs: 120_000,
        onTimeout: () =>
          `server log:\n${readFileSync(path.join(dir, 'temporal.log'), 'utf8').split('\n').slice(-20).join('\n')}`,
      });
    pid = server();
    await healthy();

    const nativeConnection = await NativeConnection.connect({ address });
    const connection = await Connection.connect({ address });
    const client = new Client({ connection, namespace: 'fairshrink' });
    const id = uniqueId('german-restart');
    const taskQueue = uniqueId('restart-q');
    const worker = await campaignWorker(nativeConnection, taskQueue, store);
    const handle = await startFixtureCampaign(client, store, { name: 'german-pass', campaignId: id, taskQueue });

    const result = await worker.runUntil(async () => {
      // Hold the campaign at milestone 1's boundary, so the server certainly dies while the campaign is running.
      await handle.signal(pauseSignal, { by: 'test', reason: 'hold for the restart' });
      let state = await queryState(handle);
      for (let i = 0; i < 1200 && !(state.paused && state.milestone === 1); i++) {
        await new Promise((r) => setTimeout(r, 100));
        state = await queryState(handle);
      }
      expect(state).toMatchObject({ paused: true, milestone: 1, attempts: [] });
      expect((await handle.describe()).status.name).toBe('RUNNING');
      expect(await stopProcess(pid!)).toBe('stopped');
      pid = server();
      await healthy();
      // The restarted server still knows the campaign and its state (rebuilt from the SQLite history).
      expect((await handle.describe()).status.name).toBe('RUNNING');
      expect(await queryState(handle)).toMatchObject({ paused: true, milestone: 1 });
      await handle.signal(resumeSignal, { by: 'test' });
      return handle.result();
    });

    expect(result.status).toBe('completed');
    expect(result.milestones.map((m) => m.status)).toEqual(['pass', 'pass']);
    const decisions = await readDecisions(store, id);
    expect(decisions.map((d) => d.seq)).toEqual(decisions.map((_, i) => i + 1));
    await connection.close();
    await nativeConnection.close();
  });
});
