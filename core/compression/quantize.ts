// Post-training quantization of Dense MLPs, simulated with fake-quant: tfjs has no int8 kernels (tfjs-converter's
// uint8 weight quantization is storage only, dequantized on load), so what would deploy is evaluated by putting the
// dequantized weights (and, optionally, fake-quantized activations) into a float model.
import type * as tf from '@tensorflow/tfjs';
import type { FeatureMatrix } from '../data/matrix.ts';
import { createRng, shuffleInPlace } from '../random/rng.ts';
import { columnMeans, forwardDense } from './forward.ts';
import { readDenseLayers, readWeights } from './model-adapter.ts';
import { type DenseLayerWeights, type NamedWeight, isPrunable, tensorSize } from './weights.ts';
import { concatBytes } from '../storage/bytes.ts';

export interface PerChannelInt8 {
  /** Same layout as the float kernel; entry k belongs to output channel k mod scales.length (kernelChannels). */
  q: Int8Array;
  /**
   * One scale per output channel: max |w| over the channel / 127 rounded up to the next binary16 value (0 for an all-zero
   * channel), so a stored package keeps the scales in 2 bytes with no loss; see quantizePerChannel.
   */
  scales: Float32Array;
}

/** Largest finite binary16 value (IEEE 754-2008, §3.6: (2 − 2^-10) · 2^15). */
const FLOAT16_MAX = 65504;

/**
 * The smallest binary16 value ≥ x, for finite x in [0, FLOAT16_MAX]; above that range x itself (the scale then
 * stays float32, and the package stores that layer's scales as float32).
 */
export function float16Ceil(x: number): number {
  if (!(x > 0) || x > FLOAT16_MAX) return x;
  const r = roundToFloat16(x);
  if (r >= x) return r;
  // r < x: step up by one binary16 ulp at r's exponent (subnormals: 2^-24; normals: 10 fraction bits).
  const exponent = Math.max(Math.floor(Math.log2(r)), -14);
  return r + Math.pow(2, exponent - 10);
}

/** A DepthwiseConv2D's (or SeparableConv2D's depthwise) kernel, [kh, kw, in, multiplier], by its tfjs/Keras weight name. */
export function isDepthwiseKernel(name: string): boolean {
  return name.endsWith('/depthwise_kernel');
}

/**
 * Output channels of a kernel, the unit of per-channel quantization and of BatchNormalization folding: the last axis
 * (Dense [in, units], Conv [.., in, filters], Embedding [vocabulary, dim]), or for a depthwise kernel
 * [kh, kw, in, multiplier] the last two, since its output channel i·multiplier + m has a filter of its own. Either
 * way the channel of row-major entry k is k mod channels.
 */
export function kernelChannels(weight: { name: string; shape: readonly number[] }): number {
  const { shape } = weight;
  const last = shape[shape.length - 1]!;
  return isDepthwiseKernel(weight.name) && shape.length >= 2 ? shape[shape.length - 2]! * last : last;
}

/** Round half away from zero, so quantization is symmetric around 0. */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * Symmetric per-channel int8 (TFLite int8 spec; Krishnamoorthi 2018, §2.3): s_j = max_i |w_ij| / 127,
 * q_ij = clamp(round(w_ij / s_j), −127, 127). Zero maps to q = 0 and back to exactly 0; |w − s·q| ≤ s/2.
 * s_j is rounded up to a binary16 value (at most 2^-10 relative), so the scales that are gated are exactly the
 * ones a package stores in float16; rounding up keeps |w_ij / s_j| ≤ 127, so the clamp never cuts a weight.
 * `channels` trailing entries form one row (default the last axis; kernelChannels gives it for any kernel).
 */
