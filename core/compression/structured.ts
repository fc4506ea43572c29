// Structured pruning: remove whole hidden units, so the layers really shrink (fewer parameters, fewer FLOPs, a
// smaller dense model that needs no sparse kernels). Removing unit j of hidden layer l deletes column j of
// kernel_l, entry j of bias_l and row j of kernel_{l+1}; the equivalent masked model zeroes the same column and
// row, and its outputs equal the shrunk model's (structured.test pins this).
import type * as tf from '@tensorflow/tfjs';
import { buildMlp } from '../model/mlp.ts';
import type { Activation } from '../model/spec.ts';
import { setDenseWeights } from '../model/weights.ts';
import { prunedCount, type GroupGradients } from './criteria.ts';
import type { MaskSet } from './masks.ts';
import type { DenseLayerWeights } from './weights.ts';

/** L2 norm of each hidden unit's incoming weights (Li et al. 2017 use the analogous filter norm), per hidden layer. */
export function neuronL2Scores(layers: readonly DenseLayerWeights[]): Float64Array[] {
  return layers.slice(0, -1).map((layer) => {
    const s = new Float64Array(layer.units);
    for (let i = 0; i < layer.inputs; i++)
      for (let j = 0; j < layer.units; j++) s[j]! += layer.kernel[i * layer.units + j]! ** 2;
    return s.map(Math.sqrt);
  });
}

/**
 * Group-aware unit saliency: per group, Σ_i |w_ij · ∂L_g/∂w_ij| over the unit's incoming weights (first-order Taylor,
 * Molchanov et al. 2019), normalised to sum 1 over all hidden units, then max over groups (as criteria.groupSaliency).
 */
export function neuronSaliencyScores(layers: readonly DenseLayerWeights[], gradients: GroupGradients): Float64Array[] {
  const hidden = layers.slice(0, -1);
  const combined = hidden.map((layer) => new Float64Array(layer.units));
  for (const [group, grads] of gradients) {
    let total = 0;
    const perLayer = hidden.map((layer) => {
      const g = grads.get(layer.kernelName);
      if (g === undefined)
        throw new Error(`neuronSaliencyScores: no gradient for ${layer.kernelName} in group ${group}`);
      const s = new Float64Array(layer.units);
      for (let i = 0; i < layer.inputs; i++)
        for (let j = 0; j < layer.units; j++)
          s[j]! += Math.abs(layer.kernel[i * layer.units + j]! * g[i * layer.units + j]!);
      for (const v of s) total += v;
      return s;
    });
    if (!(total > 0)) continue; // A group with zero gradient has no say (as in groupSaliency).
    perLayer.forEach((s, l) => s.forEach((v, j) => (combined[l]![j] = Math.max(combined[l]![j]!, v / total))));
  }
  return combined;
}

/**
 * Units to KEEP per hidden layer: removes round(fraction · units) lowest-scoring units (ties: lower index goes
 * first), never the last unit of a layer. Indices are returned sorted.
 */
export function selectUnits(scores: readonly Float64Array[], fraction: number | readonly number[]): Int32Array[] {
  return scores.map((s, l) => {
    const f = typeof fraction === 'number' ? fraction : fraction[l];
    if (f === undefined) throw new Error(`selectUnits: no fraction for hidden layer ${l}`);
    const remove = Math.min(prunedCount(s.length, f), s.length - 1);
    const order = Array.from({ length: s.length }, (_, j) => j).sort((a, b) => s[a]! - s[b]! || a - b);
    return Int32Array.from(order.slice(remove).sort((a, b) => a - b));
  });
}

function checkKeep(layers: readonly DenseLayerWeights[], keep: readonly Int32Array[]): void {
  if (keep.length !== layers.length - 1)
    throw new Error(`structured: ${keep.length} keep lists for ${layers.length - 1} hidden layers`);
  keep.forEach((k, l) => {
    if (k.length === 0) throw new Error(`structured: hidden layer ${l} would have no units`);
    for (let i = 0; i < k.length; i++)
      if (!(k[i]! >= 0 && k[i]! < layers[l]!.units) || (i > 0 && k[i]! <= k[i - 1]!))
        throw new Error(`structured: keep list of layer ${l} must be sorted unique unit indices`);
  });
}

