// Checkpoints of a campaign step: the tfjs model (model.json + weights.bin), its pruning masks (masks.bin) and int8
// export (int8.bin) under the step's folder; their size as deployed; and the epoch checkpoint format (weights +
// trainer state) that a retried step resumes from. Reading a checkpoint's model back is core/model/checkpoint.ts.
//
// progress/epoch-<n>.bin, version 1 (n = epochs completed, 1-based; integers little-endian):
//   magic "FSEP" (4 bytes) · version u8 = 1 · 3 zero bytes · header length u32 · header (canonical JSON, UTF-8) ·
//   zero padding to a multiple of 4 · float32 payload.
// The header holds the epoch, a fingerprint of the step's inputs (so a checkpoint of other inputs is never resumed),
// the scalar trainer state (Adam step, early-stopping counters, best validation loss, λ for constrained
// fine-tuning; JSON numbers round-trip float64 exactly) and a table of tensors { group, name, shape, offset, length }
// with offsets in float32 elements into the payload. Groups: "weights" (every model weight, model order),
// "m" and "v" (Adam moments), "best" (the best epoch's weights, when early stopping keeps them).
import * as tf from '@tensorflow/tfjs';
import { denseLayersFromWeights, weightsFromDenseLayers, type NamedWeight } from '../compression/weights.ts';
import { serializeMasks, deserializeMasks, sparsityStats, type MaskSet } from '../compression/masks.ts';
import { kernelUsesPerRow, modelSize } from '../compression/size.ts';
import { shrinkLayers } from '../compression/structured.ts';
import { canonicalJson } from '../data/hash.ts';
import { saveModelToBytes } from '../model/io.ts';
import type { TrainState } from '../model/train.ts';
import { getWeightValues, setWeightValues } from '../model/weights.ts';
import type { ArtifactRef, CheckpointRef, SizeSummary, StepIdentity } from './contracts.ts';
import { getCached, rememberBlob } from '../storage/blob-cache.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { stepDir } from '../storage/layout.ts';

/** Writes weights into a model without leaking the temporary tensors (core/model's setWeightValues creates them). */
export function writeModelWeights(model: tf.LayersModel, weights: readonly NamedWeight[]): void {
  tf.tidy(() => setWeightValues(model, weights));
}

export async function loadCheckpointMasks(store: BlobStore, checkpoint: CheckpointRef): Promise<MaskSet | undefined> {
  if (checkpoint.masks === undefined) return undefined;
  return deserializeMasks(await getCached(store, checkpoint.masks));
}

/** Hidden units whose outgoing row is pruned in full cannot affect the output: the deployed model drops them. */
function liveUnits(weights: readonly NamedWeight[], masks: MaskSet | undefined): Int32Array[] | undefined {
  let layers;
  try {
    layers = denseLayersFromWeights(
      weights,
      weights.map(() => 'linear' as const),
    );
  } catch {
    return undefined; // Not a plain chain of Dense layers (e.g. an imported model with other layers).
  }
  if (layers.length === 0) return undefined;
  const keep: Int32Array[] = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    const next = layers[l + 1]!;
    if (next.inputs !== layers[l]!.units) return undefined;
    const mask = masks?.get(next.kernelName);
    const alive: number[] = [];
    for (let j = 0; j < next.inputs; j++) {
      let used = mask === undefined;
      for (let k = 0; !used && k < next.units; k++) used = mask![j * next.units + k] === 1;
      if (used) alive.push(j);
    }
    keep.push(Int32Array.from(alive.length === 0 ? [0] : alive));
  }
  return keep;
}

/**
 * Size as deployed: dead hidden units (outgoing row fully pruned, e.g. by structured pruning) are removed, so a
 * structured candidate reports its shrunk parameter count. Bytes and FLOPs as core/compression's modelSize; pass
 * kernelUsesPerRow(model) for a model with convolution or embedding kernels.
 */