export function quantizePerChannel(
  values: Float32Array,
  shape: readonly number[],
  channels: number = shape[shape.length - 1]!,
): PerChannelInt8 {
  const units = channels;
  if (values.length !== tensorSize(shape)) throw new Error('quantizePerChannel: shape does not match values');
  if (!(units > 0 && values.length % units === 0))
    throw new Error(`quantizePerChannel: ${units} channels do not divide a tensor of ${values.length} entries`);
  const rows = values.length / units;
  const scales = new Float32Array(units);
  for (let j = 0; j < units; j++) {
    let max = 0;
    for (let i = 0; i < rows; i++) max = Math.max(max, Math.abs(values[i * units + j]!));
    scales[j] = float16Ceil(max / 127);
  }
  const q = new Int8Array(values.length);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < units; j++) {
      const s = scales[j]!;
      const v = values[i * units + j]!;
      q[i * units + j] = s === 0 || v === 0 ? 0 : Math.max(-127, Math.min(127, roundHalfAway(v / s)));
    }
  return { q, scales };
}

export function dequantizePerChannel(quantized: PerChannelInt8): Float32Array {
  const { q, scales } = quantized;
  const units = scales.length;
  const out = new Float32Array(q.length);
  for (let k = 0; k < q.length; k++) out[k] = q[k]! * scales[k % units]!;
  return out;
}

/** Round to IEEE 754 binary16 (round to nearest, ties to even) and back; overflow → ±Infinity, zeros keep their sign. */
export function roundToFloat16(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  if (a >= 65520) return sign * Infinity; // Above the largest half (65504) plus half an ulp.
  // Subnormal halves are multiples of 2^-24; normal halves have 10 fraction bits.
  const exponent = Math.max(Math.floor(Math.log2(a)), -14);
  const ulp = Math.pow(2, exponent - 10);
  const scaled = a / ulp;
  let r = Math.round(scaled);
  if (r - scaled === 0.5 && r % 2 === 1) r -= 1; // Ties to even.
  return sign * r * ulp;
}

export function float16RoundTrip(values: Float32Array): Float32Array {
  return Float32Array.from(values, roundToFloat16);
}

export type WeightPrecision = 'int8' | 'float16';

export interface QuantizedModel {
  /** Weights to put in the float model for fake-quant evaluation (dequantized kernels; biases as given). */
  weights: NamedWeight[];
  /** int8 kernels by name (only for precision 'int8'). */
  int8: Map<string, PerChannelInt8>;
}

/** Quantizes every kernel (rank ≥ 2) to int8 per channel or to float16; biases stay float32 (as TFLite int8 keeps int32/float bias). */
export function quantizeWeights(weights: readonly NamedWeight[], precision: WeightPrecision = 'int8'): QuantizedModel {
  const int8 = new Map<string, PerChannelInt8>();
  const out = weights.map((w) => {
    if (!isPrunable(w)) return { name: w.name, shape: [...w.shape], values: new Float32Array(w.values) };
    if (precision === 'float16') return { name: w.name, shape: [...w.shape], values: float16RoundTrip(w.values) };
    const q = quantizePerChannel(w.values, w.shape, kernelChannels(w));
    int8.set(w.name, q);
    return { name: w.name, shape: [...w.shape], values: dequantizePerChannel(q) };
  });
  return { weights: out, int8 };
}

/**
 * Empirical bias correction (Nagel et al. 2019, "Data-Free Quantization", §4.2): the quantization error of a layer
 * shifts its expected output by E[x](W_q − W); subtract it from the bias: b'_j = b_j − Σ_i E[x_i](W_q,ij − W_ij).
 * `meanInputs[l]` is E[x] of layer l's input on calibration data, from the float model.
 */
export function biasCorrection(
  floatLayers: readonly DenseLayerWeights[],
  quantizedKernels: readonly Float32Array[],
  meanInputs: readonly Float64Array[],
): Float32Array[] {
  return floatLayers.map((layer, l) => {
    const wq = quantizedKernels[l]!;
    const mean = meanInputs[l]!;
    const corrected = new Float64Array(layer.units);
    if (layer.bias !== undefined) for (let j = 0; j < layer.units; j++) corrected[j] = layer.bias[j]!;
    for (let i = 0; i < layer.inputs; i++) {
      const m = mean[i]!;
      for (let j = 0; j < layer.units; j++)
        corrected[j]! -= m * (wq[i * layer.units + j]! - layer.kernel[i * layer.units + j]!);
    }
    return Float32Array.from(corrected);
  });
}

