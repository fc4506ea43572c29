// Unstructured pruning criteria. Each criterion turns weights into a score per prunable weight; one selection
// routine (masksFromScores) then prunes the lowest-scoring weights to EXACTLY round(s · n) pruned entries,
// per layer or globally, breaking ties by a stable order (tensor order as given, then element index).
// Biases are never pruned (weights.ts, isPrunable): they are a tiny share of the parameters.
import * as tf from '@tensorflow/tfjs';
import { selectRows, type FeatureMatrix } from '../data/matrix.ts';
import { forward } from '../model/forward.ts';
import { binaryCrossEntropy, missingGradientKernels } from '../model/train.ts';
import { createRng } from '../random/rng.ts';
import type { MaskSet } from './masks.ts';
import { isPrunable, type NamedWeight } from './weights.ts';

export type PruneScope = 'global' | 'layer';
/** Scores per prunable tensor, in the model's weight order (a Map keeps insertion order). */
export type ScoreSet = Map<string, Float64Array>;

export interface SelectionOptions {
  /** 'global': one ranking over all prunable weights; 'layer': each tensor pruned to the same sparsity. */
  scope: PruneScope;
  /** Masks already in force: their pruned entries rank first, so pruning is monotone when sparsity grows. */
  existing?: MaskSet;
}

/** Number of entries to prune for a target sparsity: round(s · n), the closest achievable sparsity. */
export function prunedCount(size: number, sparsity: number): number {
  if (!(sparsity >= 0 && sparsity <= 1)) throw new Error(`sparsity must be in [0, 1], got ${sparsity}`);
  return Math.round(sparsity * size);
}

/** Indices of the k lowest scores; ties go to the lower index first (stable, deterministic). */
function lowestK(scores: ArrayLike<number>, k: number): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) {
    const s = scores[i]!;
    if (Number.isNaN(s)) throw new Error(`pruning score at ${i} is NaN`);
    order[i] = i;
  }
  order.sort((a, b) => scores[a]! - scores[b]! || a - b);
  return order.subarray(0, k);
}

function withExisting(name: string, scores: Float64Array, existing: MaskSet | undefined): Float64Array {
  const mask = existing?.get(name);
  if (mask === undefined) return scores;
  const out = new Float64Array(scores);
  for (let i = 0; i < out.length; i++) if (mask[i] === 0) out[i] = -Infinity;
  return out;
}

/**
 * Masks pruning the lowest-scoring weights. `sparsity` is a single target, or (layer scope) a target per tensor
 * name. Tensors absent from `scores` get no mask.
 */
export function masksFromScores(
  scores: ScoreSet,
  sparsity: number | Readonly<Record<string, number>>,
  options: SelectionOptions,
): MaskSet {
  const masks: MaskSet = new Map();
  if (options.scope === 'layer') {
    for (const [name, s] of scores) {
      const target = typeof sparsity === 'number' ? sparsity : sparsity[name];
      if (target === undefined) throw new Error(`masksFromScores: no sparsity given for ${name}`);
      const mask = new Uint8Array(s.length).fill(1);
      for (const i of lowestK(withExisting(name, s, options.existing), prunedCount(s.length, target))) mask[i] = 0;
      masks.set(name, mask);
    }
    return masks;
  }
  if (typeof sparsity !== 'number') throw new Error('masksFromScores: global scope takes one sparsity');
  const total = [...scores.values()].reduce((n, s) => n + s.length, 0);
  const all = new Float64Array(total);
  const owners: { name: string; start: number; mask: Uint8Array }[] = [];
  let offset = 0;
  for (const [name, s] of scores) {
    all.set(withExisting(name, s, options.existing), offset);
    const mask = new Uint8Array(s.length).fill(1);
    owners.push({ name, start: offset, mask });
    masks.set(name, mask);
    offset += s.length;
  }
  let owner = 0;
  const pruned = Array.from(lowestK(all, prunedCount(total, sparsity))).sort((a, b) => a - b);
  for (const i of pruned) {
    while (i >= owners[owner]!.start + owners[owner]!.mask.length) owner++;
    owners[owner]!.mask[i - owners[owner]!.start] = 0;
  }
  return masks;
}

/** |w| for every prunable tensor (Han et al. 2015, magnitude pruning). */
export function magnitudeScores(weights: readonly NamedWeight[]): ScoreSet {
  const scores: ScoreSet = new Map();
  for (const w of weights) if (isPrunable(w)) scores.set(w.name, Float64Array.from(w.values, Math.abs));
  return scores;
}

/** Global magnitude pruning: the smallest |w| across all layers go first. */
export function globalMagnitudeMasks(weights: readonly NamedWeight[], sparsity: number, existing?: MaskSet): MaskSet {
  return masksFromScores(magnitudeScores(weights), sparsity, { scope: 'global', existing });
}

/** Layer-wise magnitude pruning: every layer reaches the same sparsity (or its own, by name). */
export function layerwiseMagnitudeMasks(
  weights: readonly NamedWeight[],
  sparsity: number | Readonly<Record<string, number>>,
  existing?: MaskSet,
): MaskSet {
  return masksFromScores(magnitudeScores(weights), sparsity, { scope: 'layer', existing });
}

