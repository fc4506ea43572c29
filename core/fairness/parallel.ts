// evaluateFairness on several threads, in one of two ways, with the report identical to a one-thread run's
// (tests/unit/fairness/parallel.test.ts):
// - Pipelined (two threads; files below SPLIT_ROW_RESAMPLES): this thread draws each resample and computes both
//   models' group statistics into a shared ring; a worker thread turns the statistics into every metric, disparity
//   and comparison. The reference model's AUC sweep (a third of a resample's statistics) goes to whichever thread has
//   time: while the worker keeps up, this thread leaves it to the worker with the resample's multiplicities in the
//   ring; once the worker lags half a ring behind (it warms up slower, or the machine is busy), this thread sweeps it
//   itself. Each thread runs, and so warms up, mostly its own share of the code, and neither waits long for the other.
//   Either thread's sweep gives the same numbers, so the report does not depend on which one ran it.
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
 * while it warms up), within RING_BYTES for files with many groups or rows.
 */
const RING_SLOTS = 256;
const RING_BYTES = 64 * 1024 * 1024;

/** Who sweeps the reference model's AUC in the pipeline: by the worker's lag (the default), or always one thread (tests). */
export type AucPolicy = 'by-lag' | 'worker' | 'main';

/**
 * Copies whole-number multiplicities into 16 bits; false (and `out` partly written) when one does not fit. A row
 * drawn 65,536 times in one resample needs a cell of that many rows and odds far below any float's resolution, but
 * then the main thread sweeps that resample's AUC itself.
 */
export function packMultiplicities(multiplicity: Float64Array, out: Uint16Array): boolean {
  for (let i = 0; i < multiplicity.length; i++) {
    const m = multiplicity[i]!;
    if (m > 0xffff) return false;
    out[i] = m;
  }
  return true;
}

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
  aucPolicy: AucPolicy = 'by-lag',
): Promise<FairnessReport> {
  const resamples = options.bootstrap ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const parts = Math.min(threads, Math.floor(resamples / MIN_RESAMPLES_PER_THREAD));
  if (parts <= 1 || options.registry !== undefined) return evaluateFairness(input, options);
  const split = way === 'auto' ? input.label.length * resamples >= SPLIT_ROW_RESAMPLES : way === 'split';
  return split ? evaluateSplit(input, options, parts) : evaluatePipelined(input, options, aucPolicy);
}

async function evaluatePipelined(
  input: EvaluationInput,
  options: EvaluationOptions,
  aucPolicy: AucPolicy,
): Promise<FairnessReport> {
  const ev = prepareEvaluation(input, options);
  const R = ev.resamples;
  const block = ev.engine.statsBlock;
  // Without a reference model there is no second AUC to hand over, and so no multiplicities in the ring.
  const counts = ev.reference === undefined ? 0 : ev.n;
  const slots = Math.max(1, Math.min(RING_SLOTS, R, Math.floor(RING_BYTES / (2 * 8 * block + 2 * counts))));
  const task: RecordTask = {
    ...{ input, options, slots, statsBlock: block },
    stats: new SharedArrayBuffer(8 * 2 * block * slots),
    counts: new SharedArrayBuffer(2 * counts * slots),
    aucDone: new SharedArrayBuffer(slots),
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
    const packed = new Uint16Array(task.counts);
    const aucDone = new Uint8Array(task.aucDone);
    const ready = new Int32Array(task.ready);
    const recorded = new Int32Array(task.recorded);
    const rng = createRng(ev.seed);
    const multiplicity = new Float64Array(ev.n);
    for (let b = 0; b < R; b++) {
      // A full ring waits for the recorder without blocking this thread's event loop, which must stay free to hear
      // that the worker failed.
      let done = Atomics.load(recorded, 0);
      for (; b - done >= slots; done = Atomics.load(recorded, 0)) {
        if (failure !== undefined) throw failure.error;
        await waitAsync(recorded, 0, done, 100).value;
      }
      drawResample(ev, rng, multiplicity);
      const slot = b % slots;
      const at = slot * 2 * block;
      const here =
        counts > 0 &&
        (aucPolicy === 'main' ||
          (aucPolicy === 'by-lag' && 2 * (b - done) >= slots) ||
          !packMultiplicities(multiplicity, packed.subarray(slot * counts, (slot + 1) * counts)));
      resampleStats(ev, multiplicity, stats.subarray(at, at + 2 * block), here);
      aucDone[slot] = here ? 1 : 0;
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
