// Pruning masks: one Uint8Array per prunable weight tensor (1 = keep, 0 = pruned), keyed by weight name.
// tfjs has no pruning API (docs/references.md, "Compression and fairness"), so a mask is kept beside the
// model and re-applied after every optimizer step. Biases are never masked (weights.ts, isPrunable).
import * as tf from '@tensorflow/tfjs';
import { concatBytes } from '../storage/bytes.ts';
import { isPrunable, tensorSize, type NamedWeight } from './weights.ts';

export type MaskSet = Map<string, Uint8Array>;

/** All-ones masks for every prunable tensor. */
export function denseMasks(weights: readonly NamedWeight[]): MaskSet {
  const masks: MaskSet = new Map();
  for (const w of weights) if (isPrunable(w)) masks.set(w.name, new Uint8Array(w.values.length).fill(1));
  return masks;
}

/** Copies of the weights with pruned entries set to exactly +0. Tensors without a mask are copied unchanged. */
export function applyMasksToWeights(weights: readonly NamedWeight[], masks: MaskSet): NamedWeight[] {
  return weights.map((w) => {
    const values = new Float32Array(w.values);
    const mask = masks.get(w.name);
    if (mask !== undefined) {
      if (mask.length !== values.length)
        throw new Error(`applyMasksToWeights: mask for ${w.name} has ${mask.length} entries, tensor ${values.length}`);
      for (let i = 0; i < values.length; i++) if (mask[i] === 0) values[i] = 0;
    }
    return { name: w.name, shape: [...w.shape], values };
  });
}

/** Checks every mask matches a tensor of the same size; throws naming the offender. */
export function validateMasks(weights: readonly NamedWeight[], masks: MaskSet): void {
  const byName = new Map(weights.map((w) => [w.name, w]));
  for (const [name, mask] of masks) {
    const w = byName.get(name);
    if (w === undefined) throw new Error(`mask ${name} has no weight tensor of that name`);
    if (mask.length !== tensorSize(w.shape))
      throw new Error(`mask ${name} has ${mask.length} entries, tensor ${tensorSize(w.shape)}`);
  }
}

export interface TensorSparsity {
  name: string;
  total: number;
  nonzeros: number;
  /** 1 − nonzeros / total. */
  sparsity: number;
}

export interface SparsityStats {
  layers: TensorSparsity[];
  /** Over prunable tensors only (biases excluded, as they are never pruned). */
  global: { total: number; nonzeros: number; sparsity: number };
}

/** Sparsity measured on the values themselves (counts exact zeros), per prunable tensor and globally. */
export function sparsityStats(weights: readonly NamedWeight[]): SparsityStats {
  const layers: TensorSparsity[] = [];
  let total = 0;
  let nonzeros = 0;
  for (const w of weights) {
    if (!isPrunable(w)) continue;
    let nnz = 0;
    for (const v of w.values) if (v !== 0) nnz++;
    layers.push({ name: w.name, total: w.values.length, nonzeros: nnz, sparsity: 1 - nnz / w.values.length });
    total += w.values.length;
    nonzeros += nnz;
  }
  return { layers, global: { total, nonzeros, sparsity: total === 0 ? 0 : 1 - nonzeros / total } };
}

/** Sparsity of the masks themselves (fraction of zeros), per tensor and globally. */
export function maskSparsity(masks: MaskSet): SparsityStats {
  const layers: TensorSparsity[] = [];
  let total = 0;
  let kept = 0;
  for (const name of [...masks.keys()].sort()) {
    const mask = masks.get(name)!;
    let k = 0;
    for (const m of mask) k += m;
    layers.push({ name, total: mask.length, nonzeros: k, sparsity: 1 - k / mask.length });
    total += mask.length;
    kept += k;
  }
  return { layers, global: { total, nonzeros: kept, sparsity: total === 0 ? 0 : 1 - kept / total } };
}

// masks.bin, version 1 (all integers little-endian):
//   magic "FSMK" (4 bytes) · version u8 = 1 · count u32
//   per mask, sorted by name (UTF-16 code unit order, so the bytes depend only on the content):
//     nameLength u16 · name UTF-8 · length u32 · ceil(length / 8) bytes of bits, LSB first (bit i of byte k = entry 8k + i)
const MAGIC = [0x46, 0x53, 0x4d, 0x4b];
const VERSION = 1;

