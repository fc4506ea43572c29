// What every fairness worker thread (resample-worker.ts, record-worker.ts) gets from the main thread, and the
// evaluation it prepares from that: the same input and options give the same evaluation, which the worker checks
// against the main thread's layout before it writes a value into the shared matrices.
import { prepareEvaluation, type Evaluation, type EvaluationInput, type EvaluationOptions } from './report.ts';

export interface WorkerTask {
  input: EvaluationInput;
  options: EvaluationOptions;
  /** The resample-major matrices every thread writes its resamples' values into. */
  candRows: SharedArrayBuffer;
  refRows: SharedArrayBuffer;
  /** Values per resample in the main thread's evaluation. */
  candSlots: number;
  refSlots: number;
  /** Group statistics per model in the main thread's engine, when the worker reads them (the pipeline). */
  statsBlock?: number;
}

/** The task's evaluation, or an error naming `who` when its layout differs from the main thread's. */
export function prepareWorkerEvaluation(task: WorkerTask, who: string): Evaluation {
  const ev = prepareEvaluation(task.input, task.options);
  const block = ev.engine.statsBlock;
  if (
    ev.candPaths.length !== task.candSlots ||
    ev.refPaths.length !== task.refSlots ||
    (task.statsBlock !== undefined && block !== task.statsBlock)
  ) {
    throw new Error(
      `${who}: ${ev.candPaths.length}/${ev.refPaths.length} values and ${block} statistics per resample, ` +
        `the main thread has ${task.candSlots}/${task.refSlots} and ${task.statsBlock ?? 'any'}`,
    );
  }
  return ev;
}
