// `fairshrink worker`: one long-running worker process. SIGINT/SIGTERM shut it down gracefully
// (the Temporal runtime installs those handlers; running activities get shutdownGraceTime).
//
// Task queues: FAIRSHRINK_TASK_QUEUE carries the workflows and the light activities (evaluation,
// gates, storage); FAIRSHRINK_COMPUTE_TASK_QUEUE, when set, the heavy ones (training, pruning,
// fine-tuning, quantization), so compute can run on other (e.g. GPU) hosts. FAIRSHRINK_WORKER_ROLES
// picks what this process polls: "all" (default), "workflows" or "compute".
import path from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { logsDir } from '../infra/paths.ts';
import { connectionSettings, SettingsError } from '../core/config/connection.ts';
import { createFairshrinkWorker, installRuntime } from './worker.ts';

type Env = Record<string, string | undefined>;

export interface WorkerPlan {
  queues: { taskQueue: string; workflows: boolean; concurrency: number }[];
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new SettingsError(`${name}="${raw}" must be a whole number >= 1`);
  return value;
}

/** Which task queues this process polls, from the environment. Pure, so it is unit-tested. */
export function workerPlan(env: Env = process.env): WorkerPlan {
  const settings = connectionSettings(env);
  const main = settings.temporal.taskQueue;
  const compute = env.FAIRSHRINK_COMPUTE_TASK_QUEUE || main;
  const roles = (env.FAIRSHRINK_WORKER_ROLES || 'all').split(',').map((r) => r.trim());
  for (const role of roles) {
    if (!['all', 'workflows', 'compute'].includes(role)) {
      throw new SettingsError(`FAIRSHRINK_WORKER_ROLES: unknown role "${role}"; use all, workflows or compute`);
    }
  }
  const wantsWorkflows = roles.includes('all') || roles.includes('workflows');
  const wantsCompute = roles.includes('all') || roles.includes('compute');
  const concurrency = positiveInt(env, 'FAIRSHRINK_ACTIVITY_CONCURRENCY', 1);
  const queues: WorkerPlan['queues'] = [];
  if (wantsWorkflows) queues.push({ taskQueue: main, workflows: true, concurrency });
  if (wantsCompute && (compute !== main || !wantsWorkflows))
    queues.push({ taskQueue: compute, workflows: false, concurrency });
  return { queues };
}

export async function runWorker(env: Env = process.env): Promise<void> {
  const logFile = path.join(logsDir(), 'worker.log');
  installRuntime('INFO', { file: logFile, notify: (line) => console.error(line) });
  console.log(`worker: Temporal SDK log in ${logFile}`);
  const settings = connectionSettings(env);
  const plan = workerPlan(env);
  const connection = await NativeConnection.connect({ address: settings.temporal.address });
  const workers = [];
  for (const queue of plan.queues) {
    workers.push(
      await createFairshrinkWorker({
        settings,
        connection,
        taskQueue: queue.taskQueue,
        workflows: queue.workflows,
        maxConcurrentActivityTaskExecutions: queue.concurrency,
      }),
    );
    console.log(
      `worker: polling "${queue.taskQueue}" (${queue.workflows ? 'workflows + activities' : 'compute activities'}) on ${settings.temporal.address}, namespace ${settings.temporal.namespace}`,
    );
  }
  try {
    await Promise.all(workers.map(({ worker }) => worker.run()));
  } finally {
    for (const { close } of workers) await close();
    await connection.close();
  }
}
