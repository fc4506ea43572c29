// A worker thread of evaluateFairnessParallel (parallel.ts): prepares the same evaluation as the main thread
// from the same input, waits for the generator state at the first resample of its range, and writes that range's
// values straight into the shared resample matrices.
import { parentPort, workerData } from 'node:worker_threads';
import { createRng, type RngState } from '../random/rng.ts';
import { runResamples } from './report.ts';
import { prepareWorkerEvaluation, type WorkerTask } from './worker-task.ts';

export interface ResampleTask extends WorkerTask {
  from: number;
  to: number;
}

const task = workerData as ResampleTask;
const port = parentPort!;
const ev = prepareWorkerEvaluation(task, 'resample worker');
port.once('message', (state: RngState) => {
  const rows = (buffer: SharedArrayBuffer): Float64Array => new Float64Array(buffer);
  runResamples(ev, createRng(ev.seed, state), task.from, task.to, rows(task.candRows), rows(task.refRows));
  port.postMessage('done');
});
