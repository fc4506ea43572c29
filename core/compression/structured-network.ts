// Structured pruning through convolutional models: whole output filters of Conv1D / Conv2D / SeparableConv2D (and
// units of Dense) are removed together with everything that only served them, so the saved model really shrinks:
// the filter's kernel slice and bias, the matching BatchNormalization parameters, the channels a following
// DepthwiseConv2D computes from it (its kernel slice and bias), and the input channels of the next Conv / Separable /
// Dense (through Flatten: every flattened position of that channel; through global pooling: its one input). An
// Embedding's output channels are its embedding dimensions: removing one drops that column of the embedding matrix
// and, through Flatten, the next Dense layer's inputs at that dimension of every sequence position.
// Filters are ranked by the L1 norm of their weights (Li et al. 2017, "Pruning Filters for Efficient ConvNets", §3.1).
import * as tf from '@tensorflow/tfjs';
import { layerChain } from '../model/forward.ts';
import { getWeightValues, setWeightValues } from '../model/weights.ts';
import type { MaskSet } from './masks.ts';
import { selectUnits } from './structured.ts';
import type { NamedWeight } from './weights.ts';

/** Layers whose output channels can be removed, and the weight whose last axis holds them. */
const PRODUCERS: Readonly<Record<string, string>> = {
  Embedding: 'embeddings',
  Dense: 'kernel',
  Conv1D: 'kernel',
  Conv2D: 'kernel',
  SeparableConv2D: 'pointwise_kernel',
};
/** The config field that counts a producer's output channels. */
const WIDTH_FIELD: Readonly<Record<string, string>> = {
  Embedding: 'outputDim',
  Dense: 'units',
  Conv1D: 'filters',
  Conv2D: 'filters',
  SeparableConv2D: 'filters',
};
/** Layers that map channel c of their input to channel c of their output (no weights across channels). */
const CHANNELWISE = new Set([
  'BatchNormalization',
  'ReLU',
  'Activation',
  'Dropout',
  'MaxPooling1D',
  'MaxPooling2D',
  'AveragePooling1D',
  'AveragePooling2D',
  'GlobalMaxPooling1D',
  'GlobalMaxPooling2D',
  'GlobalAveragePooling1D',
  'GlobalAveragePooling2D',
]);

/** A producer, the layers its channels pass through, and the layer that consumes them. */
interface Segment {
  producer: tf.layers.Layer;
  between: tf.layers.Layer[];
  consumer: tf.layers.Layer;
}

const depthMultiplierOf = (layer: tf.layers.Layer) =>
  (layer as unknown as { depthMultiplier?: number }).depthMultiplier ?? 1;

/** Every producer whose channels reach a consumer: the prunable layers, in model order. */
function segmentsOf(model: tf.LayersModel): Segment[] {
  const chain = layerChain(model);
  if (chain === undefined)
    throw new Error('structured pruning: the model is not a single chain of layers (one input, one output)');
  const segments: Segment[] = [];
  let open: { producer: tf.layers.Layer; between: tf.layers.Layer[] } | undefined;
  for (const layer of chain) {
    const cls = layer.getClassName();
    if (PRODUCERS[cls] !== undefined) {
      if (open !== undefined) segments.push({ ...open, consumer: layer });
      open = { producer: layer, between: [] };
    } else if (CHANNELWISE.has(cls) || cls === 'DepthwiseConv2D' || cls === 'Flatten') {
      open?.between.push(layer);
    } else {
      // Anything else whose channels are not a producer's: nothing before it can be pruned through it.
      open = undefined;
    }
  }
  return segments;
}

/** The depthwise outputs (input channel c, multiplier m: c·m … c·m + m − 1) of a Depthwise or Separable layer. */
function depthwiseChannels(layer: tf.layers.Layer, channels: readonly number[]): number[] {
  const m = depthMultiplierOf(layer);
  return channels.flatMap((c) => Array.from({ length: m }, (_, k) => c * m + k));
}

