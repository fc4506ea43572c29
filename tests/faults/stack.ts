// The fault suite's own services: a Temporal dev server on a SQLite file (so it can be killed and restarted
// mid-campaign and keep its histories) and a SeaweedFS S3 endpoint, both on free ports under a scratch folder.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LOCAL_S3_CREDENTIALS } from '../../core/config/connection.ts';
import type { S3Settings } from '../../core/storage/index.ts';
import { freeRestartablePort, stopProcess, waitFor } from '../../infra/process.ts';
import { s3Healthy, startSeaweed, startTemporal, stopSeaweed, temporalHealthy } from '../../infra/stack.ts';
import { ensureTool } from '../../infra/tools.ts';
import { freeSeaweedPort } from '../helpers/global-setup.ts';
import { withDeadline } from './campaign-run.ts';

export const NAMESPACE = 'fairshrink';

export interface FaultStack {
  dir: string;
  temporalAddress: string;
  s3: S3Settings;
  /** SIGKILL the Temporal server and start it again on the same SQLite file and ports. */
  killAndRestartTemporal(): Promise<void>;
  /** Stops both; removes the scratch folder unless `keepFiles`. */
  stop(opts?: { keepFiles?: boolean }): Promise<void>;
}

const tail = (file: string) => {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
};

export async function startFaultStack(): Promise<FaultStack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fairshrink-faults-'));
  const [temporalTool, weed] = [await ensureTool('temporal'), await ensureTool('weed')];
  const taken = new Set<number>();
  const seaweedPorts = {
    s3: await freeSeaweedPort(taken),
    seaweedMaster: await freeSeaweedPort(taken),
    seaweedVolume: await freeSeaweedPort(taken),
    seaweedFiler: await freeSeaweedPort(taken),
  };
  // The fault suite restarts Temporal on its port: one below the ephemeral range (freeRestartablePort).
  const temporalPorts = { temporal: await freeRestartablePort(taken), temporalUi: await freeRestartablePort(taken) };
  const temporalLog = path.join(dir, 'temporal.log');
  const s3Log = path.join(dir, 'seaweedfs.log');
  const temporalAddress = `127.0.0.1:${temporalPorts.temporal}`;
  const server = () =>
    startTemporal({
      binary: temporalTool.path,
      dbFile: path.join(dir, 'temporal.sqlite'),
      logFile: temporalLog,
      namespace: NAMESPACE,
      ports: temporalPorts,
    });
  const temporalUp = () =>
    waitFor(
      'Temporal (fault suite)',
      async () =>
        (await withDeadline(temporalHealthy(temporalAddress, NAMESPACE), 5000, 'Temporal health')) ? true : undefined,
      {
        timeoutMs: 120_000,
        onTimeout: () => `server log:\n${tail(temporalLog)}`,
      },
    );
  let temporalPid = server();
  const s3Pid = startSeaweed({ binary: weed.path, dataDir: path.join(dir, 's3'), logFile: s3Log, ports: seaweedPorts });
  const s3: S3Settings = {
    endpoint: `http://127.0.0.1:${seaweedPorts.s3}`,
    region: 'us-east-1',
    bucket: 'fairshrink-faults',
    forcePathStyle: true,
    credentials: LOCAL_S3_CREDENTIALS,
  };
  await waitFor('S3 (fault suite)', async () => ((await s3Healthy(s3, true)) ? true : undefined), {
    timeoutMs: 90_000,
    onTimeout: () => `see ${s3Log}`,
  });
  await temporalUp();
  return {
    dir,
    temporalAddress,
    s3,
    killAndRestartTemporal: async () => {
      await stopProcess(temporalPid, { signal: 'SIGKILL', graceMs: 5000 });
      temporalPid = server();
      await temporalUp();
    },
    stop: async (opts = {}) => {
      await stopProcess(temporalPid);
      await stopSeaweed(s3Pid);
      if (!opts.keepFiles) rmSync(dir, { recursive: true, force: true });
    },
  };
}