/** Mean input of every layer of the float model on `x` (rows × inputs). */
export function meanLayerInputs(layers: readonly DenseLayerWeights[], x: Float32Array, rows: number): Float64Array[] {
  const means: Float64Array[] = [];
  forwardDense(layers, x, rows, { onLayerInput: (l, input) => (means[l] = columnMeans(input, layers[l]!.inputs)) });
  return means;
}

export interface ActivationRange {
  min: number;
  max: number;
  /** uint8 affine: real = scale · (q − zeroPoint) (Jacob et al. 2018, eq. 1). */
  scale: number;
  zeroPoint: number;
}

export interface CalibrationOptions {
  /** Rows drawn (seeded, without replacement) for calibration; default min(rows, 1000). */
  samples?: number;
  seed: number;
  /** 'minmax', or a percentile p in (50, 100]: range = [P_{100−p}, P_p] of the observed values. */
  method: 'minmax' | { percentile: number };
}

/** uint8 range covering [min, max] and always 0, so zero (ReLU outputs, pruned paths) is exactly representable. */
export function activationRange(min: number, max: number): ActivationRange {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  const zeroPoint = Math.max(0, Math.min(255, Math.round(-lo / scale)));
  return { min: lo, max: hi, scale, zeroPoint };
}

export function fakeQuantActivations(values: Float32Array, range: ActivationRange): void {
  const { scale, zeroPoint } = range;
  for (let i = 0; i < values.length; i++) {
    const q = Math.max(0, Math.min(255, Math.round(values[i]! / scale) + zeroPoint));
    values[i] = (q - zeroPoint) * scale;
  }
}

