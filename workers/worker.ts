// Builds a worker: which task queue, which workflows and activities, and its concurrency.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  bundleWorkflowCode,
  DefaultLogger,
  makeTelemetryFilterString,
  NativeConnection,
  Runtime,
  Worker,
  type LogLevel,
  type WorkerOptions,
} from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import type { ConnectionSettings } from '../core/config/connection.ts';
import { installStorageFaults } from '../core/storage/faults.ts';
import { ArtifactStore } from '../core/storage/index.ts';
import { workerLog, type WorkerLogOptions } from './logging.ts';

// Compiled (dist/workers/worker.js) this module loads dist/workflows/index.js; from source, the .ts file.
const ownExtension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
export const workflowsPath = fileURLToPath(new URL(`../workflows/index${ownExtension}`, import.meta.url));

/**
 * The workflow bundle `npm run build` writes next to the compiled code (dist/workflow-bundle.js): a
 * compiled worker starts without running webpack. From source (tests, tsx) there is none, and the
 * worker bundles the current workflow code at start.
 */
export function prebuiltWorkflowBundle(): { codePath: string } | undefined {
  if (ownExtension === '.ts') return undefined;
  const codePath = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));
  return existsSync(codePath) ? { codePath } : undefined;
}

/** Bundle the workflow code once (webpack; the prebuilt bundle when compiled); reuse it for many workers (tests, replay). */
export async function bundleWorkflows(): Promise<{ code: string }> {
  const prebuilt = prebuiltWorkflowBundle();
  if (prebuilt) return { code: await readFile(prebuilt.codePath, 'utf8') };
  return bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
}

const quietBundlerLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

/** The longest a heartbeat (and so an epoch checkpoint) waits in the SDK before it is sent to the server. */
export const HEARTBEAT_THROTTLE = '2 seconds';

let runtimeInstalled = false;

/**
 * Set the Temporal runtime's logger once per process, before any connection or worker exists: the console at
 * `level`, or with `log`, the worker log file at info level with the SDK core's own logs forwarded into it too
 * (workers/logging.ts), so raw SDK warnings never reach a person's terminal.
 */
export function installRuntime(level: LogLevel = 'WARN', log?: WorkerLogOptions): void {
  if (runtimeInstalled) return;
  try {
    Runtime.install(
      log
        ? {
            logger: workerLog(log).logger,
            telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'INFO' }), forward: {} } },
          }
        : { logger: new DefaultLogger(level) },
    );
  } catch (err) {
    // Already installed in this process (e.g. by an earlier test file in the same fork): keep it.
    if (!/already/i.test((err as Error).message)) throw err;
  }
  runtimeInstalled = true;
}

function workflowSource(given: FairshrinkWorkerOptions['workflowBundle']): Partial<WorkerOptions> {
  const workflowBundle = given ?? prebuiltWorkflowBundle();
  return workflowBundle ? { workflowBundle } : { workflowsPath };
}

export interface FairshrinkWorkerOptions {
  settings: ConnectionSettings;
  connection?: NativeConnection;
  workflowBundle?: { code: string } | { codePath: string };
  /** Task queue to poll (default settings.temporal.taskQueue). */
  taskQueue?: string;
  /** Register the workflows too (default true); a compute-only worker polls activities only. */
  workflows?: boolean;
  /**
   * Poll the task queue for activity tasks (default true). Off, the worker still runs the workflows' local activities
   * (the bookkeeping steps) but leaves every regular activity to another process polling the same queue with the same
   * activities registered (workers/main.ts, the forked layout).
   */
  activityTasks?: boolean;
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  /** How long running activities get to finish on shutdown before they are cancelled. */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /** Worker interceptors (e.g. to observe activity calls in benchmarks). */
  interceptors?: WorkerOptions['interceptors'];
}

export async function createFairshrinkWorker(
  opts: FairshrinkWorkerOptions,
): Promise<{ worker: Worker; close: () => Promise<void> }> {
  const ownsConnection = !opts.connection;
  const connection = opts.connection ?? (await NativeConnection.connect({ address: opts.settings.temporal.address }));
  const store = new ArtifactStore(opts.settings.s3);
  installStorageFaults(store.client); // test-only (FAIRSHRINK_FAULTS, docs/reliability.md); nothing when unset
  const withWorkflows = opts.workflows ?? true;
  const worker = await Worker.create({
    connection,
    namespace: opts.settings.temporal.namespace,
    taskQueue: opts.taskQueue ?? opts.settings.temporal.taskQueue,
    ...(withWorkflows ? workflowSource(opts.workflowBundle) : {}),
    activities: createActivities({ store }),
    enableNonLocalActivities: opts.activityTasks ?? true,
    // tfjs work is CPU-bound and runs on this process's one event loop: one activity at a time keeps
    // heartbeats flowing; scale out with more worker processes (or hosts), not with concurrency.
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 1,
    maxConcurrentWorkflowTaskExecutions: opts.maxConcurrentWorkflowTaskExecutions ?? 10,
    shutdownGraceTime: opts.shutdownGraceTime ?? '30 seconds',
    // Heartbeats carry the epoch checkpoint a retried step resumes from. The SDK sends at most one per
    // min(0.8 × heartbeat timeout, this) and keeps only the latest: with the 1-minute production timeout its
    // default (60 s) would hold back every checkpoint of a fine-tune shorter than 48 s.
    maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    defaultHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    ...(opts.interceptors ? { interceptors: opts.interceptors } : {}),
  });
  return {
    worker,
    close: async () => {
      store.destroy();
      if (ownsConnection) await connection.close();
    },
  };
}
