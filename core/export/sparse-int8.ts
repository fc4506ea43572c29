// sparse-int8: a compact single-file package of a Dense MLP for storage and transfer. Per layer the nonzero pattern
// (bitmask or CSR, whichever is smaller), int8 values, per-channel scales (float16 when every scale of the layer is
// exactly a float16, else float32) and float32 biases; a header with magic, version, layer count, content length
// and the sha256 of the content. The byte layout is documented in docs/export.md. Dequantized weights are
// fround(q · scale), exactly as core/compression's dequantizePerChannel, so the loaded model predicts bitwise what
// the quantized checkpoint predicted.
import { createHash } from 'node:crypto';
import { quantizePerChannel, type ActivationRange, type PerChannelInt8 } from '../compression/quantize.ts';
import type { DenseActivation, DenseLayerWeights } from '../compression/weights.ts';
import {
  ExportFormatError,
  fileNamed,
  layerNameOf,
  type ExportedModel,
  type ExportFile,
  type ExportSource,
  type LoadedModel,
} from './contract.ts';
import { denseChainModel } from './dense-chain.ts';
import { float16Bits, float16Value, isExactFloat16 } from './float16.ts';

export const SPARSE_INT8_FILE = 'model.fss8';
export const SPARSE_INT8_MAGIC = [0x46, 0x53, 0x53, 0x38]; // "FSS8"
export const SPARSE_INT8_VERSION = 1;
/** magic 4 · version 1 · flags 1 · layer count 2 · content length 4 · sha256 32. */
export const SPARSE_INT8_HEADER_BYTES = 44;