function percentile(sorted: Float32Array, p: number): number {
  if (sorted.length === 0) return 0;
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Per-tensor ranges for every layer input, calibrated on a seeded subset of rows (on the float model). */
export function calibrateActivations(
  layers: readonly DenseLayerWeights[],
  x: Float32Array,
  rows: number,
  options: CalibrationOptions,
): { ranges: ActivationRange[]; sampleRows: number[] } {
  const features = layers[0]!.inputs;
  const order = Array.from({ length: rows }, (_, i) => i);
  shuffleInPlace(order, createRng(options.seed));
  const sampleRows = order.slice(0, Math.min(rows, options.samples ?? 1000)).sort((a, b) => a - b);
  const sample = new Float32Array(sampleRows.length * features);
  sampleRows.forEach((r, k) => sample.set(x.subarray(r * features, (r + 1) * features), k * features));
  const ranges: ActivationRange[] = [];
  forwardDense(layers, sample, sampleRows.length, {
    onLayerInput: (l, input) => {
      if (options.method === 'minmax') {
        let min = Infinity;
        let max = -Infinity;
        for (const v of input) {
          if (v < min) min = v;
          if (v > max) max = v;
        }
        ranges[l] = activationRange(min, max);
      } else {
        const p = options.method.percentile;
        if (!(p > 50 && p <= 100)) throw new Error(`percentile must be in (50, 100], got ${p}`);
        const sorted = Float32Array.from(input).sort();
        ranges[l] = activationRange(percentile(sorted, 100 - p), percentile(sorted, p));
      }
    },
  });
  return { ranges, sampleRows };
}

/** Output of the model with fake-quantized weights (already in `layers`) and fake-quantized layer inputs. */
export function forwardFakeQuant(
  layers: readonly DenseLayerWeights[],
  x: Float32Array,
  rows: number,
  ranges: readonly ActivationRange[] | undefined,
): Float32Array {
  if (ranges === undefined) return forwardDense(layers, x, rows);
  return forwardDense(layers, x, rows, { transformInput: (l, input) => fakeQuantActivations(input, ranges[l]!) });
}

// Int8 weights file (".q8"), version 1, all integers little-endian:
//   magic "FSQ8" · version u8 = 1 · count u32
//   per tensor, in model weight order: nameLength u16 · name UTF-8 · kind u8 (0 = float32, 1 = int8 per channel of
//     the last axis, 2 = int8 per channel of the last two axes: depthwise kernels) · rank u8 · dims u32 × rank
//     · kind 1 and 2: scales f32 × channels (last dim; last two dims' product), then q int8 × size
//     · kind 0: values f32 × size
// Dequantized value of entry k = q[k] · scales[k mod channels]. Kind 2 was added with convolutional models; files
// holding only kinds 0 and 1 are read as before.
const Q8_MAGIC = [0x46, 0x53, 0x51, 0x38];

export function exportInt8(weights: readonly NamedWeight[], int8: ReadonlyMap<string, PerChannelInt8>): Uint8Array {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  const header = new Uint8Array(9);
  header.set(Q8_MAGIC, 0);
  header[4] = 1;
  new DataView(header.buffer).setUint32(5, weights.length, true);
  chunks.push(header);
  for (const w of weights) {
    const name = encoder.encode(w.name);
    const q = int8.get(w.name);
    const head = new Uint8Array(2 + name.length + 2 + 4 * w.shape.length);
    const view = new DataView(head.buffer);
    view.setUint16(0, name.length, true);
    head.set(name, 2);
    const lastDim = w.shape[w.shape.length - 1];
    if (q !== undefined && q.scales.length !== lastDim && q.scales.length !== kernelChannels(w))
      throw new Error(`exportInt8: ${w.name} has ${q.scales.length} scales for shape [${w.shape.join(', ')}]`);
    head[2 + name.length] = q === undefined ? 0 : q.scales.length === lastDim ? 1 : 2;
    head[3 + name.length] = w.shape.length;
    w.shape.forEach((d, k) => view.setUint32(4 + name.length + 4 * k, d, true));
    chunks.push(head);
    if (q === undefined) {
      const body = new Uint8Array(4 * w.values.length);
      const bv = new DataView(body.buffer);
      w.values.forEach((v, k) => bv.setFloat32(4 * k, v, true));
      chunks.push(body);
    } else {
      const scales = new Uint8Array(4 * q.scales.length);
      const sv = new DataView(scales.buffer);
      q.scales.forEach((s, k) => sv.setFloat32(4 * k, s, true));
      chunks.push(scales, new Uint8Array(q.q.buffer, q.q.byteOffset, q.q.byteLength).slice());
    }
  }
  return concatBytes(chunks);
}

export function importInt8(bytes: Uint8Array): QuantizedModel {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (offset: number, n: number) => {
    if (offset + n > bytes.length) throw new Error(`importInt8: truncated at byte ${offset}`);
  };
  need(0, 9);
  for (let i = 0; i < 4; i++) if (bytes[i] !== Q8_MAGIC[i]) throw new Error('importInt8: bad magic');
  if (bytes[4] !== 1) throw new Error(`importInt8: unsupported version ${bytes[4]}`);
  const count = view.getUint32(5, true);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const weights: NamedWeight[] = [];
  const int8 = new Map<string, PerChannelInt8>();
  let offset = 9;
  for (let t = 0; t < count; t++) {
    need(offset, 2);
    const nameLength = view.getUint16(offset, true);
    need(offset + 2, nameLength + 2);
    const name = decoder.decode(bytes.subarray(offset + 2, offset + 2 + nameLength));
    offset += 2 + nameLength;
    const kind = bytes[offset]!;
    const rank = bytes[offset + 1]!;
    offset += 2;
    need(offset, 4 * rank);
    const shape = Array.from({ length: rank }, (_, k) => view.getUint32(offset + 4 * k, true));
    offset += 4 * rank;
    const size = tensorSize(shape);
    if (kind === 0) {
      need(offset, 4 * size);
      const values = new Float32Array(size);
      for (let k = 0; k < size; k++) values[k] = view.getFloat32(offset + 4 * k, true);
      offset += 4 * size;
      weights.push({ name, shape, values });
    } else if (kind === 1 || kind === 2) {
      if (kind === 2 && rank < 2)
        throw new Error(`importInt8: ${name} is per channel of two axes but has rank ${rank}`);
      const units = kind === 1 ? shape[rank - 1]! : shape[rank - 2]! * shape[rank - 1]!;
      need(offset, 4 * units + size);
      const scales = new Float32Array(units);
      for (let k = 0; k < units; k++) scales[k] = view.getFloat32(offset + 4 * k, true);
      offset += 4 * units;
      const q = new Int8Array(bytes.slice(offset, offset + size).buffer);
      offset += size;
      const quantized = { q, scales };
      int8.set(name, quantized);
      weights.push({ name, shape, values: dequantizePerChannel(quantized) });
    } else throw new Error(`importInt8: unknown tensor kind ${kind} for ${name}`);
  }
  if (offset !== bytes.length) throw new Error(`importInt8: ${bytes.length - offset} trailing bytes`);
  return { weights, int8 };
}

export interface FakeQuantOptions {
  precision: WeightPrecision;
  /** Empirical bias correction (Nagel et al. 2019) from the layer-input means on these rows (int8 only). */
  biasCorrectionData?: FeatureMatrix;
  /** Fake-quantize every layer input to uint8 with ranges calibrated on a seeded subset of these rows. */
  activations?: CalibrationOptions & { data: FeatureMatrix };
}

export interface FakeQuantModel {
  precision: WeightPrecision;
  /** Dequantized (and bias-corrected) weights, in model order: write them into the model to evaluate what would deploy. */
  weights: NamedWeight[];
  int8: Map<string, PerChannelInt8>;
  activationRanges: ActivationRange[] | undefined;
  /** P(y = 1) with fake-quant weights and, when calibrated, fake-quant activations (plain-array forward pass). */
  predict(x: FeatureMatrix): Float32Array;
  /** The int8 export (format above); weights only, activation ranges are not stored. */
  exportBytes(): Uint8Array;
}

/** Post-training quantization of a Dense MLP, simulated with fake-quant (see the header). The model is not modified. */
export function fakeQuantize(model: tf.LayersModel, options: FakeQuantOptions): FakeQuantModel {
  const floatWeights = readWeights(model);
  const floatLayers = readDenseLayers(model);
  const { weights, int8 } = quantizeWeights(floatWeights, options.precision);
  const byName = new Map(weights.map((w) => [w.name, w]));
  if (options.biasCorrectionData !== undefined) {
    const data = options.biasCorrectionData;
    const corrected = biasCorrection(
      floatLayers,
      floatLayers.map((l) => byName.get(l.kernelName)!.values),
      meanLayerInputs(floatLayers, data.values, data.rows),
    );
    floatLayers.forEach((layer, l) => {
      if (layer.biasName === undefined) return; // No bias to correct (useBias: false).
      byName.get(layer.biasName)!.values = corrected[l]!;
    });
  }
  const quantLayers = floatLayers.map((layer) => ({
    ...layer,
    kernel: byName.get(layer.kernelName)!.values,
    bias: layer.biasName === undefined ? undefined : byName.get(layer.biasName)!.values,
  }));
  const activationRanges =
    options.activations === undefined
      ? undefined
      : calibrateActivations(
          floatLayers,
          options.activations.data.values,
          options.activations.data.rows,
          options.activations,
        ).ranges;
  return {
    precision: options.precision,
    weights,
    int8,
    activationRanges,
    predict: (x) => forwardFakeQuant(quantLayers, x.values, x.rows, activationRanges),
    exportBytes: () => exportInt8(weights, int8),
  };
}