export function serializeMasks(masks: MaskSet): Uint8Array {
  const encoder = new TextEncoder();
  const names = [...masks.keys()].sort();
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(9);
  header.set(MAGIC, 0);
  header[4] = VERSION;
  new DataView(header.buffer).setUint32(5, names.length, true);
  parts.push(header);
  for (const name of names) {
    const mask = masks.get(name)!;
    const nameBytes = encoder.encode(name);
    if (nameBytes.length > 0xffff) throw new Error(`serializeMasks: name too long: ${name.slice(0, 40)}...`);
    const head = new Uint8Array(2 + nameBytes.length + 4);
    const view = new DataView(head.buffer);
    view.setUint16(0, nameBytes.length, true);
    head.set(nameBytes, 2);
    view.setUint32(2 + nameBytes.length, mask.length, true);
    const bits = new Uint8Array(Math.ceil(mask.length / 8));
    for (let i = 0; i < mask.length; i++) {
      const m = mask[i]!;
      if (m !== 0 && m !== 1) throw new Error(`serializeMasks: ${name}[${i}] = ${m}, expected 0 or 1`);
      if (m === 1) bits[i >> 3]! |= 1 << (i & 7);
    }
    parts.push(head, bits);
  }
  return concatBytes(parts);
}

export function deserializeMasks(bytes: Uint8Array): MaskSet {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (offset: number, n: number) => {
    if (offset + n > bytes.length) throw new Error(`deserializeMasks: truncated at byte ${offset} (need ${n} more)`);
  };
  need(0, 9);
  for (let i = 0; i < 4; i++)
    if (bytes[i] !== MAGIC[i]) throw new Error('deserializeMasks: not a masks.bin (bad magic)');
  if (bytes[4] !== VERSION) throw new Error(`deserializeMasks: unsupported version ${bytes[4]}`);
  const count = view.getUint32(5, true);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const masks: MaskSet = new Map();
  let offset = 9;
  for (let k = 0; k < count; k++) {
    need(offset, 2);
    const nameLength = view.getUint16(offset, true);
    offset += 2;
    need(offset, nameLength + 4);
    const name = decoder.decode(bytes.subarray(offset, offset + nameLength));
    offset += nameLength;
    const length = view.getUint32(offset, true);
    offset += 4;
    const nBytes = Math.ceil(length / 8);
    need(offset, nBytes);
    const mask = new Uint8Array(length);
    for (let i = 0; i < length; i++) mask[i] = (bytes[offset + (i >> 3)]! >> (i & 7)) & 1;
    offset += nBytes;
    masks.set(name, mask);
  }
  if (offset !== bytes.length) throw new Error(`deserializeMasks: ${bytes.length - offset} trailing bytes`);
  return masks;
}

/** Re-applies masks to a model's live variables (pruned entries ← +0); mask tensors are built once. */
export interface ModelMasker {
  apply(): void;
  dispose(): void;
}

/** Binds masks (keyed by weight name as in model.json, e.g. `dense_0/kernel`) to a model's variables. */
export function createModelMasker(model: tf.LayersModel, masks: MaskSet): ModelMasker {
  const bound: { variable: tf.Variable; keep: tf.Tensor; zeros: tf.Tensor }[] = [];
  const names = new Set(masks.keys());
  for (const w of model.weights) {
    const mask = masks.get(w.originalName);
    if (mask === undefined) continue;
    names.delete(w.originalName);
    const variable = w.read() as tf.Variable;
    if (variable.size !== mask.length)
      throw new Error(`createModelMasker: mask ${w.originalName} has ${mask.length} entries, weight ${variable.size}`);
    bound.push({ variable, keep: tf.tensor(mask, variable.shape, 'bool'), zeros: tf.zeros(variable.shape, 'float32') });
  }
  if (names.size > 0) throw new Error(`createModelMasker: no model weight named ${[...names].join(', ')}`);
  return {
    // where() rather than multiply: w · 0 is −0 for negative w, and the exported bytes should hold +0.
    apply: () =>
      tf.tidy(() => bound.forEach(({ variable, keep, zeros }) => variable.assign(tf.where(keep, variable, zeros)))),
    dispose: () => bound.forEach(({ keep, zeros }) => (keep.dispose(), zeros.dispose())),
  };
}

/** Zeroes the pruned weights of `model` in place. */
export function applyMasksToModel(model: tf.LayersModel, masks: MaskSet): void {
  const masker = createModelMasker(model, masks);
  masker.apply();
  masker.dispose();
}