const ACTIVATIONS: readonly DenseActivation[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu'];
const FLAG_ACTIVATION_RANGES = 1;
const PATTERN_BITMASK = 0;
const PATTERN_CSR = 1;
const PATTERN_CSC = 2;
const SCALE_FLOAT32 = 0;
const SCALE_FLOAT16 = 1;

/** Bytes per index: the narrowest unsigned integer that holds `max`. */
export function indexWidth(max: number): 1 | 2 | 4 {
  return max <= 0xff ? 1 : max <= 0xffff ? 2 : 4;
}

/** How one layer's kernel is stored; exposed for size reports and tests. */
export interface LayerLayout {
  name: string;
  inputs: number;
  units: number;
  nonzeros: number;
  pattern: 'bitmask' | 'csr' | 'csc';
  patternBytes: number;
  scales: 'float32' | 'float16';
}

class Writer {
  private chunks: Uint8Array[] = [];
  length = 0;
  bytes(data: Uint8Array): void {
    this.chunks.push(data);
    this.length += data.length;
  }
  private fixed(size: number, write: (view: DataView) => void): void {
    const data = new Uint8Array(size);
    write(new DataView(data.buffer));
    this.bytes(data);
  }
  u8(v: number): void {
    this.fixed(1, (d) => d.setUint8(0, v));
  }
  u32(v: number): void {
    this.fixed(4, (d) => d.setUint32(0, v, true));
  }
  uint(v: number, width: 1 | 2 | 4): void {
    this.fixed(width, (d) =>
      width === 1 ? d.setUint8(0, v) : width === 2 ? d.setUint16(0, v, true) : d.setUint32(0, v, true),
    );
  }
  f32Array(values: ArrayLike<number>): void {
    this.fixed(4 * values.length, (d) => {
      for (let k = 0; k < values.length; k++) d.setFloat32(4 * k, values[k]!, true);
    });
  }
  f64(v: number): void {
    this.fixed(8, (d) => d.setFloat64(0, v, true));
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
}

/** The int8 codes of a layer: the checkpoint's own (checked against its float kernel), or quantized here. */
function codesOf(layer: DenseLayerWeights, int8: ExportSource['int8']): PerChannelInt8 {
  const given = int8?.get(layer.kernelName);
  if (given === undefined) return quantizePerChannel(layer.kernel, [layer.inputs, layer.units]);
  const { q, scales } = given;
  if (q.length !== layer.kernel.length || scales.length !== layer.units)
    throw new Error(`sparse-int8: the int8 codes of ${layer.kernelName} do not match its shape`);
  const dequantized = new Float32Array(1);
  for (let k = 0; k < q.length; k++) {
    dequantized[0] = q[k]! * scales[k % layer.units]!;
    if (!Object.is(dequantized[0], layer.kernel[k]) && !(dequantized[0] === 0 && layer.kernel[k] === 0))
      throw new Error(
        `sparse-int8: the int8 codes of ${layer.kernelName} do not dequantize to the checkpoint's kernel (entry ${k})`,
      );
  }
  return given;
}

/**
 * Drops the incoming weights of hidden units whose outgoing weights are all zero (e.g. every weight after them
 * pruned): such a unit's activation is multiplied by exactly 0 in the next layer, so what it computes cannot change
 * any prediction, bit for bit, and its column need not be stored. Applied from the last hidden layer back, since
 * dropping a column can leave units of the layer before without outgoing weights. Scales and biases stay.
 */
function withoutUnusedInputs(layers: readonly DenseLayerWeights[], codes: PerChannelInt8[]): PerChannelInt8[] {
  const out = codes.map((c) => ({ q: c.q, scales: c.scales }));
  for (let l = layers.length - 2; l >= 0; l--) {
    const { units } = layers[l]!;
    const next = out[l + 1]!.q;
    const nextUnits = layers[l + 1]!.units;
    let q = out[l]!.q;
    for (let j = 0; j < units; j++) {
      let used = false;
      for (let k = 0; !used && k < nextUnits; k++) used = next[j * nextUnits + k] !== 0;
      if (used) continue;
      if (q === codes[l]!.q) q = new Int8Array(q); // Never modify the caller's codes.
      for (let i = 0; i < layers[l]!.inputs; i++) q[i * units + j] = 0;
    }
    out[l] = { q, scales: out[l]!.scales };
  }
  return out;
}

/** Encodes a model as one sparse-int8 file. */
export function encodeSparseInt8(source: ExportSource): ExportedModel & { layout: LayerLayout[] } {
  const { layers } = source;
  if (layers.length === 0 || layers.length > 0xffff)
    throw new Error(`sparse-int8: cannot store ${layers.length} layers`);
  const ranges = source.activationRanges;
  if (ranges !== undefined && ranges.length !== layers.length)
    throw new Error(`sparse-int8: ${ranges.length} activation ranges for ${layers.length} layers`);
  const content = new Writer();
  const layout: LayerLayout[] = [];
  const encoder = new TextEncoder();
  const codes = withoutUnusedInputs(
    layers,
    layers.map((layer) => codesOf(layer, source.int8)),
  );
  for (const [l, layer] of layers.entries()) {
    const name = encoder.encode(layerNameOf(layer.kernelName));
    if (name.length === 0 || name.length > 0xff)
      throw new Error(`sparse-int8: layer name of ${layer.kernelName} must be 1–255 bytes`);
    const { q, scales } = codes[l]!;
    const n = q.length;
    let nnz = 0;
    for (let k = 0; k < n; k++) if (q[k] !== 0) nnz++;
    const bitmaskBytes = Math.ceil(n / 8);
    const ptr = indexWidth(nnz);
    // CSR compresses the kernel's rows (inputs), CSC its columns (units): fewer pointers for the shorter side.
    const csrIdx = indexWidth(Math.max(0, layer.units - 1));
    const cscIdx = indexWidth(Math.max(0, layer.inputs - 1));
    const csrBytes = (layer.inputs + 1) * ptr + nnz * csrIdx;
    const cscBytes = (layer.units + 1) * ptr + nnz * cscIdx;
    const smallest = Math.min(bitmaskBytes, csrBytes, cscBytes);
    const pattern = smallest === bitmaskBytes ? PATTERN_BITMASK : smallest === csrBytes ? PATTERN_CSR : PATTERN_CSC;
    const idx = pattern === PATTERN_CSC ? cscIdx : csrIdx;
    const half = Array.from(scales).every(isExactFloat16);
    content.u8(name.length);
    content.bytes(name);
    content.u8(ACTIVATIONS.indexOf(layer.activation));
    content.u8(layer.bias === undefined ? 0 : 1);
    content.u8(pattern);
    content.u8(pattern === PATTERN_BITMASK ? 0 : idx);
    content.u8(pattern === PATTERN_BITMASK ? 0 : ptr);
    content.u8(half ? SCALE_FLOAT16 : SCALE_FLOAT32);
    content.u32(layer.inputs);
    content.u32(layer.units);
    content.u32(nnz);
    const values = new Int8Array(nnz);
    if (pattern === PATTERN_BITMASK) {
      const bits = new Uint8Array(bitmaskBytes);
      let v = 0;
      for (let k = 0; k < n; k++)
        if (q[k] !== 0) {
          bits[k >> 3]! |= 1 << (k & 7);
          values[v++] = q[k]!;
        }
      content.bytes(bits);
    } else {
      // CSR over the row-major kernel [inputs, units]: row pointers (inputs + 1), then column (unit) indices.
      // CSC: column pointers (units + 1), then row (input) indices; values in column-major order.
      const csc = pattern === PATTERN_CSC;
      const [outer, inner] = csc ? [layer.units, layer.inputs] : [layer.inputs, layer.units];
      const pointers: number[] = [0];
      const indices: number[] = [];
      let v = 0;
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const value = q[csc ? i * layer.units + o : o * layer.units + i]!;
          if (value === 0) continue;
          indices.push(i);
          values[v++] = value;
        }
        pointers.push(v);
      }
      for (const p of pointers) content.uint(p, ptr);
      for (const index of indices) content.uint(index, idx);
    }
    content.bytes(new Uint8Array(values.buffer));
    if (half) for (const s of scales) content.uint(float16Bits(s), 2);
    else content.f32Array(scales);
    if (layer.bias !== undefined) content.f32Array(layer.bias);
    layout.push({
      name: layerNameOf(layer.kernelName),
      inputs: layer.inputs,
      units: layer.units,
      nonzeros: nnz,
      pattern: pattern === PATTERN_CSR ? 'csr' : pattern === PATTERN_CSC ? 'csc' : 'bitmask',
      patternBytes: smallest,
      scales: half ? 'float16' : 'float32',
    });
  }
  if (ranges !== undefined)
    for (const r of ranges) {
      content.f64(r.min);
      content.f64(r.max);
      content.f64(r.scale);
      content.f64(r.zeroPoint);
    }
  const body = content.concat();
  const header = new Uint8Array(SPARSE_INT8_HEADER_BYTES);
  const view = new DataView(header.buffer);
  header.set(SPARSE_INT8_MAGIC, 0);
  header[4] = SPARSE_INT8_VERSION;
  header[5] = ranges === undefined ? 0 : FLAG_ACTIVATION_RANGES;
  view.setUint16(6, layers.length, true);
  view.setUint32(8, body.length, true);
  header.set(createHash('sha256').update(body).digest(), 12);
  const file = new Uint8Array(header.length + body.length);
  file.set(header, 0);
  file.set(body, header.length);
  return { format: 'sparse-int8', files: [{ name: SPARSE_INT8_FILE, bytes: file }], layout };
}

