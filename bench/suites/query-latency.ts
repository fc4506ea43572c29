// How promptly a campaign answers its `state` query while tfjs trains (issue #12: "the state query answers within 1 s,
// p99 over a campaign, on 2 cores"). For each worker layout, `fairshrink worker` (forked: workflows here, compute in a
// forked process, the default) and `fairshrink worker --single-process` (everything on one event loop), it starts the real worker
// command on its own task queue, runs the demo campaign (examples/campaigns/adult-demo.yaml: a 20-epoch baseline and
// four fine-tunes) and queries `state` every 200 ms from start to end, recording each answer's latency, or the
// failure (a 10 s deadline, as a person's `watch` would give up far sooner).
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { connectionSettings } from '../../core/config/connection.ts';
import { ArtifactStore } from '../../core/storage/index.ts';
import { projectRoot } from '../../infra/paths.ts';
import { warmDemoCampaign } from '../demo-campaign.ts';
import { compressionCampaign, stateQuery } from '../../workflows/campaign.ts';
import type { CampaignInput } from '../../core/campaign/contracts.ts';
import { percentile } from '../percentile.ts';
import type { BenchRow, BenchSuite } from '../types.ts';

const SUITE = 'query-latency';
const QUERY_EVERY_MS = 200;
const QUERY_DEADLINE_MS = 10_000;
const TARGET_P99_MS = 1000;
type Layout = 'forked' | 'single-process';

interface Sample {
  ms: number;
  /** The campaign's step when the query was sent (from the previous answer). */
  step: string | null;
  error?: string;
}

/** Training steps: the baseline's training and every milestone's fine-tuning. */
const isTraining = (step: string | null) => step === 'baseline' || (step?.endsWith('/finetune') ?? false);

