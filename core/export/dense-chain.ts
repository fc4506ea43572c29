// A tfjs Sequential of Dense layers holding given weights: what the sparse-int8 and structured loaders materialise.
// Layer names and activations come from the export, so weight names match the exported model (e.g. dense_0/kernel).
import * as tf from '@tensorflow/tfjs';
import type { DenseLayerWeights } from '../compression/weights.ts';
import { layerNameOf } from './contract.ts';

export function denseChainModel(layers: readonly DenseLayerWeights[]): tf.Sequential {
  // A fixed model name: tfjs would otherwise number it per process, and the exported bytes must not depend on that.
  const model = tf.sequential({ name: 'fairshrink_export' });
  layers.forEach((layer, l) => {
    model.add(
      tf.layers.dense({
        name: layerNameOf(layer.kernelName),
        units: layer.units,
        activation: layer.activation,
        useBias: layer.bias !== undefined,
        kernelInitializer: 'zeros',
        biasInitializer: 'zeros',
        ...(l === 0 ? { inputShape: [layer.inputs] } : {}),
      }),
    );
  });
  tf.tidy(() => {
    const tensors: tf.Tensor[] = [];
    for (const layer of layers) {
      tensors.push(tf.tensor2d(layer.kernel, [layer.inputs, layer.units], 'float32'));
      if (layer.bias !== undefined) tensors.push(tf.tensor1d(layer.bias, 'float32'));
    }
    model.setWeights(tensors);
  });
  return model;
}
