// Starts one Temporal dev server and one S3 endpoint (SeaweedFS) for the whole integration run,
// bundles the workflow code once, and hands their addresses to the tests through `provide`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { LOCAL_S3_CREDENTIALS } from '../../core/config/connection.ts';
import { CAMPAIGN_SEARCH_ATTRIBUTES } from '../../core/config/search-attributes.ts';
import { freeRestartablePort, stopProcess, waitFor } from '../../infra/process.ts';
import { s3Healthy, startSeaweed } from '../../infra/stack.ts';
import { ensureTool } from '../../infra/tools.ts';
import { bundleWorkflows, installRuntime } from '../../workers/worker.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    s3Endpoint: string;
    s3Bucket: string;
    workflowBundlePath: string;
    scratchDir: string;
  }
}

const saTypes = {
  Keyword: SearchAttributeType.KEYWORD,
  Int: SearchAttributeType.INT,
  Double: SearchAttributeType.DOUBLE,
} as const;

/**
 * A free port whose +10000 gRPC companion is free too (SeaweedFS's convention), both below the kernel's ephemeral range
 * (freeRestartablePort): a port handed out from that range can be taken by any process's outgoing connection before
 * the service binds it, which failed a fault-suite start at high load ("bind: address already in use").
 */
export async function freeSeaweedPort(taken: Set<number>): Promise<number> {
  return freeRestartablePort(taken, [10_000]);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  installRuntime('WARN');
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'fairshrink-test-'));
  const [temporal, weed] = [await ensureTool('temporal'), await ensureTool('weed')];
  const namespace = 'fairshrink';

  const taken = new Set<number>();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporal.path },
      ip: '127.0.0.1',
      // Below the ephemeral range for the same reason as freeSeaweedPort (the SDK would pick one inside it).
      port: await freeRestartablePort(taken),
      namespace,
      searchAttributes: CAMPAIGN_SEARCH_ATTRIBUTES.map((a) => defineSearchAttributeKey(a.name, saTypes[a.type])),
      log: { format: 'pretty', level: 'error' },
    },
  });

  const ports = {
    s3: await freeSeaweedPort(taken),
    seaweedMaster: await freeSeaweedPort(taken),
    seaweedVolume: await freeSeaweedPort(taken),
    seaweedFiler: await freeSeaweedPort(taken),
  };
  const s3Log = path.join(scratch, 'seaweedfs.log');
  const s3Pid = startSeaweed({ binary: weed.path, dataDir: path.join(scratch, 's3'), logFile: s3Log, ports });
  const s3Endpoint = `http://127.0.0.1:${ports.s3}`;
  const bucket = 'fairshrink-test';
  const s3Settings = {
    endpoint: s3Endpoint,
    region: 'us-east-1',
    bucket,
    forcePathStyle: true,
    credentials: LOCAL_S3_CREDENTIALS,
  };
  await waitFor('test S3 (SeaweedFS)', async () => ((await s3Healthy(s3Settings, true)) ? true : undefined), {
    timeoutMs: 90_000,
    onTimeout: () => `see ${s3Log}`,
  });

  const bundle = await bundleWorkflows();
  const workflowBundlePath = path.join(scratch, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, bundle.code);

  project.provide('temporalAddress', env.address);
  project.provide('temporalNamespace', namespace);
  project.provide('s3Endpoint', s3Endpoint);
  project.provide('s3Bucket', bucket);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('scratchDir', scratch);

  return async () => {
    await env.teardown();
    // The test S3's data is thrown away next, so nothing is gained by weed's graceful stop (about 15 s: its S3
    // gateway waits out a gRPC stream that never ends; infra/stack.ts). `fairshrink down` still stops gracefully,
    // and tests/integration/local-stack-lifecycle.test.ts checks that.
    await stopProcess(s3Pid, { signal: 'SIGKILL', graceMs: 5_000 });
    rmSync(scratch, { recursive: true, force: true });
  };
}