/** The channels of the tensor after `layer` that come from input channels `channels` (sorted). */
function passChannels(layer: tf.layers.Layer, channels: readonly number[]): number[] {
  const cls = layer.getClassName();
  if (cls === 'DepthwiseConv2D') return depthwiseChannels(layer, channels);
  if (cls === 'Flatten') {
    const inShape = (layer.input as tf.SymbolicTensor).shape as number[];
    const c = inShape[inShape.length - 1]!;
    const positions = inShape.slice(1, -1).reduce((a, b) => a * b, 1);
    return Array.from({ length: positions }, (_, p) => channels.map((ch) => p * c + ch)).flat();
  }
  return [...channels];
}

/** Entries of `weight` whose index on `axis` is in `keep` (sorted), row-major. */
function sliceAxis(weight: NamedWeight, axis: number, keep: readonly number[]): NamedWeight {
  const shape = weight.shape;
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const dim = shape[axis]!;
  const values = new Float32Array(outer * keep.length * inner);
  let o = 0;
  for (let a = 0; a < outer; a++)
    for (const k of keep) {
      const start = (a * dim + k) * inner;
      values.set(weight.values.subarray(start, start + inner), o);
      o += inner;
    }
  const newShape = [...shape];
  newShape[axis] = keep.length;
  return { name: weight.name, shape: newShape, values };
}

/** Weights of `layer` that carry its input channels, and the axis: consumer kernels, depthwise and BN parameters. */
function inputChannelWeights(layer: tf.layers.Layer, weights: ReadonlyMap<string, NamedWeight>): [string, number][] {
  const cls = layer.getClassName();
  const own = (suffix: string) => `${layer.name}/${suffix}`;
  if (cls === 'Dense' || cls === 'Conv1D' || cls === 'Conv2D')
    return [[own('kernel'), weights.get(own('kernel'))!.shape.length - 2]];
  if (cls === 'SeparableConv2D' || cls === 'DepthwiseConv2D') return [[own('depthwise_kernel'), 2]];
  if (cls === 'BatchNormalization')
    return ['gamma', 'beta', 'moving_mean', 'moving_variance']
      .map((p) => own(p))
      .filter((n) => weights.has(n))
      .map((n) => [n, 0]);
  return [];
}

/** Per prunable layer (name), the output channels to keep; layers not named keep all. */
export type ChannelKeep = ReadonlyMap<string, readonly number[]>;

export interface PrunedNetwork {
  /** A new, smaller model (same topology, fewer channels); the input model is not modified. */
  model: tf.LayersModel;
  /** Output channels of every prunable layer after pruning, in model order. */
  channels: number[];
}

/** The channel indices of `n` in sorted order. */
const all = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * Removes the output channels of prunable layers not in `keep`, and every weight that only served them (see the
 * header). With a layer's channels zeroed by `structuredChannelMasks`, the smaller model computes the same outputs.
 */
