// Batched inference. tfjs's model.predict defaults to batches of 32, which for tabular data means
// thousands of tiny kernel launches; here one tensor per batch of (by default) 8,192 rows is built
// straight from a subarray view and the probabilities are copied into one output array.
import * as tf from '@tensorflow/tfjs';
import { assertMatrix, type FeatureMatrix } from '../data/matrix.ts';
import { inputRowShape, toModelInput } from './input-shape.ts';

export interface PredictOptions {
  batchSize?: number;
}

export const DEFAULT_PREDICT_BATCH = 8192;

/**
 * P(y = 1 | x) for each row of `x`, from a model with one sigmoid output unit. Each row holds one input row flat
 * (row-major over the input's dimensions, e.g. height × width × channels for an image model; integer codes as floats
 * for an Embedding, which casts them to int32).
 */
export function predictProba(model: tf.LayersModel, x: FeatureMatrix, options: PredictOptions = {}): Float32Array {
  assertMatrix(x, 'predictProba: x');
  const batchSize = options.batchSize ?? DEFAULT_PREDICT_BATCH;
  if (!Number.isInteger(batchSize) || batchSize <= 0)
    throw new Error(`predictProba: batchSize must be a positive integer, got ${batchSize}`);
  const rowShape = inputRowShape(model);
  const expectedCols = rowShape?.reduce((a, b) => a * b, 1);
  if (expectedCols !== undefined && expectedCols !== x.cols) {
    throw new Error(`predictProba: the model expects ${expectedCols} features per row but x has ${x.cols}`);
  }
  const out = new Float32Array(x.rows);
  for (let start = 0; start < x.rows; start += batchSize) {
    const end = Math.min(start + batchSize, x.rows);
    const probs = tf.tidy(() => {
      const batch = tf.tensor2d(x.values.subarray(start * x.cols, end * x.cols), [end - start, x.cols], 'float32');
      const y = model.apply(toModelInput(model, batch), { training: false }) as tf.Tensor;
      if (y.shape.length !== 2 || y.shape[1] !== 1) {
        throw new Error(
          `predictProba: the model must have one output unit (binary classifier), got output shape [${y.shape.join(', ')}]`,
        );
      }
      return y;
    });
    out.set(probs.dataSync() as Float32Array, start);
    probs.dispose();
  }
  return out;
}

/** Mean binary cross-entropy of probabilities against 0/1 labels, in float64 (probabilities clipped to [1e-7, 1 - 1e-7] as Keras does). */
export function binaryCrossEntropyOf(probs: Float32Array, labels: Uint8Array): number {
  if (probs.length !== labels.length)
    throw new Error(`binaryCrossEntropyOf: ${probs.length} probabilities but ${labels.length} labels`);
  if (probs.length === 0) return Number.NaN;
  const eps = 1e-7;
  let sum = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(Math.max(probs[i]!, eps), 1 - eps);
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / probs.length;
}
