// The recording thread of the two-thread pipeline (parallel.ts, evaluatePipelined): prepares the same evaluation as
// the main thread from the same input, then, resample by resample as the main thread publishes their group
// statistics in the shared ring, adds the reference model's AUC numerators from the resample's multiplicities when
// the main thread left them to it, computes every metric, disparity and reference comparison and writes them
// straight into the shared resample matrices.
import { parentPort, workerData } from 'node:worker_threads';
import { recordResample } from './report.ts';
import { prepareWorkerEvaluation, type WorkerTask } from './worker-task.ts';

export interface RecordTask extends WorkerTask {
  /** The ring: `slots` blocks of 2 × statsBlock values (candidate, then reference). */
  stats: SharedArrayBuffer;
  /** Per slot, the resample's multiplicities as Uint16 (n per slot; empty without a reference model). */
  counts: SharedArrayBuffer;
  /** Per slot, Uint8: 1 when the main thread swept the reference's AUC itself, 0 when it is this thread's to add. */
  aucDone: SharedArrayBuffer;
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
const packed = new Uint16Array(task.counts);
const aucDone = new Uint8Array(task.aucDone);
const multiplicity = new Float64Array(ev.n);
for (let b = 0; b < ev.resamples; b++) {
  for (let seen = Atomics.load(ready, 0); seen <= b; seen = Atomics.load(ready, 0)) Atomics.wait(ready, 0, seen);
  const slot = b % task.slots;
  const at = slot * 2 * block;
  const cs = ev.engine.statsOf(stats.subarray(at, at + block));
  let rs;
  if (ev.reference !== undefined) {
    const refBlock = stats.subarray(at + block, at + 2 * block);
    if (aucDone[slot] === 0) {
      const n = multiplicity.length;
      for (let i = 0, from = slot * n; i < n; i++) multiplicity[i] = packed[from + i]!;
      ev.engine.addAuc(ev.reference, multiplicity, refBlock);
    }
    rs = ev.engine.statsOf(refBlock);
  }
  recordResample(ev, cs, rs, candRows, refRows, b);
  Atomics.store(recorded, 0, b + 1);
  Atomics.notify(recorded, 0);
}
port.postMessage('done');
