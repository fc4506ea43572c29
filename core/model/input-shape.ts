// The shape of one input row of a model. fairshrink keeps every data set as a flat rows × features matrix; a model
// whose input has more dimensions (images: [height, width, channels]) gets each row reshaped to them, row-major, as
// numpy's and tfjs's reshape do, so the flat layout of a row is the model input's own C-order layout.
import * as tf from '@tensorflow/tfjs';

/** The input's dimensions after the batch axis, e.g. [features] or [height, width, channels]; undefined when one is unknown (None). */
export function inputRowShape(model: tf.LayersModel): number[] | undefined {
  const shape = model.inputs[0]?.shape;
  if (shape === undefined || shape.length < 2) return undefined;
  const dims = shape.slice(1);
  return dims.every((d): d is number => typeof d === 'number' && d > 0) ? dims : undefined;
}

/** Values per input row: the product of inputRowShape. Throws when the model's input has an unknown dimension. */
export function inputRowSize(model: tf.LayersModel): number {
  const dims = inputRowShape(model);
  if (dims === undefined) {
    const shape = model.inputs[0]?.shape ?? [];
    throw new Error(
      `the model input [${shape.map(String).join(', ')}] must be [batch, ...] with every other dimension known`,
    );
  }
  return dims.reduce((a, b) => a * b, 1);
}

/** A batch `x` [rows, inputRowSize] in the model's input shape [rows, ...inputRowShape]; `x` itself for [batch, features]. */
export function toModelInput(model: tf.LayersModel, x: tf.Tensor2D): tf.Tensor {
  const dims = inputRowShape(model);
  if (dims === undefined || dims.length === 1) return x;
  return tf.reshape(x, [x.shape[0], ...dims]);
}

/** "7 input features" for [batch, 7]; "768 input values per row (16×16×3)" for an image input: for error messages. */
export function describeInputRow(rowShape: readonly number[]): string {
  const size = rowShape.reduce((a, b) => a * b, 1);
  return rowShape.length === 1 ? `${size} input features` : `${size} input values per row (${rowShape.join('×')})`;
}

/**
 * Why a model whose rows have `rowShape` cannot read a data set's rows, as what the data set does instead ("encodes 6",
 * "is tabular …", "has images of …"), or undefined when it can. A flat model input reads any data set of the same width
 * (an MLP on flattened pixels included); an input with more dimensions needs an image data set of exactly that
 * [height, width, channels].
 */
export function inputShapeMismatch(
  rowShape: readonly number[],
  data: { features: number; inputShape?: readonly number[] | undefined },
): string | undefined {
  const width = rowShape.reduce((a, b) => a * b, 1);
  if (rowShape.length === 1) return width === data.features ? undefined : `encodes ${data.features}`;
  if (data.inputShape === undefined) return `is tabular (${data.features} features per row, no image shape)`;
  const same = data.inputShape.length === rowShape.length && data.inputShape.every((d, i) => d === rowShape[i]);
  return same ? undefined : `has images of ${data.inputShape.join('×')} (height×width×channels)`;
}
