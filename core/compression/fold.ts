// BatchNormalization folding before int8: a BN right after a linear Dense/Conv layer is an affine map per output
// channel, so it can be multiplied into that layer's kernel and bias and removed; the int8 scales are then chosen for
// the kernel that actually runs (Jacob et al. 2018, "Quantization and Training of Neural Networks for Efficient
// Integer-Arithmetic-Only Inference", §3.2; Krishnamoorthi 2018, §3.2).
import * as tf from '@tensorflow/tfjs';
import { layerChain } from '../model/forward.ts';
import { getWeightValues, setWeightValues } from '../model/weights.ts';
import { kernelChannels } from './quantize.ts';
import type { NamedWeight } from './weights.ts';

/** Layers a following BatchNormalization folds into, and the kernel of each whose output channels BN scales. */
const FOLD_TARGETS: Readonly<Record<string, string>> = {
  Dense: 'kernel',
  Conv1D: 'kernel',
  Conv2D: 'kernel',
  DepthwiseConv2D: 'depthwise_kernel',
  SeparableConv2D: 'pointwise_kernel',
};

export interface BatchNormFold {
  /** The BatchNormalization layer removed. */
  batchNormalization: string;
  /** The layer it was folded into (which now has a bias). */
  into: string;
}

export interface FoldedModel {
  /** A new model without the folded BatchNormalization layers; the input model is not modified. */
  model: tf.LayersModel;
  folds: BatchNormFold[];
}

interface LayerConfigEntry {
  className: string;
  name?: string;
  config: Record<string, unknown>;
  inboundNodes?: unknown[];
}

interface ModelConfig {
  name: string;
  layers: LayerConfigEntry[];
  outputLayers?: unknown[];
}

/** A BN normalising the last axis (channels-last), which is what its per-channel parameters multiply into. */
function normalisesLastAxis(bn: tf.layers.Layer): boolean {
  const configured = (bn.getConfig() as { axis?: unknown }).axis;
  // Keras 2 writes the axis as a list of positive axes once built ([3] for NHWC); tfjs keeps a number.
  const axis = Array.isArray(configured) && configured.length === 1 ? (configured[0] as unknown) : configured;
  const rank = (bn.input as tf.SymbolicTensor).shape.length;
  return axis === -1 || axis === rank - 1;
}

/**
 * y = γ (x − μ) / √(σ² + ε) + β = s·x + (β − s·μ) with s = γ / √(σ² + ε), per channel; so W'[.., c] = s_c W[.., c] and
 * b'_c = s_c b_c + β_c − s_c μ_c (Jacob et al. 2018, §3.2). Computed in float64, stored as float32.
 */
function foldedKernelAndBias(
  kernel: NamedWeight,
  bias: NamedWeight | undefined,
  bn: ReadonlyMap<string, Float32Array>,
  channels: number,
  epsilon: number,
): { kernel: Float32Array; bias: Float32Array } {
  const mean = bn.get('moving_mean')!;
  const variance = bn.get('moving_variance')!;
  const gamma = bn.get('gamma');
  const beta = bn.get('beta');
  if (mean.length !== channels)
    throw new Error(`foldBatchNormalization: ${kernel.name} has ${channels} output channels, its BN ${mean.length}`);
  const scale = Float64Array.from(
    mean,
    (_, c) => (gamma === undefined ? 1 : gamma[c]!) / Math.sqrt(variance[c]! + epsilon),
  );
  const foldedKernel = Float32Array.from(kernel.values, (w, k) => w * scale[k % channels]!);
  const foldedBias = Float32Array.from(
    mean,
    (mu, c) => scale[c]! * ((bias === undefined ? 0 : bias.values[c]!) - mu) + (beta === undefined ? 0 : beta[c]!),
  );
  return { kernel: foldedKernel, bias: foldedBias };
}

/**
 * Folds every BatchNormalization that directly follows a Dense, Conv1D, Conv2D, DepthwiseConv2D or SeparableConv2D
 * with a linear activation into that layer. Other BatchNormalization layers (after an activation, pooling or an
 * Embedding) stay as they are, in float32. The model must be a single chain of layers (Sequential, or functional
 * without branches), which every supported single-input single-output model is.
 */
