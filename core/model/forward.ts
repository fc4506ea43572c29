// The training-time forward pass. tfjs's Dropout layer reuses its fixed `seed` on every call (the
// same mask every step) or, without a seed, draws from Math.random; neither is what we want. So
// for models that are a plain chain of layers (every MLP built here, most imported tabular models)
// we run the layers one by one and apply dropout ourselves with a fresh derived seed per step.
import * as tf from '@tensorflow/tfjs';
import { toModelInput } from './input-shape.ts';

interface DropoutConfig {
  rate: number;
}

/** The layers of `model` in execution order when it is a single chain (Sequential or a linear functional graph), else undefined. */
export function layerChain(model: tf.LayersModel): tf.layers.Layer[] | undefined {
  // A Keras Sequential converted with an explicit InputLayer lists it among its layers; it is not applied.
  if (model instanceof tf.Sequential) return model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return undefined;
  const layers = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
  for (let i = 1; i < layers.length; i++) {
    const nodes = layers[i]!.inboundNodes;
    if (nodes.length !== 1 || nodes[0]!.inboundLayers.length !== 1 || nodes[0]!.inboundLayers[0] !== layers[i - 1])
      return undefined;
  }
  return layers;
}

/** Whether training can apply this model's Dropout layers with per-step seeds. */
export function supportsSeededDropout(model: tf.LayersModel): boolean {
  return layerChain(model) !== undefined;
}

/**
 * Forward pass of a batch of flat rows (reshaped to the model's input shape, input-shape.ts). With `dropoutSeed` set
 * (training), each Dropout layer i draws its mask from seed `dropoutSeed + i` and BatchNormalization normalises with
 * the batch's statistics (updating its moving averages, as Keras's fit does); without it (inference) Dropout is the
 * identity and BatchNormalization uses its moving averages. Non-chain models run through
 * `model.apply(x, { training: false })`, i.e. without dropout.
 */
export function forward(model: tf.LayersModel, x: tf.Tensor2D, dropoutSeed?: number): tf.Tensor2D {
  const chain = dropoutSeed === undefined ? undefined : layerChain(model);
  const input = toModelInput(model, x);
  if (chain === undefined) return model.apply(input, { training: false }) as tf.Tensor2D;
  let h: tf.Tensor = input;
  chain.forEach((layer, i) => {
    if (layer.getClassName() === 'Dropout') {
      const { rate } = layer.getConfig() as unknown as DropoutConfig;
      if (rate > 0) h = tf.dropout(h, rate, undefined, (dropoutSeed! + i) >>> 0);
    } else {
      h = layer.apply(h, { training: true }) as tf.Tensor;
    }
  });
  return h as tf.Tensor2D;
}