export function sizeOf(
  weights: readonly NamedWeight[],
  masks: MaskSet | undefined,
  usesPerRow?: ReadonlyMap<string, number>,
): SizeSummary {
  const keep = liveUnits(weights, masks);
  let deployed: readonly NamedWeight[] = weights;
  if (keep !== undefined) {
    const layers = denseLayersFromWeights(
      weights,
      weights.map(() => 'linear' as const),
    );
    deployed = weightsFromDenseLayers(shrinkLayers(layers, keep));
  }
  const t = modelSize(deployed, usesPerRow).total;
  return {
    parameters: t.parameters,
    nonzeros: t.nonzeros,
    denseBytes: t.denseBytes,
    sparseBytes: t.csrBytes,
    int8Bytes: t.int8Bytes,
    flops: t.flops,
  };
}

export interface SaveCheckpointOptions {
  masks?: MaskSet;
  int8?: Uint8Array;
  /** Stored as model.json's userDefinedMetadata (e.g. activation ranges of a fake-quant model). */
  metadata?: Record<string, unknown>;
}

/** Writes model.json, weights.bin (+ masks.bin, int8.bin) under the step folder; the bytes hold no ids or times. */
export async function saveCheckpoint(
  store: BlobStore,
  step: StepIdentity,
  model: tf.LayersModel,
  options: SaveCheckpointOptions = {},
): Promise<CheckpointRef> {
  const dir = stepDir(step);
  if (options.metadata !== undefined) model.setUserDefinedMetadata(options.metadata);
  const bytes = await saveModelToBytes(model);
  const put = async (name: string, data: Uint8Array, contentType: string): Promise<ArtifactRef> => {
    const ref = await store.put(`${dir}/${name}`, data, { contentType });
    rememberBlob(ref, data);
    return ref;
  };
  const modelJson = await put('model.json', bytes.modelJson, 'application/json');
  const weightsBin = await put('weights.bin', bytes.weightsBin, 'application/octet-stream');
  const checkpoint: CheckpointRef = {
    stepKey: step.stepKey,
    modelJson,
    weightsBin,
    sparsity: 0,
    parameters: 0,
    nonzeros: 0,
  };
  if (options.masks !== undefined)
    checkpoint.masks = await put('masks.bin', serializeMasks(options.masks), 'application/octet-stream');
  if (options.int8 !== undefined) checkpoint.int8 = await put('int8.bin', options.int8, 'application/octet-stream');
  const weights = getWeightValues(model);
  const size = sizeOf(weights, options.masks, kernelUsesPerRow(model));
  checkpoint.sparsity = sparsityStats(weights).global.sparsity;
  checkpoint.parameters = size.parameters;
  checkpoint.nonzeros = size.nonzeros;
  return checkpoint;
}

// ---- epoch checkpoints ----

const EPOCH_MAGIC = [0x46, 0x53, 0x45, 0x50]; // "FSEP"
const EPOCH_VERSION = 1;

/** What a retried step needs to continue after `epoch` (epochs completed), besides nothing else. */
export interface EpochCheckpoint {
  epoch: number;
  fingerprint: string;
  loss: number;
  weights: NamedWeight[];
  state: TrainState;
  /** λ_g of constrained fine-tuning (CEAG). */
  lambda?: Record<string, number>;
}

interface TensorEntry {
  group: 'weights' | 'm' | 'v' | 'best';
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

interface EpochHeader {
  format: 'fairshrink.epoch-checkpoint';
  version: number;
  epoch: number;
  fingerprint: string;
  loss: number;
  state: {
    nextEpoch: number;
    bestValLoss?: number;
    bestEpoch?: number;
    epochsWithoutImprovement: number;
    optimizerStep: number;
  };
  lambda?: Record<string, number>;
  tensors: TensorEntry[];
}

function assertLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
    throw new Error('epoch checkpoints assume a little-endian machine');
}