export function foldBatchNormalization(model: tf.LayersModel): FoldedModel {
  const chain = layerChain(model);
  if (chain === undefined)
    throw new Error('foldBatchNormalization: the model is not a single chain of layers (one input, one output)');
  const folds: BatchNormFold[] = [];
  const bnOf = new Map<string, tf.layers.Layer>();
  chain.forEach((layer, i) => {
    const previous = chain[i - 1];
    if (layer.getClassName() !== 'BatchNormalization' || previous === undefined) return;
    if (FOLD_TARGETS[previous.getClassName()] === undefined) return;
    if ((previous.getConfig() as { activation?: unknown }).activation !== 'linear') return;
    if (!normalisesLastAxis(layer)) return;
    bnOf.set(previous.name, layer);
    folds.push({ batchNormalization: layer.name, into: previous.name });
  });

  const values = new Map(getWeightValues(model).map((w) => [w.name, w]));
  const replaced = new Map<string, Float32Array>();
  for (const [target, bn] of bnOf) {
    const layer = chain.find((l) => l.name === target)!;
    const kernel = values.get(`${target}/${FOLD_TARGETS[layer.getClassName()]!}`);
    if (kernel === undefined) throw new Error(`foldBatchNormalization: no kernel weight found for layer ${target}`);
    const bnValues = new Map(
      bn.weights.map((w) => [w.originalName.slice(bn.name.length + 1), Float32Array.from(w.read().dataSync())]),
    );
    const { epsilon } = bn.getConfig() as { epsilon: number };
    const folded = foldedKernelAndBias(kernel, values.get(`${target}/bias`), bnValues, kernelChannels(kernel), epsilon);
    replaced.set(kernel.name, folded.kernel);
    replaced.set(`${target}/bias`, folded.bias);
  }

  const foldedModel = buildWithoutBatchNorms(model, bnOf);
  const weights = foldedModel.weights.map((w): NamedWeight => {
    const name = w.originalName;
    const source = replaced.get(name) ?? values.get(name)?.values;
    if (source === undefined)
      throw new Error(`foldBatchNormalization: no value for weight ${name} of the folded model`);
    return { name, shape: w.shape as number[], values: source };
  });
  setWeightValues(foldedModel, weights);
  return { model: foldedModel, folds };
}

/** The same topology without the BN layers in `bnOf` (target layer name → BN), the targets given a bias. */
function buildWithoutBatchNorms(model: tf.LayersModel, bnOf: ReadonlyMap<string, tf.layers.Layer>): tf.LayersModel {
  const config = structuredClone(model.getConfig()) as unknown as ModelConfig;
  const removed = new Map([...bnOf].map(([target, bn]) => [bn.name, target]));
  const layerName = (entry: LayerConfigEntry) => entry.name ?? (entry.config.name as string);
  config.layers = config.layers.filter((entry) => !removed.has(layerName(entry)));
  for (const entry of config.layers) {
    if (bnOf.has(layerName(entry))) entry.config.useBias = true;
    // tfjs 4.22's SeparableConv getConfig leaves out depthMultiplier (see core/model/io.ts).
    if (entry.className === 'SeparableConv2D')
      entry.config.depthMultiplier = (
        model.getLayer(layerName(entry)) as unknown as { depthMultiplier: number }
      ).depthMultiplier;
  }
  // Functional configs name each layer's inputs ([[[layer, node, tensor, kwargs]]]) and the outputs: point whatever
  // read a removed BN at the layer it was folded into.
  const redirect = (ref: unknown) => {
    if (Array.isArray(ref) && typeof ref[0] === 'string' && removed.has(ref[0])) ref[0] = removed.get(ref[0]);
  };
  for (const entry of config.layers)
    for (const node of entry.inboundNodes ?? []) for (const ref of node as unknown[]) redirect(ref);
  for (const ref of config.outputLayers ?? []) redirect(ref);
  const configDict = config as unknown as tf.serialization.ConfigDict;
  // fastWeightInit: every weight is overwritten with the folded values right after.
  const built =
    model instanceof tf.Sequential
      ? tf.Sequential.fromConfig(tf.Sequential, configDict, {}, true)
      : tf.LayersModel.fromConfig(tf.LayersModel, configDict, {}, true);
  return built as tf.LayersModel;
}
