// Plain-array view of a dense MLP's weights: what every compression step computes on.
// Weight tensors are core/model's NamedWeight ({ name as in model.json, shape, row-major Float32Array values });
// a Dense kernel has shape [inputs, units]. The model-facing adapter is model-adapter.ts.
import type { NamedWeight } from '../model/weights.ts';

export type { NamedWeight };

/** One Dense layer: kernel [inputs, units] (element (i, j) at i * units + j) and bias [units]. */
export interface DenseLayerWeights {
  kernelName: string;
  biasName: string | undefined;
  inputs: number;
  units: number;
  kernel: Float32Array;
  bias: Float32Array | undefined;
  activation: DenseActivation;
}

export type DenseActivation = 'relu' | 'sigmoid' | 'tanh' | 'linear' | 'softmax' | 'elu' | 'selu';

/** Biases and other rank-1 tensors are never pruned: they are few and removing them saves nothing. */
export function isPrunable(weight: NamedWeight): boolean {
  return weight.shape.length >= 2;
}

export function tensorSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function cloneWeights(weights: readonly NamedWeight[]): NamedWeight[] {
  return weights.map((w) => ({ name: w.name, shape: [...w.shape], values: new Float32Array(w.values) }));
}

/** Kernels paired with their biases, in order, from a flat list ([kernel, bias, kernel, bias, ...]). */
export function denseLayersFromWeights(
  weights: readonly NamedWeight[],
  activations: readonly DenseActivation[],
): DenseLayerWeights[] {
  const layers: DenseLayerWeights[] = [];
  for (let i = 0; i < weights.length; i++) {
    const kernel = weights[i]!;
    if (kernel.shape.length !== 2) throw new Error(`denseLayersFromWeights: ${kernel.name} is not a rank-2 kernel`);
    const next = weights[i + 1];
    const hasBias = next !== undefined && next.shape.length === 1 && next.shape[0] === kernel.shape[1];
    const activation = activations[layers.length];
    if (activation === undefined)
      throw new Error(`denseLayersFromWeights: no activation given for layer ${layers.length}`);
    layers.push({
      kernelName: kernel.name,
      biasName: hasBias ? next.name : undefined,
      inputs: kernel.shape[0]!,
      units: kernel.shape[1]!,
      kernel: kernel.values,
      bias: hasBias ? next.values : undefined,
      activation,
    });
    if (hasBias) i++;
  }
  return layers;
}

/** The flat weight list for a list of Dense layers (inverse of denseLayersFromWeights). */
export function weightsFromDenseLayers(layers: readonly DenseLayerWeights[]): NamedWeight[] {
  const out: NamedWeight[] = [];
  for (const layer of layers) {
    out.push({ name: layer.kernelName, shape: [layer.inputs, layer.units], values: layer.kernel });
    if (layer.bias !== undefined && layer.biasName !== undefined)
      out.push({ name: layer.biasName, shape: [layer.units], values: layer.bias });
  }
  return out;
}
