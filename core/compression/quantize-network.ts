// Post-training int8 of models that are not plain Dense MLPs (convolutional, depthwise, separable, embedding layers):
// BatchNormalization folded into the layer before it (fold.ts), then symmetric per-channel int8 of every kernel
// (quantizeWeights), optionally empirical bias correction, and the dequantized weights written into the folded tfjs
// model, so the campaign's gates score with tfjs exactly the model that is saved and exported. Activations stay
// float32 here (docs/compression.md, "Convolutional and embedding models", says why).
import * as tf from '@tensorflow/tfjs';
import type { FeatureMatrix } from '../data/matrix.ts';
import { layerChain } from '../model/forward.ts';
import { toModelInput } from '../model/input-shape.ts';
import { getWeightValues, setWeightValues } from '../model/weights.ts';
import { foldBatchNormalization, type BatchNormFold } from './fold.ts';
import { quantizeWeights, type PerChannelInt8, type WeightPrecision } from './quantize.ts';
import type { NamedWeight } from './weights.ts';

export interface QuantizedNetwork {
  /** The folded model holding the dequantized (and bias-corrected) weights; a new model the caller disposes. */
  model: tf.LayersModel;
  folds: BatchNormFold[];
  /** The float weights of the folded model, before quantization (what the quantization error is measured against). */
  floatWeights: NamedWeight[];
  /** What `model` holds, in model order. */
  weights: NamedWeight[];
  int8: Map<string, PerChannelInt8>;
  /** Layers whose bias was corrected (empty without calibration data). */
  biasCorrected: string[];
}

export interface QuantizeNetworkOptions {
  precision: WeightPrecision;
  /** Empirical bias correction (Nagel et al. 2019, §4.2) from the layers' float inputs on these rows (int8 only). */
  biasCorrectionData?: FeatureMatrix;
}

interface ConvConfig {
  strides?: number | number[];
  padding?: string;
  dilationRate?: number | number[];
  dataFormat?: string;
}

const pair = (v: number | number[] | undefined): [number, number] =>
  v === undefined ? [1, 1] : typeof v === 'number' ? [v, v] : [v[0]!, v[1] ?? v[0]!];

/** The weight names of a layer's quantized kernels, for the layers bias correction handles. */
const CORRECTABLE: Readonly<Record<string, readonly string[]>> = {
  Dense: ['kernel'],
  Conv1D: ['kernel'],
  Conv2D: ['kernel'],
  DepthwiseConv2D: ['depthwise_kernel'],
  SeparableConv2D: ['depthwise_kernel', 'pointwise_kernel'],
};

/** The layer's output before bias and activation, for kernels `k` (by short name, e.g. "kernel"), on input x. */
function linearPart(layer: tf.layers.Layer, x: tf.Tensor, k: ReadonlyMap<string, tf.Tensor>): tf.Tensor {
  const config = layer.getConfig() as ConvConfig;
  if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast')
    throw new Error(`bias correction: ${layer.name} is ${config.dataFormat}; only channels-last layers are supported`);
  const padding = config.padding ?? 'valid';
  if (padding !== 'valid' && padding !== 'same')
    throw new Error(`bias correction: ${layer.name} has padding '${padding}'; only 'valid' and 'same' are supported`);
  const pad = padding as 'valid' | 'same';
  switch (layer.getClassName()) {
    case 'Dense': {
      const kernel = k.get('kernel') as tf.Tensor2D;
      const flat = x.reshape([-1, kernel.shape[0]]) as tf.Tensor2D;
      return tf.matMul(flat, kernel).reshape([...x.shape.slice(0, -1), kernel.shape[1]]);
    }
    case 'Conv1D': {
      const stride = pair(config.strides)[0];
      const dilation = pair(config.dilationRate)[0];
      return tf.conv1d(x as tf.Tensor3D, k.get('kernel') as tf.Tensor3D, stride, pad, 'NWC', dilation);
    }
    case 'Conv2D':
      return tf.conv2d(
        x as tf.Tensor4D,
        k.get('kernel') as tf.Tensor4D,
        pair(config.strides),
        pad,
        'NHWC',
        pair(config.dilationRate),
      );
    case 'DepthwiseConv2D':
      return tf.depthwiseConv2d(
        x as tf.Tensor4D,
        k.get('depthwise_kernel') as tf.Tensor4D,
        pair(config.strides),
        pad,
        'NHWC',
        pair(config.dilationRate),
      );
    case 'SeparableConv2D':
      return tf.separableConv2d(
        x as tf.Tensor4D,
        k.get('depthwise_kernel') as tf.Tensor4D,
        k.get('pointwise_kernel') as tf.Tensor4D,
        pair(config.strides),
        pad,
        pair(config.dilationRate),
        'NHWC',
      );
    default:
      throw new Error(`bias correction: no linear part for ${layer.getClassName()} ${layer.name}`);
  }
}

