// A worker thread of evaluateFairnessParallel (parallel.ts): prepares the same evaluation as the main thread
// from the same input, waits for the generator state at the first resample of its range, and writes that range's
// values straight into the shared resample matrices.
import { parentPort, workerData } from 'node:worker_threads';
import { createRng, type RngState } from '../random/rng.ts';
import { prepareEvaluation, runResamples, type EvaluationInput, type EvaluationOptions } from './report.ts';

export interface ResampleTask {
  input: EvaluationInput;
  options: EvaluationOptions;
  from: number;
  to: number;
  candRows: SharedArrayBuffer;
  refRows: SharedArrayBuffer;
  /** Slots per resample the main thread's evaluation has: a worker whose evaluation differs refuses to write. */
  candSlots: number;
  refSlots: number;
}

const task = workerData as ResampleTask;
const port = parentPort!;
const ev = prepareEvaluation(task.input, task.options);
if (ev.candPaths.length !== task.candSlots || ev.refPaths.length !== task.refSlots) {
  throw new Error(
    `resample worker: ${ev.candPaths.length}/${ev.refPaths.length} values per resample, ` +
      `the main thread has ${task.candSlots}/${task.refSlots}`,
  );
}
port.once('message', (state: RngState) => {
  const rows = (buffer: SharedArrayBuffer): Float64Array => new Float64Array(buffer);
  runResamples(ev, createRng(ev.seed, state), task.from, task.to, rows(task.candRows), rows(task.refRows));
  port.postMessage('done');
});
