// Heartbeats, epoch checkpoints and resume for the steps that train (baseline, fine-tuning).
// - After every epoch: write progress/epoch-<n>.bin (weights + trainer state) and report it with onProgress at once,
//   so every epoch's checkpoint is offered to the server, however short the epoch.
// - Between epoch ends, at most every HEARTBEAT_INTERVAL_MS of wall time: onProgress again (liveness), carrying the
//   latest epoch checkpoint, so the last heartbeat a retried attempt sees is always one it can resume from. Wall
//   time, not a step count: a step of a large model can take seconds, a step of a small MLP microseconds.
// - At most every YIELD_INTERVAL_MS: yield to the event loop (setImmediate), so heartbeats and I/O are not starved.
// The clock only paces reporting; it never touches what is trained, so results stay deterministic.
// Epoch numbers in StepProgress count completed epochs (1-based); a resumed attempt continues at resume.epoch + 1.
import * as tf from '@tensorflow/tfjs';
import { canonicalJson, sha256Hex } from '../data/hash.ts';
import type { EpochContext, EpochReport, StepInfo, TrainState } from '../model/train.ts';
import { getWeightValues } from '../model/weights.ts';
import type { ArtifactRef, StepIdentity, StepProgress } from './contracts.ts';
import {
  decodeEpochCheckpoint,
  encodeEpochCheckpoint,
  writeModelWeights,
  type EpochCheckpoint,
} from './checkpoints.ts';
import { keyOf, stepDir } from '../storage/layout.ts';
import type { StepContext } from '../step/context.ts';

export const HEARTBEAT_INTERVAL_MS = 1000;
export const YIELD_INTERVAL_MS = 50;

/** sha256 of the canonical JSON of whatever decides a step's result (never the campaign id). */
export function fingerprintOf(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

export class StepAbortedError extends Error {
  override name = 'StepAbortedError';
}

/**
 * The epoch checkpoint a retried attempt would resume from, or undefined when it is gone or damaged (missing, other
 * bytes than its sha256, unreadable): progress files are scratch, and a step is deterministic, so the attempt then
 * starts afresh and reproduces the same result instead of failing the campaign. Said on stderr, with the key.
 */
async function readEpochCheckpoint(ctx: StepContext, ref: ArtifactRef): Promise<EpochCheckpoint | undefined> {
  try {
    return decodeEpochCheckpoint(await ctx.store.get(ref), ref.uri);
  } catch (err) {
    // By name, as the activity adapter maps errors: any BlobStore (S3, or the tests' in-memory one) raises them.
    const damaged = ['ArtifactIntegrityError', 'ArtifactNotFoundError', 'EpochCheckpointError'];
    if (!(err instanceof Error) || !damaged.includes(err.name)) throw err;
    console.warn(`not resuming from ${ref.uri}: ${err.message}; the step starts afresh`);
    return undefined;
  }
}

export interface ProgressDriver {
  /** The checkpoint this attempt resumes from, or undefined for a fresh start. */
  resumed: EpochCheckpoint | undefined;
  afterStep(info: StepInfo): Promise<void>;
  onEpochEnd(report: EpochReport, context: EpochContext, lambda?: Record<string, number>): Promise<void>;
}

/**
 * Sets up progress reporting for one training step and, when ctx.resume names an epoch checkpoint of this step
 * with the same input fingerprint, loads its weights into `model` and returns it as `resumed`.
 */
export async function createProgressDriver(
  step: StepIdentity,
  ctx: StepContext,
  model: tf.LayersModel,
  epochs: number,
  fingerprint: string,
): Promise<ProgressDriver> {
  const dir = stepDir(step);
  let resumed: EpochCheckpoint | undefined;
  let lastCheckpoint: ArtifactRef | undefined;
  let completed = 0;
  let lastLoss = 0;
  const resume = ctx.resume;
  if (resume?.checkpoint !== undefined && resume.stepKey === step.stepKey) {
    // Only this step's own progress files are trusted.
    const key = keyOf(ctx.store, resume.checkpoint);
    const candidate = key.startsWith(`${dir}/progress/`)
      ? await readEpochCheckpoint(ctx, resume.checkpoint)
      : undefined;
    if (candidate !== undefined) {
      if (candidate.fingerprint === fingerprint && candidate.epoch === resume.epoch) {
        writeModelWeights(model, candidate.weights);
        resumed = candidate;
        lastCheckpoint = resume.checkpoint;
        completed = candidate.epoch;
        lastLoss = candidate.loss;
      }
    }
  }

  let stepsSinceEpoch = 0;
  let lossSum = 0;
  let lastBeat = performance.now();
  let lastYield = lastBeat;
  const report = async (p: StepProgress) => {
    if (ctx.onProgress !== undefined) await ctx.onProgress(p);
  };
  return {
    resumed,
    afterStep: async (info) => {
      if (ctx.signal?.aborted)
        throw new StepAbortedError(`${step.stepKey}: aborted at epoch ${info.epoch + 1}, step ${info.step}`);
      stepsSinceEpoch++;
      lossSum += info.loss;
      const now = performance.now();
      if (now - lastYield >= YIELD_INTERVAL_MS) {
        await new Promise<void>((r) => setImmediate(r));
        lastYield = performance.now();
      }
      if (now - lastBeat >= HEARTBEAT_INTERVAL_MS) {
        lastBeat = now;
        await report({
          stepKey: step.stepKey,
          epoch: completed,
          epochs,
          loss: stepsSinceEpoch > 0 ? lossSum / stepsSinceEpoch : lastLoss,
          ...(lastCheckpoint === undefined ? {} : { checkpoint: lastCheckpoint }),
        });
      }
    },
    onEpochEnd: async (epochReport, context, lambda) => {
      const epoch = epochReport.epoch + 1;
      const state: TrainState = context.state();
      const bytes = encodeEpochCheckpoint({
        epoch,
        fingerprint,
        loss: epochReport.loss,
        weights: getWeightValues(model),
        state,
        ...(lambda === undefined ? {} : { lambda: { ...lambda } }),
      });
      // Mutable: progress files are scratch (a retry on another backend may write other bytes); results are not.
      lastCheckpoint = await ctx.store.put(`${dir}/progress/epoch-${epoch}.bin`, bytes, { mode: 'mutable' });
      completed = epoch;
      lastLoss = epochReport.loss;
      stepsSinceEpoch = 0;
      lossSum = 0;
      lastBeat = performance.now();
      await report({ stepKey: step.stepKey, epoch, epochs, loss: epochReport.loss, checkpoint: lastCheckpoint });
    },
  };
}