/**
 * Empirical bias correction (Nagel et al. 2019, "Data-Free Quantization", §4.2) for any chain of layers: for each layer
 * with quantized kernels and a bias, the quantization error shifts the expected pre-activation output of channel j by
 * E[y_q − y]_j, measured on the layer's float input (from the float model) and averaged over rows and positions;
 * b'_j = b_j − E[y_q − y]_j. For Dense and convolution kernels this is Σ E[x](W_q − W) as in the MLP path; at the
 * borders of a 'same' convolution the zero padding is part of the measured mean.
 */
function correctBiases(
  model: tf.LayersModel,
  floatWeights: ReadonlyMap<string, NamedWeight>,
  quantized: Map<string, NamedWeight>,
  data: FeatureMatrix,
): string[] {
  const chain = layerChain(model);
  if (chain === undefined) throw new Error('bias correction: the model is not a single chain of layers');
  const targets = chain.filter((layer) => {
    const kernels = CORRECTABLE[layer.getClassName()];
    return (
      kernels !== undefined &&
      quantized.has(`${layer.name}/bias`) &&
      kernels.every((k) => quantized.has(`${layer.name}/${k}`))
    );
  });
  const sums = new Map(
    targets.map((layer) => [layer.name, new Float64Array(quantized.get(`${layer.name}/bias`)!.values.length)]),
  );
  const counts = new Map(targets.map((layer) => [layer.name, 0]));
  const tensorOf = (w: NamedWeight) => tf.tensor(w.values, w.shape);
  const batch = 256;
  for (let start = 0; start < data.rows; start += batch) {
    const rows = Math.min(batch, data.rows - start);
    tf.tidy(() => {
      const flat = tf.tensor2d(data.values.subarray(start * data.cols, (start + rows) * data.cols), [rows, data.cols]);
      let h = toModelInput(model, flat);
      for (const layer of chain) {
        if (sums.has(layer.name)) {
          const names = CORRECTABLE[layer.getClassName()]!;
          const float = new Map(names.map((k) => [k, tensorOf(floatWeights.get(`${layer.name}/${k}`)!)]));
          const quant = new Map(names.map((k) => [k, tensorOf(quantized.get(`${layer.name}/${k}`)!)]));
          const shift = tf.sub(linearPart(layer, h, quant), linearPart(layer, h, float));
          const channels = shift.shape[shift.shape.length - 1]!;
          const perChannel = shift.reshape([-1, channels]);
          const total = perChannel.sum(0).dataSync();
          const sum = sums.get(layer.name)!;
          for (let j = 0; j < channels; j++) sum[j]! += total[j]!;
          counts.set(layer.name, counts.get(layer.name)! + perChannel.shape[0]!);
        }
        h = layer.apply(h, { training: false }) as tf.Tensor;
      }
    });
  }
  for (const layer of targets) {
    const bias = quantized.get(`${layer.name}/bias`)!;
    const n = counts.get(layer.name)!;
    if (n === 0) continue;
    const sum = sums.get(layer.name)!;
    bias.values = Float32Array.from(bias.values, (b, j) => b - sum[j]! / n);
  }
  return data.rows === 0 ? [] : targets.map((l) => l.name);
}

/**
 * Folds BatchNormalization, quantizes every kernel (int8 per output channel, or float16) and writes the dequantized
 * weights into the folded model. The input model is not modified. The returned model is what the campaign evaluates,
 * checkpoints and exports: predicting with it through tfjs is predicting with the quantized model.
 */
export function quantizeNetwork(model: tf.LayersModel, options: QuantizeNetworkOptions): QuantizedNetwork {
  const { model: folded, folds } = foldBatchNormalization(model);
  try {
    const floatWeights = getWeightValues(folded);
    const { weights, int8 } = quantizeWeights(floatWeights, options.precision);
    const byName = new Map(weights.map((w) => [w.name, w]));
    const biasCorrected =
      options.biasCorrectionData !== undefined && options.precision === 'int8'
        ? correctBiases(folded, new Map(floatWeights.map((w) => [w.name, w])), byName, options.biasCorrectionData)
        : [];
    setWeightValues(folded, weights);
    return { model: folded, folds, floatWeights, weights, int8, biasCorrected };
  } catch (err) {
    folded.dispose();
    throw err;
  }
}