const fail = (reason: ConstructorParameters<typeof ExportFormatError>[1], message: string) =>
  new ExportFormatError('sparse-int8', reason, message);

/** Decodes a sparse-int8 file into Dense layers (dequantized) and activation ranges; refuses a damaged file. */
export function decodeSparseInt8(bytes: Uint8Array): {
  layers: DenseLayerWeights[];
  activationRanges?: ActivationRange[];
} {
  if (bytes.length < 4 || SPARSE_INT8_MAGIC.some((b, i) => bytes[i] !== b))
    throw fail('bad-magic', 'not a sparse-int8 file (the first 4 bytes are not "FSS8")');
  if (bytes.length < SPARSE_INT8_HEADER_BYTES)
    throw fail('truncated', `the header needs ${SPARSE_INT8_HEADER_BYTES} bytes, the file has ${bytes.length}`);
  if (bytes[4] !== SPARSE_INT8_VERSION)
    throw fail(
      'unsupported-version',
      `format version ${bytes[4]} (header byte 4) is not supported (this fairshrink reads version ${SPARSE_INT8_VERSION}); re-export the model with this version`,
    );
  const header = new DataView(bytes.buffer, bytes.byteOffset, SPARSE_INT8_HEADER_BYTES);
  const flags = bytes[5]!;
  if ((flags & ~FLAG_ACTIVATION_RANGES) !== 0) throw fail('malformed', `unknown flags 0x${flags.toString(16)}`);
  const layerCount = header.getUint16(6, true);
  const contentLength = header.getUint32(8, true);
  const actual = bytes.length - SPARSE_INT8_HEADER_BYTES;
  if (actual < contentLength)
    throw fail(
      'truncated',
      `the header's content length (bytes 8–11) announces ${contentLength} content bytes, the file has ${actual}`,
    );
  if (actual > contentLength)
    throw fail(
      'trailing-bytes',
      `${actual - contentLength} bytes after the ${contentLength} content bytes the header (bytes 8–11) announces`,
    );
  const content = bytes.subarray(SPARSE_INT8_HEADER_BYTES);
  const digest = createHash('sha256').update(content).digest();
  if (!digest.equals(bytes.subarray(12, 44)))
    throw fail(
      'checksum-mismatch',
      `the sha256 of the content (bytes ${SPARSE_INT8_HEADER_BYTES}–${bytes.length - 1}) does not match the one in the header (bytes 12–43): the file is corrupted`,
    );

  const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
  let offset = 0;
  const need = (n: number, what: string) => {
    if (offset + n > content.length)
      throw fail('malformed', `${what} at byte ${SPARSE_INT8_HEADER_BYTES + offset} runs past the end of the content`);
  };
  const u8 = (what: string) => {
    need(1, what);
    return content[offset++]!;
  };
  const u32 = (what: string) => {
    need(4, what);
    const v = view.getUint32(offset, true);
    offset += 4;
    return v;
  };
  const uint = (width: number) => {
    const v =
      width === 1 ? view.getUint8(offset) : width === 2 ? view.getUint16(offset, true) : view.getUint32(offset, true);
    offset += width;
    return v;
  };
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const layers: DenseLayerWeights[] = [];
  for (let l = 0; l < layerCount; l++) {
    const nameLength = u8('a layer name length');
    need(nameLength, 'a layer name');
    let name: string;
    try {
      name = decoder.decode(content.subarray(offset, offset + nameLength));
    } catch {
      throw fail('malformed', `layer ${l}: the name is not UTF-8`);
    }
    offset += nameLength;
    const activation = ACTIVATIONS[u8('an activation')];
    const hasBias = u8('a bias flag');
    const pattern = u8('a pattern kind');
    const idx = u8('an index width');
    const ptr = u8('a pointer width');
    const scaleType = u8('a scale type');
    const inputs = u32('inputs');
    const units = u32('units');
    const nnz = u32('nonzeros');
    const n = inputs * units;
    if (activation === undefined || hasBias > 1 || scaleType > 1 || units === 0 || inputs === 0 || nnz > n)
      throw fail('malformed', `layer ${l} (${name}): invalid layer record`);
    if (l > 0 && layers[l - 1]!.units !== inputs)
      throw fail(
        'malformed',
        `layer ${l} (${name}) takes ${inputs} inputs but layer ${l - 1} has ${layers[l - 1]!.units} units`,
      );
    const positions = new Int32Array(nnz);
    if (pattern === PATTERN_BITMASK) {
      need(Math.ceil(n / 8), `layer ${l} (${name}): the bitmask`);
      let v = 0;
      for (let k = 0; k < n; k++)
        if (content[offset + (k >> 3)]! & (1 << (k & 7))) {
          if (v === nnz) throw fail('malformed', `layer ${l} (${name}): the bitmask has more than ${nnz} bits set`);
          positions[v++] = k;
        }
      if (v !== nnz)
        throw fail('malformed', `layer ${l} (${name}): the bitmask has ${v} bits set, the header says ${nnz}`);
      offset += Math.ceil(n / 8);
    } else if (pattern === PATTERN_CSR && [1, 2, 4].includes(idx) && [1, 2, 4].includes(ptr)) {
      need((inputs + 1) * ptr + nnz * idx, `layer ${l} (${name}): the CSR index`);
      const pointers = Array.from({ length: inputs + 1 }, () => uint(ptr));
      if (pointers[0] !== 0 || pointers[inputs] !== nnz || pointers.some((p, i) => i > 0 && p < pointers[i - 1]!))
        throw fail('malformed', `layer ${l} (${name}): CSR row pointers are not a non-decreasing 0..${nnz}`);
      for (let i = 0; i < inputs; i++)
        for (let v = pointers[i]!; v < pointers[i + 1]!; v++) {
          const column = uint(idx);
          if (column >= units || (v > pointers[i]! && column <= positions[v - 1]! - i * units))
            throw fail('malformed', `layer ${l} (${name}): CSR column ${column} out of order or range`);
          positions[v] = i * units + column;
        }
    } else if (pattern === PATTERN_CSC && [1, 2, 4].includes(idx) && [1, 2, 4].includes(ptr)) {
      need((units + 1) * ptr + nnz * idx, `layer ${l} (${name}): the CSC index`);
      const pointers = Array.from({ length: units + 1 }, () => uint(ptr));
      if (pointers[0] !== 0 || pointers[units] !== nnz || pointers.some((p, j) => j > 0 && p < pointers[j - 1]!))
        throw fail('malformed', `layer ${l} (${name}): CSC column pointers are not a non-decreasing 0..${nnz}`);
      let previous = -1;
      for (let j = 0; j < units; j++)
        for (let v = pointers[j]!; v < pointers[j + 1]!; v++) {
          const row = uint(idx);
          if (row >= inputs || (v > pointers[j]! && row <= previous))
            throw fail('malformed', `layer ${l} (${name}): CSC row ${row} out of order or range`);
          previous = row;
          positions[v] = row * units + j;
        }
    } else
      throw fail(
        'malformed',
        `layer ${l} (${name}): unknown pattern kind ${pattern} (index width ${idx}, pointer width ${ptr})`,
      );
    need(nnz, `layer ${l} (${name}): the int8 values`);
    const values = new Int8Array(content.slice(offset, offset + nnz).buffer);
    offset += nnz;
    const scales = new Float32Array(units);
    need(units * (scaleType === SCALE_FLOAT16 ? 2 : 4), `layer ${l} (${name}): the scales`);
    for (let j = 0; j < units; j++)
      scales[j] = scaleType === SCALE_FLOAT16 ? float16Value(uint(2)) : view.getFloat32(offset + 4 * j, true);
    if (scaleType === SCALE_FLOAT32) offset += 4 * units;
    let bias: Float32Array | undefined;
    if (hasBias === 1) {
      need(4 * units, `layer ${l} (${name}): the biases`);
      bias = new Float32Array(units);
      for (let j = 0; j < units; j++) bias[j] = view.getFloat32(offset + 4 * j, true);
      offset += 4 * units;
    }
    const kernel = new Float32Array(n);
    for (let v = 0; v < nnz; v++) {
      if (values[v] === 0) throw fail('malformed', `layer ${l} (${name}): a stored value is 0`);
      const k = positions[v]!;
      kernel[k] = values[v]! * scales[k % units]!;
    }
    layers.push({
      kernelName: `${name}/kernel`,
      biasName: bias === undefined ? undefined : `${name}/bias`,
      inputs,
      units,
      kernel,
      bias,
      activation,
    });
  }
  let activationRanges: ActivationRange[] | undefined;
  if (flags & FLAG_ACTIVATION_RANGES) {
    need(32 * layerCount, 'the activation ranges');
    activationRanges = layers.map((_, l) => {
      const at = offset + 32 * l;
      return {
        min: view.getFloat64(at, true),
        max: view.getFloat64(at + 8, true),
        scale: view.getFloat64(at + 16, true),
        zeroPoint: view.getFloat64(at + 24, true),
      };
    });
    offset += 32 * layerCount;
  }
  if (offset !== content.length)
    throw fail('malformed', `${content.length - offset} unread bytes after the last record`);
  return { layers, ...(activationRanges === undefined ? {} : { activationRanges }) };
}

/** Loads a sparse-int8 export as a tfjs model (the caller disposes it). */
export function loadSparseInt8(files: readonly ExportFile[]): LoadedModel {
  const { layers, activationRanges } = decodeSparseInt8(fileNamed('sparse-int8', files, SPARSE_INT8_FILE));
  return { model: denseChainModel(layers), ...(activationRanges === undefined ? {} : { activationRanges }) };
}
