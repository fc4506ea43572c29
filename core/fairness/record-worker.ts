// The recording thread of the two-thread pipeline (parallel.ts, evaluatePipelined): prepares the same evaluation as
// the main thread from the same input, then, resample by resample as the main thread publishes their group
// statistics in the shared ring, draws the same resample from its own generator, adds the reference model's AUC
// numerators, computes every metric, disparity and reference comparison and writes them straight into the shared
// resample matrices.
import { parentPort, workerData } from 'node:worker_threads';
import { createRng } from '../random/rng.ts';
import { drawResample, recordResample } from './report.ts';
import { prepareWorkerEvaluation, type WorkerTask } from './worker-task.ts';

export interface RecordTask extends WorkerTask {
  /** The ring: `slots` blocks of 2 × statsBlock values (candidate, then reference). */
  stats: SharedArrayBuffer;
  slots: number;
  statsBlock: number;
  /** Int32 [0]: resamples whose statistics the main thread has written (main → this thread). */
  ready: SharedArrayBuffer;
  /** Int32 [0]: resamples this thread has recorded, so their ring slots may be reused (this thread → main). */
  recorded: SharedArrayBuffer;
}

const task = workerData as RecordTask;
const port = parentPort!;
const ev = prepareWorkerEvaluation(task, 'record worker');
const block = task.statsBlock;
const stats = new Float64Array(task.stats);
const ready = new Int32Array(task.ready);
const recorded = new Int32Array(task.recorded);
const candRows = new Float64Array(task.candRows);
const refRows = new Float64Array(task.refRows);
const rng = createRng(ev.seed);
const multiplicity = new Float64Array(ev.n);
for (let b = 0; b < ev.resamples; b++) {
  drawResample(ev, rng, multiplicity); // the main thread's draw of resample b: same generator, same order
  for (let seen = Atomics.load(ready, 0); seen <= b; seen = Atomics.load(ready, 0)) Atomics.wait(ready, 0, seen);
  const at = (b % task.slots) * 2 * block;
  const cs = ev.engine.statsOf(stats.subarray(at, at + block));
  let rs;
  if (ev.reference !== undefined) {
    const refBlock = stats.subarray(at + block, at + 2 * block);
    ev.engine.addAuc(ev.reference, multiplicity, refBlock);
    rs = ev.engine.statsOf(refBlock);
  }
  recordResample(ev, cs, rs, candRows, refRows, b);
  Atomics.store(recorded, 0, b + 1);
  Atomics.notify(recorded, 0);
}
port.postMessage('done');