export function encodeEpochCheckpoint(checkpoint: EpochCheckpoint): Uint8Array {
  assertLittleEndian();
  const tensors: TensorEntry[] = [];
  const arrays: Float32Array[] = [];
  let offset = 0;
  const add = (group: TensorEntry['group'], list: readonly NamedWeight[]) => {
    for (const w of list) {
      tensors.push({ group, name: w.name, shape: [...w.shape], offset, length: w.values.length });
      arrays.push(w.values);
      offset += w.values.length;
    }
  };
  const { state } = checkpoint;
  add('weights', checkpoint.weights);
  add('m', state.optimizer.m);
  add('v', state.optimizer.v);
  if (state.bestWeights !== undefined) add('best', state.bestWeights);
  const header: EpochHeader = {
    format: 'fairshrink.epoch-checkpoint',
    version: EPOCH_VERSION,
    epoch: checkpoint.epoch,
    fingerprint: checkpoint.fingerprint,
    loss: checkpoint.loss,
    state: {
      nextEpoch: state.nextEpoch,
      ...(state.bestValLoss === undefined ? {} : { bestValLoss: state.bestValLoss }),
      ...(state.bestEpoch === undefined ? {} : { bestEpoch: state.bestEpoch }),
      epochsWithoutImprovement: state.epochsWithoutImprovement,
      optimizerStep: state.optimizer.step,
    },
    ...(checkpoint.lambda === undefined ? {} : { lambda: checkpoint.lambda }),
    tensors,
  };
  const headerBytes = new TextEncoder().encode(canonicalJson(header));
  const headerEnd = 12 + headerBytes.length;
  const payloadStart = headerEnd + ((4 - (headerEnd % 4)) % 4);
  const out = new Uint8Array(payloadStart + 4 * offset);
  out.set(EPOCH_MAGIC, 0);
  out[4] = EPOCH_VERSION;
  new DataView(out.buffer).setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  const payload = new Float32Array(out.buffer, payloadStart, offset);
  tensors.forEach((t, i) => payload.set(arrays[i]!, t.offset));
  return out;
}

/** Bytes that are not a readable epoch checkpoint. */
export class EpochCheckpointError extends Error {
  override name = 'EpochCheckpointError';
}

export function decodeEpochCheckpoint(bytes: Uint8Array, source = 'epoch checkpoint'): EpochCheckpoint {
  assertLittleEndian();
  if (bytes.length < 12 || EPOCH_MAGIC.some((b, i) => bytes[i] !== b))
    throw new EpochCheckpointError(`${source}: not a fairshrink epoch checkpoint (bad magic)`);
  if (bytes[4] !== EPOCH_VERSION) throw new EpochCheckpointError(`${source}: unsupported version ${bytes[4]}`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + headerLength > bytes.length) throw new EpochCheckpointError(`${source}: truncated header`);
  let header: EpochHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as EpochHeader;
  } catch (err) {
    throw new EpochCheckpointError(`${source}: unreadable header (${(err as Error).message})`);
  }
  const headerEnd = 12 + headerLength;
  const payloadStart = headerEnd + ((4 - (headerEnd % 4)) % 4);
  const count = (bytes.length - payloadStart) / 4;
  if (!Number.isInteger(count))
    throw new EpochCheckpointError(`${source}: payload is not a whole number of float32 values`);
  const payload = new Float32Array(bytes.slice(payloadStart).buffer);
  const group = (g: TensorEntry['group']): NamedWeight[] =>
    header.tensors
      .filter((t) => t.group === g)
      .map((t) => {
        if (t.offset + t.length > count)
          throw new EpochCheckpointError(`${source}: tensor ${t.name} runs past the end`);
        return { name: t.name, shape: t.shape, values: payload.slice(t.offset, t.offset + t.length) };
      });
  const best = group('best');
  const state: TrainState = {
    nextEpoch: header.state.nextEpoch,
    bestValLoss: header.state.bestValLoss,
    bestEpoch: header.state.bestEpoch,
    epochsWithoutImprovement: header.state.epochsWithoutImprovement,
    bestWeights: best.length > 0 ? best : undefined,
    optimizer: { step: header.state.optimizerStep, m: group('m'), v: group('v') },
  };
  return {
    epoch: header.epoch,
    fingerprint: header.fingerprint,
    loss: header.loss,
    weights: group('weights'),
    state,
    ...(header.lambda === undefined ? {} : { lambda: header.lambda }),
  };
}
