// The model-facing edge of core/compression: reads a tfjs Dense MLP (built or imported by core/model) into the
// plain arrays the criteria and quantizers work on, and writes results back. Everything else here is pure.
import type * as tf from '@tensorflow/tfjs';
import { getDenseWeights, getWeightValues, setWeightValues } from '../model/weights.ts';
import type { DenseActivation, DenseLayerWeights, NamedWeight } from './weights.ts';

const ACTIVATIONS: readonly string[] = ['relu', 'sigmoid', 'tanh', 'linear', 'softmax', 'elu', 'selu'];

/** Every weight of the model, named as in model.json (e.g. `dense_0/kernel`), in model order. */
export function readWeights(model: tf.LayersModel): NamedWeight[] {
  return getWeightValues(model);
}

/** Writes weights captured by readWeights (possibly pruned or quantized) back into the model. */
export function writeWeights(model: tf.LayersModel, weights: readonly NamedWeight[]): void {
  setWeightValues(model, weights);
}

// Layers the plain-array Dense forward pass can stand in for: Dropout is the identity at inference.
const DENSE_CHAIN_LAYERS: readonly string[] = ['InputLayer', 'Dense', 'Dropout'];

/** Layer classes of the model outside the Dense chain (InputLayer, Dense, Dropout), each once, in model order. */
export function nonDenseClasses(model: tf.LayersModel): string[] {
  return [...new Set(model.layers.map((l) => l.getClassName()).filter((c) => !DENSE_CHAIN_LAYERS.includes(c)))];
}

/** Whether the model is a Dense MLP (Dense and Dropout layers only), which the plain-array paths below handle. */
export function isDenseChain(model: tf.LayersModel): boolean {
  return nonDenseClasses(model).length === 0;
}

/**
 * The Dense layers of the model with their activations, for the plain-array forward pass (activation calibration,
 * bias correction, temperature scaling), structured pruning of units and the Dense export formats. These work on Dense MLPs only:
 * a model with any other layer (convolution, BatchNormalization, Embedding, pooling, ...) is refused with the layers
 * found, rather than silently reduced to its Dense layers. Unstructured pruning, masked fine-tuning and int8 weights
 * (quantize.ts, fold.ts) take every supported layer.
 */
export function readDenseLayers(model: tf.LayersModel): DenseLayerWeights[] {
  const others = nonDenseClasses(model);
  if (others.length > 0) {
    throw new Error(
      `this step works on Dense-only models (Dense, Dropout) and the model has ${others.join(', ')}: ` +
        'the plain-array forward pass (activation calibration, recalibration), unit saliency and sparse-int8 are Dense-only; ' +
        'for convolutional and embedding models use quantizeNetwork (BN folding, bias correction, weight-only int8), ' +
        'structured-network (filters) and the tfjs-standard or structured exports',
    );
  }
  const dense = model.layers.filter((layer) => layer.getClassName() === 'Dense');
  return getDenseWeights(model).map((entry, l) => {
    const config = dense[l]!.getConfig() as { activation?: unknown; useBias?: boolean };
    const activation = typeof config.activation === 'string' ? config.activation : 'linear';
    if (!ACTIVATIONS.includes(activation))
      throw new Error(`readDenseLayers: unsupported activation '${activation}' in ${entry.name}`);
    return {
      kernelName: `${entry.name}/kernel`,
      biasName: entry.bias === undefined ? undefined : `${entry.name}/bias`,
      inputs: entry.kernel.shape[0]!,
      units: entry.kernel.shape[1]!,
      kernel: entry.kernel.values,
      bias: entry.bias?.values,
      activation: activation as DenseActivation,
    };
  });
}
