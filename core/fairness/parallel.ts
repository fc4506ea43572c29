// evaluateFairness on several threads, in one of two ways, with the report identical to a one-thread run's
// (tests/unit/fairness/parallel.test.ts):
// - Pipelined (two threads; files below SPLIT_ROW_RESAMPLES): this thread draws each resample and computes both
//   models' group statistics into a shared ring, all but the reference's AUC; a worker thread draws the same
//   resample from its own generator, adds the reference's AUC and turns the statistics into every metric,
//   disparity and comparison. Each thread runs, and so warms up, only its share of the code, and the shares take
//   about as long (the AUC sweeps are a third of a resample's statistics).
// - Split (files from SPLIT_ROW_RESAMPLES on): each thread takes a range of resamples. Resample b is drawn from the
//   same generator state as in a one-thread run (this thread walks the generator through every range's draws and
//   hands each worker the state at its first resample).
// Either way every resample's values land in the same row of the same matrices.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createRng } from '../random/rng.ts';
import { DEFAULT_BOOTSTRAP_RESAMPLES } from './bootstrap.ts';
import {
  drawResample,
  evaluateFairness,
  finishEvaluation,
  prepareEvaluation,
  resampleStats,
  runResamples,
  type EvaluationInput,
  type EvaluationOptions,
} from './report.ts';
import type { FairnessReport } from './report-types.ts';
import type { RecordTask } from './record-worker.ts';
import type { ResampleTask } from './resample-worker.ts';

/** Below this many resamples per thread, a thread's start-up (~0.1–0.2 s: loading and preparing) costs more than it saves. */
const MIN_RESAMPLES_PER_THREAD = 100;

/**
 * Rows × resamples from which the threads split the resamples instead of pipelining. A split thread runs all the
 * code, so it warms all of it up again (V8 optimizes per thread: ~0.8 s of CPU on the Adult file) and prepares the
 * evaluation again; it pays once each thread's share of the row-proportional work (~60 ns per row and resample)
 * outweighs that. Below, the pipeline's two halves share out the work without either cost twice.
 */
export const SPLIT_ROW_RESAMPLES = 80_000_000;

/**
 * Resamples the pipeline's ring holds: how far the statistics may run ahead of the recording thread (which lags
 * while it warms up), within RING_BYTES for files with many groups.
 */
const RING_SLOTS = 256;
const RING_BYTES = 64 * 1024 * 1024;

/** The default thread count: every core, up to 4 (the engine's start-up per thread makes more pay off only on huge files). */
export function defaultFairnessThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * The fairness report, its resamples computed on `threads` threads (this one included): pipelined on two of them
 * below SPLIT_ROW_RESAMPLES, split over all of them from there. One thread for few resamples, or when options
 * carry a custom metric registry (its functions cannot be sent to a thread).
 */
export async function evaluateFairnessParallel(
  input: EvaluationInput,
  options: EvaluationOptions = {},
  threads = defaultFairnessThreads(),
  /** Tests pick a way; 'auto' is the rule above. */
  way: 'auto' | 'pipelined' | 'split' = 'auto',
): Promise<FairnessReport> {
  const resamples = options.bootstrap ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const parts = Math.min(threads, Math.floor(resamples / MIN_RESAMPLES_PER_THREAD));
  if (parts <= 1 || options.registry !== undefined) return evaluateFairness(input, options);
  const split = way === 'auto' ? input.label.length * resamples >= SPLIT_ROW_RESAMPLES : way === 'split';
  return split ? evaluateSplit(input, options, parts) : evaluatePipelined(input, options);
}