export function pruneChannels(model: tf.LayersModel, keep: ChannelKeep): PrunedNetwork {
  const segments = segmentsOf(model);
  const weights = new Map(getWeightValues(model).map((w) => [w.name, w]));
  const widths = new Map<string, number>();
  for (const { producer, between, consumer } of segments) {
    const outName = `${producer.name}/${PRODUCERS[producer.getClassName()]!}`;
    const out = weights.get(outName)!;
    const total = out.shape[out.shape.length - 1]!;
    const kept = [...(keep.get(producer.name) ?? all(total))];
    if (kept.length === 0) throw new Error(`structured pruning: ${producer.name} would have no channels left`);
    if (kept.some((c, i) => !(Number.isInteger(c) && c >= 0 && c < total) || (i > 0 && c <= kept[i - 1]!)))
      throw new Error(
        `structured pruning: the channels kept of ${producer.name} must be sorted unique indices < ${total}`,
      );
    widths.set(producer.name, kept.length);
    if (kept.length === total) continue;
    weights.set(outName, sliceAxis(out, out.shape.length - 1, kept));
    const bias = weights.get(`${producer.name}/bias`);
    if (bias !== undefined) weights.set(bias.name, sliceAxis(bias, 0, kept));
    let channels = kept;
    for (const layer of [...between, consumer]) {
      for (const [name, axis] of inputChannelWeights(layer, weights))
        weights.set(name, sliceAxis(weights.get(name)!, axis, channels));
      const cls = layer.getClassName();
      if (cls === 'DepthwiseConv2D' || cls === 'SeparableConv2D') {
        const expanded = depthwiseChannels(layer, channels);
        if (cls === 'DepthwiseConv2D') {
          const b = weights.get(`${layer.name}/bias`);
          if (b !== undefined) weights.set(b.name, sliceAxis(b, 0, expanded));
        } else {
          const pointwise = weights.get(`${layer.name}/pointwise_kernel`)!;
          weights.set(pointwise.name, sliceAxis(pointwise, 2, expanded));
        }
      }
      channels = passChannels(layer, channels);
    }
  }
  const pruned = rebuild(model, widths);
  setWeightValues(
    pruned,
    pruned.weights.map((w) => {
      const value = weights.get(w.originalName);
      if (value === undefined) throw new Error(`structured pruning: no value for weight ${w.originalName}`);
      return value;
    }),
  );
  return { model: pruned, channels: segments.map((s) => widths.get(s.producer.name)!) };
}

/** The model's topology with the given output widths (filters / units) per layer name. */
function rebuild(model: tf.LayersModel, widths: ReadonlyMap<string, number>): tf.LayersModel {
  const config = structuredClone(model.getConfig()) as unknown as {
    layers: { className: string; name?: string; config: Record<string, unknown> }[];
  };
  for (const entry of config.layers) {
    const name = entry.name ?? (entry.config.name as string);
    const width = widths.get(name);
    if (width !== undefined) entry.config[WIDTH_FIELD[entry.className]!] = width;
    // tfjs 4.22's SeparableConv getConfig leaves out depthMultiplier (see core/model/io.ts).
    if (entry.className === 'SeparableConv2D') entry.config.depthMultiplier = depthMultiplierOf(model.getLayer(name));
  }
  const dict = config as unknown as tf.serialization.ConfigDict;
  // fastWeightInit: every weight is overwritten right after.
  return (
    model instanceof tf.Sequential
      ? tf.Sequential.fromConfig(tf.Sequential, dict, {}, true)
      : tf.LayersModel.fromConfig(tf.LayersModel, dict, {}, true)
  ) as tf.LayersModel;
}

/**
 * Per prunable layer, the L1 norm Σ|W| of each output filter's weights (Li et al. 2017, §3.1: s_j = Σ |F_j|); for a
 * SeparableConv2D the pointwise filter, for Dense the unit's incoming weights, for an Embedding the dimension's
 * column over the whole vocabulary.
 */
export function filterL1Scores(model: tf.LayersModel): Map<string, Float64Array> {
  const weights = new Map(getWeightValues(model).map((w) => [w.name, w]));
  const scores = new Map<string, Float64Array>();
  for (const { producer } of segmentsOf(model)) {
    const w = weights.get(`${producer.name}/${PRODUCERS[producer.getClassName()]!}`)!;
    const channels = w.shape[w.shape.length - 1]!;
    const s = new Float64Array(channels);
    for (let k = 0; k < w.values.length; k++) s[k % channels]! += Math.abs(w.values[k]!);
    scores.set(producer.name, s);
  }
  return scores;
}

/** Removes round(fraction · channels) lowest-scoring channels per layer (never the last one; ties: lower index first). */
export function selectChannels(scores: ReadonlyMap<string, Float64Array>, fraction: number): Map<string, number[]> {
  const names = [...scores.keys()];
  const kept = selectUnits(
    names.map((n) => scores.get(n)!),
    fraction,
  );
  return new Map(names.map((n, i) => [n, Array.from(kept[i]!)]));
}

