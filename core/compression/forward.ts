// A plain-array forward pass for Dense MLPs. Used where tfjs cannot help: inserting fake-quant between layers
// (activation quantization), collecting per-layer inputs for calibration and bias correction.
import type { DenseActivation, DenseLayerWeights } from './weights.ts';

export interface ForwardOptions {
  /** Applied to each layer's INPUT (rows × inputs, in place on a copy) before the matmul, e.g. fake-quant. */
  transformInput?: (layerIndex: number, input: Float32Array) => void;
  /** Receives each layer's input after transformInput. */
  onLayerInput?: (layerIndex: number, input: Float32Array) => void;
}

function activate(values: Float32Array, units: number, activation: DenseActivation): void {
  switch (activation) {
    case 'linear':
      return;
    case 'relu':
      for (let i = 0; i < values.length; i++) if (values[i]! < 0) values[i] = 0;
      return;
    case 'sigmoid':
      for (let i = 0; i < values.length; i++) values[i] = 1 / (1 + Math.exp(-values[i]!));
      return;
    case 'tanh':
      for (let i = 0; i < values.length; i++) values[i] = Math.tanh(values[i]!);
      return;
    case 'elu':
      for (let i = 0; i < values.length; i++) if (values[i]! < 0) values[i] = Math.expm1(values[i]!);
      return;
    case 'selu': {
      // Klambauer et al. 2017 constants, as tfjs.
      const alpha = 1.6732632423543772;
      const scale = 1.0507009873554805;
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        values[i] = scale * (v > 0 ? v : alpha * Math.expm1(v));
      }
      return;
    }
    case 'softmax':
      for (let r = 0; r < values.length; r += units) {
        let max = -Infinity;
        for (let j = 0; j < units; j++) max = Math.max(max, values[r + j]!);
        let sum = 0;
        for (let j = 0; j < units; j++) {
          values[r + j] = Math.exp(values[r + j]! - max);
          sum += values[r + j]!;
        }
        for (let j = 0; j < units; j++) values[r + j]! /= sum;
      }
      return;
  }
}

/** y = act(x W + b) layer by layer; x is rows × inputs row-major. Returns rows × units of the last layer. */
export function forwardDense(
  layers: readonly DenseLayerWeights[],
  x: Float32Array,
  rows: number,
  options: ForwardOptions = {},
): Float32Array {
  let input = x;
  layers.forEach((layer, l) => {
    if (input.length !== rows * layer.inputs)
      throw new Error(`forwardDense: layer ${l} expects ${layer.inputs} inputs per row, got ${input.length / rows}`);
    if (options.transformInput !== undefined) {
      input = new Float32Array(input);
      options.transformInput(l, input);
    }
    options.onLayerInput?.(l, input);
    const out = new Float32Array(rows * layer.units);
    const { kernel, bias, units, inputs } = layer;
    const acc = new Float64Array(units);
    for (let r = 0; r < rows; r++) {
      if (bias !== undefined) for (let j = 0; j < units; j++) acc[j] = bias[j]!;
      else acc.fill(0);
      for (let i = 0; i < inputs; i++) {
        const xi = input[r * inputs + i]!;
        if (xi === 0) continue;
        const base = i * units;
        for (let j = 0; j < units; j++) acc[j]! += xi * kernel[base + j]!;
      }
      for (let j = 0; j < units; j++) out[r * units + j] = acc[j]!;
    }
    activate(out, units, layer.activation);
    input = out;
  });
  return input;
}

/** Column means of a rows × cols matrix (float64 accumulation). */
export function columnMeans(values: Float32Array, cols: number): Float64Array {
  const rows = values.length / cols;
  const means = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) means[c]! += values[r * cols + c]!;
  for (let c = 0; c < cols; c++) means[c]! /= rows;
  return means;
}
