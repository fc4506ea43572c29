// evaluateFairness with the bootstrap resamples spread over worker threads. Resample b is drawn from the same
// generator state as in a one-thread run (the main thread walks the generator through every range's draws and
// hands each worker the state at its first resample), and every resample's values land in the same row of the
// same matrices, so the report is identical for any number of threads (tests/unit/fairness/parallel.test.ts).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createRng } from '../random/rng.ts';
import { DEFAULT_BOOTSTRAP_RESAMPLES } from './bootstrap.ts';
import {
  drawResample,
  evaluateFairness,
  finishEvaluation,
  prepareEvaluation,
  runResamples,
  type EvaluationInput,
  type EvaluationOptions,
} from './report.ts';
import type { FairnessReport } from './report-types.ts';
import type { ResampleTask } from './resample-worker.ts';

/** Below this many resamples per thread, a thread's start-up (~0.1–0.2 s: loading and preparing) costs more than it saves. */
const MIN_RESAMPLES_PER_THREAD = 100;

/**
 * Rows × resamples a thread must have to pay for itself. Every thread loads the engine, prepares the evaluation and
 * warms up its own compiled code (V8 optimizes per thread): ~0.8 s of CPU before it runs at full speed, against
 * ~60 ns per row and resample after. On the 16,281-row Adult file with 1,000 resamples (16 M) two threads took
 * 2.6 s as a whole process and one 2.1 s (`npm run bench -- fairness`), so a second thread starts at 40 M.
 */
export const ROW_RESAMPLES_PER_THREAD = 40_000_000;

/**
 * The default thread count: one per ROW_RESAMPLES_PER_THREAD of work, at least one, at most every core and 4 (the
 * engine's start-up per thread makes more pay off only on huge files).
 */
export function defaultFairnessThreads(rows: number, resamples: number): number {
  const byWork = Math.floor((rows * resamples) / ROW_RESAMPLES_PER_THREAD);
  return Math.max(1, Math.min(4, availableParallelism(), byWork));
}

/**
 * The fairness report, its resamples computed on `threads` threads (this one included). Falls back to one thread
 * for few resamples, or when options carry a custom metric registry (its functions cannot be sent to a thread).
 */
export async function evaluateFairnessParallel(
  input: EvaluationInput,
  options: EvaluationOptions = {},
  threads?: number,
): Promise<FairnessReport> {
  const resamples = options.bootstrap ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  threads ??= defaultFairnessThreads(input.label.length, resamples);
  const parts = Math.min(threads, Math.floor(resamples / MIN_RESAMPLES_PER_THREAD));
  if (parts <= 1 || options.registry !== undefined) return evaluateFairness(input, options);

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
    return spawnResampleWorker(task);
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

function spawnResampleWorker(task: ResampleTask): { worker: Worker; done: Promise<void> } {
  // Compiled, the worker is the .js file beside this one. From the sources (tests, tsx) it is a .ts file, and a
  // worker thread does not inherit tsx's loader: a small bootstrap registers it in the thread first.
  const url = new URL(`./resample-worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);
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
    worker.once('exit', (code) => reject(new Error(`resample worker exited (code ${code}) before finishing`)));
  });
  // Awaited by the caller; this keeps a worker ended by the caller's own failure from being an unhandled rejection.
  done.catch(() => undefined);
  return { worker, done };
}