/**
 * Masks of the equivalent unmasked-shape model: a removed channel's filter (kernel slice), the depthwise slices it
 * feeds, and the consumer's input weights for it are zero. Its bias and BatchNormalization shift still make it a
 * constant, but every weight that reads it is 0, so the outputs equal pruneChannels' smaller model.
 */
export function structuredChannelMasks(model: tf.LayersModel, keep: ChannelKeep): MaskSet {
  const weights = new Map(getWeightValues(model).map((w) => [w.name, w]));
  const masks: MaskSet = new Map();
  const maskOf = (name: string) => {
    let m = masks.get(name);
    if (m === undefined) masks.set(name, (m = new Uint8Array(weights.get(name)!.values.length).fill(1)));
    return m;
  };
  const zero = (name: string, axis: number, channels: readonly number[]) => {
    const w = weights.get(name)!;
    const inner = w.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const dim = w.shape[axis]!;
    const m = maskOf(name);
    for (let k = 0; k < m.length; k++) if (channels.includes(Math.floor(k / inner) % dim)) m[k] = 0;
  };
  for (const { producer, between, consumer } of segmentsOf(model)) {
    const outName = `${producer.name}/${PRODUCERS[producer.getClassName()]!}`;
    const total = weights.get(outName)!.shape.at(-1)!;
    const kept = new Set(keep.get(producer.name) ?? all(total));
    let removed = all(total).filter((c) => !kept.has(c));
    if (removed.length === 0) continue;
    zero(outName, weights.get(outName)!.shape.length - 1, removed);
    for (const layer of [...between, consumer]) {
      for (const [name, axis] of inputChannelWeights(layer, weights))
        if (weights.get(name)!.shape.length >= 2) zero(name, axis, removed);
      if (layer.getClassName() === 'SeparableConv2D')
        zero(`${layer.name}/pointwise_kernel`, 2, depthwiseChannels(layer, removed));
      removed = passChannels(layer, removed);
    }
  }
  // Every kernel gets a mask (all ones where nothing was removed), as the Dense structured masks do.
  for (const w of weights.values()) if (w.shape.length >= 2) maskOf(w.name);
  return masks;
}

/**
 * Per prunable layer, the output channels that can affect the output: those with a nonzero weight reading them in
 * the consumer (through a DepthwiseConv2D: in the consumer's input channels computed from them). At least one is kept.
 */
export function liveChannels(model: tf.LayersModel): Map<string, number[]> {
  const weights = new Map(getWeightValues(model).map((w) => [w.name, w]));
  const live = new Map<string, number[]>();
  for (const { producer, between, consumer } of segmentsOf(model)) {
    const total = weights.get(`${producer.name}/${PRODUCERS[producer.getClassName()]!}`)!.shape.at(-1)!;
    const [name, axis] = inputChannelWeights(consumer, weights)[0]!;
    const w = weights.get(consumer.getClassName() === 'SeparableConv2D' ? `${consumer.name}/pointwise_kernel` : name)!;
    const readAxis = consumer.getClassName() === 'SeparableConv2D' ? 2 : axis;
    const inner = w.shape.slice(readAxis + 1).reduce((a, b) => a * b, 1);
    const dim = w.shape[readAxis]!;
    const used = new Uint8Array(dim);
    for (let k = 0; k < w.values.length; k++) if (w.values[k] !== 0) used[Math.floor(k / inner) % dim] = 1;
    const alive = all(total).filter((c) => {
      let reached = [c];
      for (const layer of between) reached = passChannels(layer, reached);
      if (consumer.getClassName() === 'SeparableConv2D') reached = depthwiseChannels(consumer, reached);
      return reached.some((r) => used[r] === 1);
    });
    live.set(producer.name, alive.length === 0 ? [0] : alive);
  }
  return live;
}

/** The model without its dead channels (liveChannels): what the structured export stores. */
export function shrinkDeadChannels(model: tf.LayersModel): PrunedNetwork {
  return pruneChannels(model, liveChannels(model));
}