/** Starts `fairshrink worker` on `taskQueue` and resolves once every process of the layout polls it. */
async function startWorker(layout: Layout, taskQueue: string): Promise<{ child: ChildProcess; output: () => string }> {
  const args = [path.join(projectRoot, 'bin', 'fairshrink.js'), 'worker'];
  if (layout === 'single-process') args.push('--single-process');
  const child = spawn(process.execPath, args, {
    env: { ...process.env, FAIRSHRINK_TASK_QUEUE: taskQueue },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const ready = () =>
    layout === 'single-process'
      ? output.includes(`worker: polling "${taskQueue}" (workflows + activities)`)
      : output.includes(`worker: polling "${taskQueue}" (workflows + local activities)`) &&
        /worker\[compute \d+\]: polling "[^"]+" \(activities\)/.test(output);
  const deadline = Date.now() + 180_000;
  while (!ready()) {
    if (child.exitCode !== null) throw new Error(`the ${layout} worker exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) throw new Error(`the ${layout} worker did not start within 180 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => output };
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await exited;
  clearTimeout(force);
}

async function measure(layout: Layout, input: CampaignInput, connection: Connection, client: Client) {
  const campaignId = `${input.campaignId}-${layout}`;
  const taskQueue = `bench-${campaignId}`;
  const worker = await startWorker(layout, taskQueue);
  const loadBefore = os.loadavg()[0]!;
  const t0 = performance.now();
  const samples: Sample[] = [];
  try {
    const handle = await client.workflow.start(compressionCampaign, {
      taskQueue,
      workflowId: campaignId,
      args: [{ ...input, campaignId }, {}],
    });
    let closed = false;
    const result = handle.result().finally(() => (closed = true));
    let step: string | null = null;
    while (!closed) {
      const sent = performance.now();
      try {
        const state = await connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(stateQuery));
        samples.push({ ms: performance.now() - sent, step });
        step = state.currentStep;
      } catch (err) {
        samples.push({ ms: performance.now() - sent, step, error: (err as Error).message.split('\n')[0] });
      }
      const wait = QUERY_EVERY_MS - (performance.now() - sent);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const outcome = await result;
    return {
      layout,
      samples,
      status: outcome.status,
      wallS: (performance.now() - t0) / 1000,
      load: [loadBefore, os.loadavg()[0]!],
    };
  } catch (err) {
    throw new Error(`${layout}: ${(err as Error).message}\nworker output:\n${worker.output().slice(-4000)}`);
  } finally {
    await stopWorker(worker.child);
  }
}

function rows(run: Awaited<ReturnType<typeof measure>>): BenchRow[] {
  const answered = run.samples.filter((s) => s.error === undefined);
  const all = answered.map((s) => s.ms).sort((a, b) => a - b);
  const training = answered
    .filter((s) => isTraining(s.step))
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  const failures = run.samples.filter((s) => s.error !== undefined);
  const failureKinds = [...new Set(failures.map((f) => f.error))].slice(0, 3).join(' / ');
  const context = `${run.samples.length} queries every ${QUERY_EVERY_MS} ms over a ${run.wallS.toFixed(1)} s campaign (${run.status}); 1-min load average ${run.load[0]!.toFixed(1)} → ${run.load[1]!.toFixed(1)} on ${os.cpus().length} cores`;
  const out: BenchRow[] = [];
  const p99Target = run.layout === 'forked' ? { target: `≤ ${TARGET_P99_MS} ms` } : {};
  for (const [name, p] of [
    ['p50', 50],
    ['p95', 95],
    ['p99', 99],
    ['max', 100],
  ] as const) {
    const value = percentile(all, p);
    if (value === undefined) continue;
    const judged = name === 'p99' && run.layout === 'forked';
    out.push({
      suite: SUITE,
      name: `${run.layout}: state query ${name} (whole campaign)`,
      value,
      unit: 'ms',
      ...(judged ? { ...p99Target, met: value <= TARGET_P99_MS } : {}),
      ...(name === 'p50' ? { notes: context } : {}),
    });
  }
  const trainingP99 = percentile(training, 99);
  out.push(
    trainingP99 === undefined
      ? {
          suite: SUITE,
          name: `${run.layout}: state query p99 while training (baseline, fine-tune)`,
          value: Number.NaN,
          unit: 'ms',
          notes: 'undefined: no answered query was sent during a training step',
        }
      : {
          suite: SUITE,
          name: `${run.layout}: state query p99 while training (baseline, fine-tune)`,
          value: trainingP99,
          unit: 'ms',
          ...(run.layout === 'forked' ? { ...p99Target, met: trainingP99 <= TARGET_P99_MS } : {}),
          notes: `${training.length} queries sent during training; max ${percentile(training, 100)!.toFixed(0)} ms`,
        },
  );
  out.push({
    suite: SUITE,
    name: `${run.layout}: failed queries`,
    value: failures.length,
    unit: 'queries',
    ...(run.layout === 'forked' ? { target: '0', met: failures.length === 0 } : {}),
    notes: failures.length === 0 ? `of ${run.samples.length}` : `of ${run.samples.length}; ${failureKinds}`,
  });
  return out;
}

const suite: BenchSuite = {
  name: SUITE,
  needsStack: true,
  async run(): Promise<BenchRow[]> {
    const settings = connectionSettings(process.env);
    const store = new ArtifactStore(settings.s3);
    // The demo campaign's input, with its data set encoded once so neither run pays for it.
    const input = await warmDemoCampaign(store, 'bench-ql');
    store.destroy();
    const connection = await Connection.connect({ address: settings.temporal.address });
    const client = new Client({ connection, namespace: settings.temporal.namespace });
    try {
      const out: BenchRow[] = [];
      for (const layout of ['forked', 'single-process'] as const) {
        console.error(`bench: ${SUITE}: ${layout} worker`);
        out.push(...rows(await measure(layout, input, connection, client)));
      }
      return out;
    } finally {
      await connection.close();
    }
  },
};

export default suite;