async function evaluatePipelined(input: EvaluationInput, options: EvaluationOptions): Promise<FairnessReport> {
  const ev = prepareEvaluation(input, options);
  const R = ev.resamples;
  const block = ev.engine.statsBlock;
  const slots = Math.max(1, Math.min(RING_SLOTS, R, Math.floor(RING_BYTES / (2 * 8 * block))));
  const task: RecordTask = {
    ...{ input, options, slots, statsBlock: block },
    stats: new SharedArrayBuffer(8 * 2 * block * slots),
    ready: new SharedArrayBuffer(4),
    recorded: new SharedArrayBuffer(4),
    candRows: new SharedArrayBuffer(8 * ev.candPaths.length * R),
    refRows: new SharedArrayBuffer(8 * ev.refPaths.length * R),
    ...{ candSlots: ev.candPaths.length, refSlots: ev.refPaths.length },
  };
  const recorder = spawnWorker('record-worker', task);
  let failure: { error: unknown } | undefined;
  recorder.done.catch((error: unknown) => (failure = { error }));
  try {
    const stats = new Float64Array(task.stats);
    const ready = new Int32Array(task.ready);
    const recorded = new Int32Array(task.recorded);
    const rng = createRng(ev.seed);
    const multiplicity = new Float64Array(ev.n);
    for (let b = 0; b < R; b++) {
      // A full ring waits for the recorder without blocking this thread's event loop, which must stay free to hear
      // that the worker failed.
      for (let done = Atomics.load(recorded, 0); b - done >= slots; done = Atomics.load(recorded, 0)) {
        if (failure !== undefined) throw failure.error;
        await waitAsync(recorded, 0, done, 100).value;
      }
      drawResample(ev, rng, multiplicity);
      const at = (b % slots) * 2 * block;
      resampleStats(ev, multiplicity, stats.subarray(at, at + 2 * block), false);
      Atomics.store(ready, 0, b + 1);
      Atomics.notify(ready, 0);
    }
    await recorder.done;
  } finally {
    await recorder.worker.terminate();
  }
  return finishEvaluation(ev, new Float64Array(task.candRows), new Float64Array(task.refRows));
}

async function evaluateSplit(
  input: EvaluationInput,
  options: EvaluationOptions,
  parts: number,
): Promise<FairnessReport> {
  const ev = prepareEvaluation(input, options);
  const R = ev.resamples;
  const candRows = new SharedArrayBuffer(8 * ev.candPaths.length * R);
  const refRows = new SharedArrayBuffer(8 * ev.refPaths.length * R);
  const bounds = Array.from({ length: parts + 1 }, (_, k) => Math.round((R * k) / parts));
  // Workers take the first parts − 1 ranges and start loading at once; this thread takes the last range.
  const workers = bounds.slice(0, parts - 1).map((from, k) => {
    const task: ResampleTask = {
      ...{ input, options, from, to: bounds[k + 1]!, candRows, refRows },
      ...{ candSlots: ev.candPaths.length, refSlots: ev.refPaths.length },
    };
    return spawnWorker('resample-worker', task);
  });
  try {
    const rng = createRng(ev.seed);
    const multiplicity = new Float64Array(ev.n);
    for (let k = 0; k < workers.length; k++) {
      workers[k]!.worker.postMessage(rng.saveState());
      for (let b = bounds[k]!; b < bounds[k + 1]!; b++) drawResample(ev, rng, multiplicity);
    }
    runResamples(ev, rng, bounds[parts - 1]!, R, new Float64Array(candRows), new Float64Array(refRows));
    await Promise.all(workers.map((w) => w.done));
  } finally {
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
  return finishEvaluation(ev, new Float64Array(candRows), new Float64Array(refRows));
}

// Atomics.waitAsync (Node ≥ 16) is in TypeScript's ES2024 library; this project compiles against ES2023.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(array: Int32Array, index: number, value: number, timeout: number): { value: Promise<unknown> | string };
  }
).waitAsync.bind(Atomics);

/** A worker thread running `module` (a file beside this one) on `task`; `done` settles at its first message. */
function spawnWorker(
  module: 'resample-worker' | 'record-worker',
  task: ResampleTask | RecordTask,
): { worker: Worker; done: Promise<void> } {
  // Compiled, the worker is the .js file beside this one. From the sources (tests, tsx) it is a .ts file, and a
  // worker thread does not inherit tsx's loader: a small bootstrap registers it in the thread first.
  const url = new URL(`./${module}.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);
  const worker = url.pathname.endsWith('.ts')
    ? new Worker(
        `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`,
        {
          eval: true,
          workerData: task,
        },
      )
    : new Worker(url, { workerData: task });
  const done = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`fairness worker exited (code ${code}) before finishing`)));
  });
  // Awaited by the caller; this keeps a worker ended by the caller's own failure from being an unhandled rejection.
  done.catch(() => undefined);
  return { worker, done };
}
