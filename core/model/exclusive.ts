// One tfjs job at a time per process, each inside a tfjs scope: the queue campaign steps and deployment audits run
// their tfjs work through.
import * as tf from '@tensorflow/tfjs';

/** A heartbeat a job sends while it waits in the queue (a campaign step's StepProgress has this shape). */
export interface QueueBeat {
  stepKey: string;
  epoch: number;
  epochs: number;
  loss: number;
}

/** Where a waiting job heartbeats to, and the resume point it repeats (a campaign StepContext satisfies it). */
export interface QueueHeartbeat {
  onProgress?: (p: QueueBeat) => void | Promise<void>;
  resume?: QueueBeat;
}

let tfQueue: Promise<unknown> = Promise.resolve();
const WAIT_HEARTBEAT_MS = 1000;

/**
 * Runs a step's tfjs work alone in this process, inside a tfjs scope that disposes every tensor the step left
 * behind. Why: core/model's trainModel and setWeightValues leave a few tensors undisposed per call (the initial
 * values of Adam's moment variables; the values written into variables), and a long-lived worker must not grow.
 * A tfjs scope spanning awaits is only safe when no other tfjs work interleaves, hence the process-wide queue
 * (tfjs runs on one thread anyway, so concurrent steps gain nothing). A step waiting in the queue heartbeats its
 * resume point every second, so its activity is not timed out while it waits.
 */
export async function tfExclusive<T>(stepKey: string, ctx: QueueHeartbeat, work: () => Promise<T>): Promise<T> {
  const previous = tfQueue;
  let release!: () => void;
  tfQueue = new Promise<void>((r) => (release = r));
  const waiting = setInterval(() => {
    const beat = ctx.resume?.stepKey === stepKey ? ctx.resume : { stepKey, epoch: 0, epochs: 0, loss: 0 };
    Promise.resolve(ctx.onProgress?.(beat)).catch(() => undefined);
  }, WAIT_HEARTBEAT_MS);
  try {
    await previous.catch(() => undefined);
  } finally {
    clearInterval(waiting);
  }
  const engine = tf.engine();
  engine.startScope('fairshrink-campaign-step');
  try {
    return await work();
  } finally {
    engine.endScope();
    release();
  }
}
