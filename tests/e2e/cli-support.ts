// What the CLI end-to-end tests share: a CliIo that records what a command printed, the environment
// that points the commands at the test Temporal server and S3 (as a user's shell would), and a
// running campaign with its worker.
import { afterAll, beforeAll, inject } from 'vitest';
import type { CliIo } from '../../cli/io.ts';
import { LOCAL_S3_CREDENTIALS } from '../../core/config/connection.ts';
import type { CampaignHandle } from '../../cli/commands/campaign.ts';
import type { CampaignState } from '../../workflows/campaign.ts';
import { queryState } from '../helpers/campaign.ts';
import { connectTemporal, testStore, uniqueId } from '../helpers/services.ts';

export interface CapturedIo extends CliIo {
  out: string[];
  err: string[];
  /** Everything printed to stdout, one string. */
  stdoutText: () => string;
  stderrText: () => string;
  clear: () => void;
}

export function captureIo(): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    stdoutText: () => out.join('\n'),
    stderrText: () => err.join('\n'),
    clear: () => {
      out.length = 0;
      err.length = 0;
    },
  };
}

/** Points connectionSettings(process.env) at the test services; the commands read nothing else. */
export function useTestEnvironment(taskQueue: string): void {
  process.env.TEMPORAL_ADDRESS = inject('temporalAddress');
  process.env.TEMPORAL_NAMESPACE = inject('temporalNamespace');
  process.env.FAIRSHRINK_S3_ENDPOINT = inject('s3Endpoint');
  process.env.FAIRSHRINK_S3_BUCKET = inject('s3Bucket');
  process.env.FAIRSHRINK_S3_FORCE_PATH_STYLE = 'true';
  process.env.AWS_ACCESS_KEY_ID = LOCAL_S3_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_S3_CREDENTIALS.secretAccessKey;
  process.env.AWS_REGION = 'us-east-1';
  process.env.FAIRSHRINK_TASK_QUEUE = taskQueue;
}

/** Polls the state query until `ready` holds (the campaign's worker must be running). */
export async function untilState(
  handle: CampaignHandle,
  ready: (state: CampaignState) => boolean,
  what: string,
  timeoutMs = 120_000,
): Promise<CampaignState> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const state = await queryState(handle);
    if (ready(state)) return state;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting until ${what}`);
}

export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * The setup every CLI test file shares: its own task queue, the environment pointing at the test services,
 * a Temporal connection for its workers (`temporal()` once the suite started) and an S3 store.
 */
export function useCliServices(prefix: string) {
  const taskQueue = uniqueId(`${prefix}-q`);
  const store = testStore();
  let temporal: Awaited<ReturnType<typeof connectTemporal>> | undefined;
  beforeAll(async () => {
    useTestEnvironment(taskQueue);
    temporal = await connectTemporal();
  });
  afterAll(async () => {
    await temporal?.close();
    store.destroy();
  });
  return {
    taskQueue,
    store,
    temporal: () => {
      if (temporal === undefined) throw new Error('useCliServices: the Temporal connection is opened in beforeAll');
      return temporal;
    },
  };
}