/** The smaller layers: hidden layer l keeps units keep[l]; the next layer keeps the matching input rows. */
export function shrinkLayers(layers: readonly DenseLayerWeights[], keep: readonly Int32Array[]): DenseLayerWeights[] {
  checkKeep(layers, keep);
  return layers.map((layer, l) => {
    const rows = l === 0 ? Int32Array.from({ length: layer.inputs }, (_, i) => i) : keep[l - 1]!;
    const cols = l < keep.length ? keep[l]! : Int32Array.from({ length: layer.units }, (_, j) => j);
    const kernel = new Float32Array(rows.length * cols.length);
    rows.forEach((i, r) => cols.forEach((j, c) => (kernel[r * cols.length + c] = layer.kernel[i * layer.units + j]!)));
    return {
      ...layer,
      inputs: rows.length,
      units: cols.length,
      kernel,
      bias: layer.bias === undefined ? undefined : Float32Array.from(cols, (j) => layer.bias![j]!),
    };
  });
}

/** Masks of the equivalent unstructured model: removed units' incoming columns and outgoing rows are zero. */
export function structuredMasks(layers: readonly DenseLayerWeights[], keep: readonly Int32Array[]): MaskSet {
  checkKeep(layers, keep);
  const masks: MaskSet = new Map();
  layers.forEach((layer, l) => {
    const mask = new Uint8Array(layer.inputs * layer.units).fill(1);
    if (l < keep.length) {
      const kept = new Set(keep[l]!);
      for (let j = 0; j < layer.units; j++)
        if (!kept.has(j)) for (let i = 0; i < layer.inputs; i++) mask[i * layer.units + j] = 0;
    }
    if (l > 0) {
      const kept = new Set(keep[l - 1]!);
      for (let i = 0; i < layer.inputs; i++) if (!kept.has(i)) mask.fill(0, i * layer.units, (i + 1) * layer.units);
    }
    masks.set(layer.kernelName, mask);
  });
  return masks;
}

/** Existing unstructured masks carried over to the shrunk layers (same selection of rows and columns). */
export function shrinkMasks(
  layers: readonly DenseLayerWeights[],
  masks: MaskSet,
  keep: readonly Int32Array[],
): MaskSet {
  const asLayers = layers.map((layer) => {
    const m = masks.get(layer.kernelName);
    return { ...layer, kernel: m === undefined ? new Float32Array(layer.kernel.length).fill(1) : Float32Array.from(m) };
  });
  const out: MaskSet = new Map();
  shrinkLayers(asLayers, keep).forEach((layer) => {
    if (masks.has(layer.kernelName)) out.set(layer.kernelName, Uint8Array.from(layer.kernel));
  });
  return out;
}

/**
 * A tfjs MLP (core/model's buildMlp: hidden `dense_<i>`, sigmoid `output`) holding the given layers. The last layer
 * must be a single sigmoid unit, as core/model's binary classifiers are.
 */
export function buildShrunkModel(layers: readonly DenseLayerWeights[]): tf.Sequential {
  const last = layers[layers.length - 1];
  if (last === undefined || last.units !== 1 || last.activation !== 'sigmoid')
    throw new Error('buildShrunkModel: the last layer must be one sigmoid unit');
  const hidden = layers.slice(0, -1).map((layer) => {
    if (layer.activation === 'softmax') throw new Error('buildShrunkModel: softmax hidden layers are not supported');
    return { units: layer.units, activation: layer.activation as Activation };
  });
  const model = buildMlp({ hidden }, { inputDim: layers[0]!.inputs, seed: 0 });
  setDenseWeights(
    model,
    layers.map((layer, l) => ({
      name: l === layers.length - 1 ? 'output' : `dense_${l}`,
      kernel: { shape: [layer.inputs, layer.units], values: layer.kernel },
      ...(layer.bias === undefined ? {} : { bias: { shape: [layer.units], values: layer.bias } }),
    })),
  );
  return model;
}