/** Random control: uniform scores from a seeded stream, drawn in weight order (seed via deriveSeed). */
export function randomScores(weights: readonly NamedWeight[], seed: number): ScoreSet {
  const rng = createRng(seed);
  const scores: ScoreSet = new Map();
  for (const w of weights) {
    if (!isPrunable(w)) continue;
    const s = new Float64Array(w.values.length);
    for (let i = 0; i < s.length; i++) s[i] = rng.next();
    scores.set(w.name, s);
  }
  return scores;
}

export function randomMasks(
  weights: readonly NamedWeight[],
  sparsity: number,
  seed: number,
  scope: PruneScope,
  existing?: MaskSet,
): MaskSet {
  return masksFromScores(randomScores(weights, seed), sparsity, { scope, existing });
}

/** Per-group gradients of the group's mean loss, by weight name (computed with tfjs in tf-adapter.ts). */
export type GroupGradients = Map<string, Map<string, Float32Array>>;

export interface GroupSaliency {
  /** Per group, |w · ∂L_g/∂w| divided by its sum over all prunable weights (so each group's scores sum to 1). */
  perGroup: Map<string, ScoreSet>;
  /** max over groups of the normalised per-group saliency: a weight is kept if it matters to ANY group. */
  combined: ScoreSet;
  /** Groups whose saliency is all zero (e.g. zero loss gradient): left out of the max, with the reason. */
  skipped: { group: string; reason: string }[];
}

/**
 * Group-aware saliency: first-order Taylor importance per group, |w · ∂L_g/∂w| (Molchanov et al. 2019), normalised
 * per group and combined by max so that no group's important weights go first — in the spirit of FairGRAPE
 * (Lin et al. 2022, per-group importance kept in balance) and FairPrune (Wu et al. 2022, saliency per group).
 * Normalisation is by each group's global sum, so a small group's scores are on the same scale as a large one's.
 */
export function groupSaliency(weights: readonly NamedWeight[], gradients: GroupGradients): GroupSaliency {
  const prunable = weights.filter(isPrunable);
  const perGroup = new Map<string, ScoreSet>();
  const skipped: { group: string; reason: string }[] = [];
  for (const [group, grads] of gradients) {
    const scores: ScoreSet = new Map();
    let sum = 0;
    for (const w of prunable) {
      const g = grads.get(w.name);
      if (g === undefined) throw new Error(`groupSaliency: no gradient for ${w.name} in group ${group}`);
      const s = new Float64Array(w.values.length);
      for (let i = 0; i < s.length; i++) {
        s[i] = Math.abs(w.values[i]! * g[i]!);
        sum += s[i]!;
      }
      scores.set(w.name, s);
    }
    if (!(sum > 0)) {
      skipped.push({ group, reason: 'saliency is zero for every weight (zero loss gradient)' });
      continue;
    }
    for (const s of scores.values()) for (let i = 0; i < s.length; i++) s[i]! /= sum;
    perGroup.set(group, scores);
  }
  const combined: ScoreSet = new Map();
  for (const w of prunable) {
    const c = new Float64Array(w.values.length);
    for (const scores of perGroup.values()) {
      const s = scores.get(w.name)!;
      for (let i = 0; i < c.length; i++) if (s[i]! > c[i]!) c[i] = s[i]!;
    }
    combined.set(w.name, c);
  }
  return { perGroup, combined, skipped };
}

export function groupSaliencyMasks(
  weights: readonly NamedWeight[],
  gradients: GroupGradients,
  sparsity: number,
  scope: PruneScope,
  existing?: MaskSet,
): MaskSet {
  return masksFromScores(groupSaliency(weights, gradients).combined, sparsity, { scope, existing });
}

/**
 * Regrowth scores for pruned weights. A pruned weight is 0, so |w · g| would be 0: with the pre-prune weights
 * (the rollback checkpoint) the score is the group saliency those values would have, |w_pre · ∂L_g/∂w|; without
 * them it is the gradient magnitude |∂L_g/∂w| (as RigL, Evci et al. 2020), normalised per group, max over groups.
 */
export function regrowthScores(
  current: readonly NamedWeight[],
  gradients: GroupGradients,
  prePrune?: readonly NamedWeight[],
): ScoreSet {
  const byName = new Map((prePrune ?? []).map((w) => [w.name, w]));
  const basis = current.map((w) => {
    if (!isPrunable(w)) return w;
    const pre = byName.get(w.name);
    return {
      name: w.name,
      shape: w.shape,
      values: pre === undefined ? new Float32Array(w.values.length).fill(1) : pre.values,
    };
  });
  return groupSaliency(basis, gradients).combined;
}

export interface RegrowthResult {
  masks: MaskSet;
  /** Weights with regrown entries re-initialised (see `reinit`). */
  weights: NamedWeight[];
  regrown: number;
}

