// `fairshrink worker`: one command, two processes (one with --single-process). SIGINT/SIGTERM shut both down gracefully.
//
// Task queues: FAIRSHRINK_TASK_QUEUE carries the workflows and the light activities (evaluation,
// gates, storage); FAIRSHRINK_COMPUTE_TASK_QUEUE, when set, the heavy ones (training, pruning,
// fine-tuning, quantization), so compute can run on other (e.g. GPU) hosts. FAIRSHRINK_WORKER_ROLES
// picks what this process polls: "all" (default), "workflows" or "compute".
//
// Layout: tfjs work is synchronous CPU work on the event loop of the process that runs it. In one process it holds
// up workflow tasks (TMPRL1104, "Workflow task duration exceeded 5 seconds") and `state` queries ("Failed to query
// Workflow"). So by default this process runs the workflows and their local activities (the bookkeeping steps) and
// forks a compute process (compute-main.ts) that polls the same task queue(s) for every regular activity. Both
// register the same activity types, as Temporal asks of workers on one task queue
// (https://docs.temporal.io/develop/python/workers/run-worker-process, the same rule for every SDK); this one just does
// not poll activity tasks (`enableNonLocalActivities: false`, which still runs local activities: @temporalio/worker WorkerOptions).
// The compute process is restarted with back-off when it crashes and exits when this process dies.
// The dashboard render is a regular activity (workflows/campaign-run.ts, report-off-workflow-process), so forked it
// runs in the compute process too. With --single-process everything runs here.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection } from '@temporalio/worker';
import { logsDir } from '../infra/paths.ts';
import { connectionSettings, SettingsError } from '../core/config/connection.ts';
import { superviseChild } from './supervisor.ts';
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

/** One Worker in one process: the queue it polls and which kinds of task it takes from it. */
export interface QueueRole {
  taskQueue: string;
  /** Runs workflow tasks (and their local activities). */
  workflows: boolean;
  /** Polls activity tasks (every regular activity; the same activity types are registered either way). */
  activityTasks: boolean;
  concurrency: number;
}

export type WorkerLayout = 'forked' | 'single-process';

/**
 * What the worker process and its compute process poll. Forked, every workflow queue is polled here for workflow tasks
 * only, and the compute process polls every queue of the plan for activity tasks; so every task kind of every queue is
 * served by exactly one of the two. With no workflow queue (a compute host) nothing needs protecting: one process.
 */
export function processPlan(plan: WorkerPlan, layout: WorkerLayout): { main: QueueRole[]; compute: QueueRole[] } {
  const together = plan.queues.map((q) => ({ ...q, activityTasks: true }));
  if (layout === 'single-process' || !plan.queues.some((q) => q.workflows)) return { main: together, compute: [] };
  return {
    main: plan.queues.filter((q) => q.workflows).map((q) => ({ ...q, activityTasks: false })),
    compute: plan.queues.map((q) => ({ ...q, workflows: false, activityTasks: true })),
  };
}

const describeRole = (role: QueueRole) =>
  role.workflows && role.activityTasks
    ? 'workflows + activities'
    : role.workflows
      ? 'workflows + local activities'
      : 'activities';

/** Creates and runs one Worker per role on one connection until they are all shut down (a shutdown signal). */
export async function runRoles(roles: QueueRole[], env: Env, label: string): Promise<void> {
  const settings = connectionSettings(env);
  const connection = await NativeConnection.connect({ address: settings.temporal.address });
  const workers: Awaited<ReturnType<typeof createFairshrinkWorker>>[] = [];
  try {
    for (const role of roles) {
      workers.push(
        await createFairshrinkWorker({
          settings,
          connection,
          taskQueue: role.taskQueue,
          workflows: role.workflows,
          activityTasks: role.activityTasks,
          maxConcurrentActivityTaskExecutions: role.concurrency,
        }),
      );
      console.log(
        `${label}: polling "${role.taskQueue}" (${describeRole(role)}) on ${settings.temporal.address}, namespace ${settings.temporal.namespace}`,
      );
    }
    await Promise.all(workers.map(({ worker }) => worker.run()));
  } finally {
    for (const { close } of workers) await close();
    await connection.close();
  }
}

export function workerLogFile(): string {
  return path.join(logsDir(), 'worker.log');
}

/** The compute process's entry: the compiled file next to this one, or the source run through tsx. */
function computeEntry(): { entry: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./compute-main${fromSource ? '.ts' : '.js'}`, import.meta.url));
  return {
    entry,
    execArgv: fromSource ? [...process.execArgv, '--import', import.meta.resolve('tsx')] : process.execArgv,
  };
}

/** How long the compute process gets to stop after SIGTERM: its activities' shutdown grace (30 s) and some. */
const COMPUTE_STOP_TIMEOUT_MS = 45_000;

/**
 * Compute processes to fork (FAIRSHRINK_COMPUTE_PROCESSES or --compute-processes; default 1). tfjs computes on its
 * process's thread, so activities at once in one compute process (FAIRSHRINK_ACTIVITY_CONCURRENCY) take turns; N
 * processes run N activities side by side, e.g. N cells of a study on N cores.
 */
export function computeProcessCount(env: Env = process.env, given?: number): number {
  if (given !== undefined) {
    if (!Number.isInteger(given) || given < 1)
      throw new SettingsError(`--compute-processes ${given}: give a whole number >= 1, e.g. the cores to use`);
    return given;
  }
  return positiveInt(env, 'FAIRSHRINK_COMPUTE_PROCESSES', 1);
}

export async function runWorker(
  env: Env = process.env,
  options: { layout?: WorkerLayout; computeProcesses?: number } = {},
): Promise<void> {
  const count = computeProcessCount(env, options.computeProcesses);
  const logFile = workerLogFile();
  installRuntime('INFO', { file: logFile, notify: (line) => console.error(line) });
  console.log(`worker: Temporal SDK log in ${logFile}`);
  const plan = processPlan(workerPlan(env), options.layout ?? 'forked');
  const computes =
    plan.compute.length === 0
      ? []
      : Array.from({ length: count }, () =>
          superviseChild({
            name: 'worker: compute process',
            ...computeEntry(),
            env: { ...process.env, ...env },
            log: (line) => console.error(line),
            stopTimeoutMs: COMPUTE_STOP_TIMEOUT_MS,
          }),
        );
  if (computes.length === 1)
    console.log(
      `worker: compute activities run in process ${computes[0]!.pid()} (with --single-process they would run here)`,
    );
  else if (computes.length > 1)
    console.log(`worker: compute activities run in processes ${computes.map((c) => c.pid()).join(', ')}`);
  // The Temporal runtime shuts this process's workers down on SIGINT/SIGTERM; the compute processes sit in their own
  // process groups, so they hear of a shutdown only from here. A second signal stops waiting for them.
  let signals = 0;
  const onSignal = () => {
    signals += 1;
    for (const compute of computes) {
      if (signals === 1) void compute.stop();
      else compute.kill();
    }
  };
  if (computes.length > 0) for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, onSignal);
  try {
    await runRoles(plan.main, env, 'worker');
  } finally {
    await Promise.all(computes.map((compute) => compute.stop()));
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, onSignal);
  }
}