/**
 * Restores the `count` pruned weights with the highest regrowth score (ties: lower tensor/element index first).
 * `reinit: 'pre-prune'` sets them back to their pre-prune values (rollback-and-reintroduce: the default when
 * prePrune is given), `'zero'` restarts them at 0 so fine-tuning grows them from scratch (as RigL).
 */
export function regrow(
  current: readonly NamedWeight[],
  masks: MaskSet,
  scores: ScoreSet,
  count: number,
  options: { reinit: 'zero' | 'pre-prune'; prePrune?: readonly NamedWeight[] },
): RegrowthResult {
  if (options.reinit === 'pre-prune' && options.prePrune === undefined)
    throw new Error("regrow: reinit 'pre-prune' needs the pre-prune weights");
  const candidates: { name: string; index: number; score: number; order: number }[] = [];
  let order = 0;
  for (const [name, mask] of masks) {
    const s = scores.get(name);
    if (s === undefined) throw new Error(`regrow: no score for ${name}`);
    for (let i = 0; i < mask.length; i++, order++)
      if (mask[i] === 0) candidates.push({ name, index: i, score: s[i]!, order });
  }
  candidates.sort((a, b) => b.score - a.score || a.order - b.order);
  const chosen = candidates.slice(0, Math.max(0, Math.min(count, candidates.length)));
  const newMasks: MaskSet = new Map([...masks].map(([name, m]) => [name, new Uint8Array(m)]));
  const pre = new Map((options.prePrune ?? []).map((w) => [w.name, w]));
  const weights = current.map((w) => ({ name: w.name, shape: [...w.shape], values: new Float32Array(w.values) }));
  const byName = new Map(weights.map((w) => [w.name, w]));
  for (const c of chosen) {
    newMasks.get(c.name)![c.index] = 1;
    const w = byName.get(c.name);
    if (w === undefined) throw new Error(`regrow: no weight ${c.name}`);
    w.values[c.index] = options.reinit === 'zero' ? 0 : pre.get(c.name)!.values[c.index]!;
  }
  return { masks: newMasks, weights, regrown: chosen.length };
}

/** Rows, 0/1 labels and one group label per row (one sensitive attribute or an intersection). */
export interface GroupedData {
  x: FeatureMatrix;
  y: Uint8Array;
  groups: ArrayLike<string>;
}

/** Row indices per group, groups in sorted order (so every result keyed by group is in a deterministic order). */
export function rowsByGroup(groups: ArrayLike<string>): Map<string, Int32Array> {
  const lists = new Map<string, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    let list = lists.get(g);
    if (list === undefined) lists.set(g, (list = []));
    list.push(i);
  }
  return new Map([...lists.keys()].sort().map((g) => [g, Int32Array.from(lists.get(g)!)]));
}

/**
 * ∂L_g/∂w for every prunable weight and every group g, where L_g is the mean binary cross-entropy over g's rows
 * (inference mode, no dropout), computed with tfjs gradients in batches of `batchSize` rows.
 */
export function groupLossGradients(
  model: tf.LayersModel,
  data: GroupedData,
  options: { batchSize?: number } = {},
): GroupGradients {
  const batchSize = options.batchSize ?? 4096;
  const missing = missingGradientKernels(model);
  if (missing.length > 0)
    throw new Error(
      `group saliency needs the tfjs gradient kernels ${missing.join(', ')}, which backend '${tf.getBackend()}' does not have; ` +
        'use the cpu backend (FAIRSHRINK_TFJS_BACKEND=cpu) or the native one (fairshrink setup --backend tensorflow)',
    );
  const layerVars = model.trainableWeights.filter((w) => w.shape.length >= 2);
  const variables = layerVars.map((w) => w.read() as tf.Variable);
  const out: GroupGradients = new Map();
  for (const [group, rows] of rowsByGroup(data.groups)) {
    const sums = layerVars.map((w) => new Float64Array(w.shape.reduce((a: number, b) => a * (b ?? 1), 1)));
    for (let start = 0; start < rows.length; start += batchSize) {
      const batch = rows.subarray(start, Math.min(rows.length, start + batchSize));
      const sub = selectRows(data.x, batch);
      const grads = tf.tidy(() => {
        const xb = tf.tensor2d(sub.values, [sub.rows, sub.cols], 'float32');
        const yb = tf.tensor2d(
          Float32Array.from(batch, (r) => data.y[r]!),
          [batch.length, 1],
          'float32',
        );
        // Sum of per-row losses in this batch (mean × batch rows), so batches add up to the group's total.
        const { grads } = tf.variableGrads(
          () => tf.mul(binaryCrossEntropy(yb, forward(model, xb)), batch.length) as tf.Scalar,
          variables,
        );
        return variables.map((v) => grads[v.name]!.dataSync() as Float32Array);
      });
      grads.forEach((g, k) => {
        const s = sums[k]!;
        for (let i = 0; i < s.length; i++) s[i]! += g[i]!;
      });
    }
    out.set(
      group,
      new Map(layerVars.map((w, k) => [w.originalName, Float32Array.from(sums[k]!, (v) => v / rows.length)])),
    );
  }
  return out;
}
