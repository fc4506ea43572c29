// Fine-tuning after pruning, on core/model's seeded training loop.
// - Masked fine-tuning: masks re-applied after EVERY optimizer step (tfjs has no pruning API), so pruned weights
//   are exactly zero in memory and in the exported weights.bin.
// - Fairness-constrained fine-tuning after Hashemizadeh et al. 2024 ("Balancing Act", CEAG): minimise the
//   Lagrangian L(θ) + Σ_g λ_g (ψ̃_g(θ) − ε) with a differentiable per-group excess-LOSS gap ψ̃_g as the primal proxy,
//   and update λ_g ≥ 0 by projected dual ascent on the TRUE excess ACCURACY gap ψ_g.
import * as tf from '@tensorflow/tfjs';
import { predictProba } from '../model/predict.ts';
import { trainModel, type LossFn, type TrainState } from '../model/train.ts';
import { rowsByGroup, type GroupedData } from './criteria.ts';
import { createModelMasker, type MaskSet } from './masks.ts';

const BCE_EPSILON = 1e-7; // As core/model's binaryCrossEntropy (Keras clipping).

/** Accuracy and mean BCE, overall and per group (groups in sorted order). Group metrics of an empty group are absent. */
export interface GroupPerformance {
  accuracy: number;
  loss: number;
  groupAccuracy: Record<string, number>;
  groupLoss: Record<string, number>;
  groupSize: Record<string, number>;
}

/** Accuracy (threshold 0.5) and BCE of probabilities, overall and per group. */
export function groupPerformance(probs: Float32Array, data: GroupedData): GroupPerformance {
  const n = data.y.length;
  if (probs.length !== n) throw new Error(`groupPerformance: ${probs.length} probabilities for ${n} rows`);
  if (n === 0) throw new Error('groupPerformance: no rows');
  const correct = new Uint8Array(n);
  const loss = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = Math.min(Math.max(probs[i]!, BCE_EPSILON), 1 - BCE_EPSILON);
    correct[i] = (probs[i]! >= 0.5 ? 1 : 0) === data.y[i] ? 1 : 0;
    loss[i] = data.y[i] === 1 ? -Math.log(p) : -Math.log(1 - p);
  }
  const mean = (rows: ArrayLike<number>, v: ArrayLike<number>) => {
    let s = 0;
    for (let k = 0; k < rows.length; k++) s += v[rows[k]!]!;
    return s / rows.length;
  };
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const out: GroupPerformance = {
    accuracy: mean(all, correct),
    loss: mean(all, loss),
    groupAccuracy: {},
    groupLoss: {},
    groupSize: {},
  };
  for (const [g, rows] of rowsByGroup(data.groups)) {
    out.groupAccuracy[g] = mean(rows, correct);
    out.groupLoss[g] = mean(rows, loss);
    out.groupSize[g] = rows.length;
  }
  return out;
}

export function evaluateGroups(model: tf.LayersModel, data: GroupedData): GroupPerformance {
  return groupPerformance(predictProba(model, data.x), data);
}

export type GapEstimate = { value: number; reason?: undefined } | { value: undefined; reason: string };

/** gap(A_g,dense, A_g) for every group on either side; undefined (with the reason) for a group absent on one side. */
function perGroupGaps(
  dense: GroupPerformance,
  current: GroupPerformance,
  gap: (denseAccuracy: number, accuracy: number) => number,
): Record<string, GapEstimate> {
  const out: Record<string, GapEstimate> = {};
  const groups = [...new Set([...Object.keys(dense.groupAccuracy), ...Object.keys(current.groupAccuracy)])].sort();
  for (const g of groups) {
    const d = dense.groupAccuracy[g];
    const c = current.groupAccuracy[g];
    out[g] =
      d === undefined || c === undefined
        ? {
            value: undefined,
            reason: `group ${g} has no rows in the ${d === undefined ? 'dense' : 'current'} evaluation`,
          }
        : { value: gap(d, c) };
  }
  return out;
}

/**
 * Excess accuracy gap per group (Hashemizadeh et al. 2024, eq. 3): ψ_g = (A_g,dense − A_g) − (A_dense − A).
 * Positive: group g lost more accuracy than the model as a whole. Undefined for a group absent on either side.
 */
export function excessAccuracyGaps(dense: GroupPerformance, current: GroupPerformance): Record<string, GapEstimate> {
  return perGroupGaps(dense, current, (d, c) => d - c - (dense.accuracy - current.accuracy));
}

/** max_g ψ_g over the groups where it is defined; undefined (with the reason) when none is. */
export function maxExcessGap(gaps: Record<string, GapEstimate>): GapEstimate {
  const values = Object.values(gaps).flatMap((g) => (g.value === undefined ? [] : [g.value]));
  return values.length === 0
    ? { value: undefined, reason: 'no group has a defined excess accuracy gap' }
    : { value: Math.max(...values) };
}

/** What constrained fine-tuning bounds by ε per group. */
export type ConstraintKind = 'excess-gap' | 'no-harm';

/**
 * Each group's own accuracy drop against the dense model: d_g = A_g,dense − A_g. The no-harm constraint bounds it, so
 * no group may pay for compression beyond ε, and lowering the other groups (levelling down) cannot meet it.
 */
export function groupAccuracyDrops(dense: GroupPerformance, current: GroupPerformance): Record<string, GapEstimate> {
  return perGroupGaps(dense, current, (d, c) => d - c);
}

/** The gaps the dual step compares with ε: ψ_g (CEAG) or the group's own drop (no-harm). */
export function constraintGaps(
  kind: ConstraintKind,
  dense: GroupPerformance,
  current: GroupPerformance,
): Record<string, GapEstimate> {
  return kind === 'no-harm' ? groupAccuracyDrops(dense, current) : excessAccuracyGaps(dense, current);
}

/**
 * The constraint's primal term on one batch, as one weighted sum of per-row BCE (Keras clipping, as core/model):
 *   excess-gap (CEAG, Hashemizadeh et al. 2024, eq. 6): Σ_g λ_g [(L_g − L_g,dense) − (L − L_dense) − ε];
 *   group-loss (the no-harm constraint's proxy, and a CEAG variant): Σ_g λ_g [(L_g − L_g,dense) − ε],
 * L the batch mean, L_g over the batch's rows of group g (groups absent from the batch skipped). `lambda` is read at
 * every call, so the dual step may update it in place.
 */
export function lagrangianTerm(
  groups: ArrayLike<string>,
  dense: GroupPerformance,
  lambda: Record<string, number>,
  epsilon: number,
  proxy: 'excess-loss-gap' | 'group-loss',
): LossFn {
  const byGroup = rowsByGroup(groups);
  const groupNames = [...byGroup.keys()];
  const groupOf = new Int32Array(groups.length);
  groupNames.forEach((g, k) => byGroup.get(g)!.forEach((r) => (groupOf[r] = k)));
  const excess = proxy === 'excess-loss-gap';
  return (yTrue, yPred, batch) => {
    const counts = new Float64Array(groupNames.length);
    for (const r of batch) counts[groupOf[r]!]!++;
    let active = false;
    let lambdaSum = 0;
    let constant = 0;
    groupNames.forEach((g, k) => {
      const l = lambda[g]!;
      if (counts[k] === 0 || l === 0) return;
      active = true;
      if (excess) lambdaSum += l;
      constant += l * (-(dense.groupLoss[g] ?? 0) + (excess ? dense.loss : 0) - epsilon);
    });
    if (!active) return tf.scalar(0);
    const weights = Float32Array.from(batch, (r) => {
      const k = groupOf[r]!;
      const l = lambda[groupNames[k]!]!;
      return (l === 0 ? 0 : l / counts[k]!) - lambdaSum / batch.length;
    });
    const p = tf.clipByValue(yPred, BCE_EPSILON, 1 - BCE_EPSILON);
    const rowLoss = tf.neg(tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p)))));
    return tf.add(tf.sum(tf.mul(rowLoss, tf.tensor2d(weights, [batch.length, 1], 'float32'))), constant) as tf.Scalar;
  };
}

export interface FinetuneProgress {
  epoch: number;
  /** Mean training objective over the epoch (for constrained fine-tuning: the Lagrangian's primal part). */
  loss: number;
  /** Measured on the constraint data (default: the training data) after the epoch. */
  performance: GroupPerformance;
  /** ψ_g per group; present when a dense reference is given. */
  psi: Record<string, GapEstimate> | undefined;
  maxPsi: GapEstimate | undefined;
  /** λ_g after this epoch's dual update (empty for plain fine-tuning). */
  lambda: Record<string, number>;
}

/** What a crashed activity needs to continue after `nextEpoch − 1`, together with the model's weights at that point. */
export interface FinetuneCheckpoint {
  nextEpoch: number;
  /** Multipliers (constrained fine-tuning); optimizer-independent. */
  lambda: Record<string, number>;
  /** Adam moments and step from core/model, for a bit-for-bit continuation; optional (without it Adam restarts). */
  trainState?: TrainState;
}

export interface MaskedFinetuneOptions {
  masks: MaskSet;
  seed: number;
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  /** Dense model's performance on `constraintData`; enables ψ in progress reports (required for constrained). */
  dense?: GroupPerformance;
  /** Data on which ψ is measured (and, for constrained fine-tuning, the dual step taken); default the training data. */
  constraintData?: GroupedData;
  /** Continue from a checkpoint passed to a previous onEpoch (load the weights saved with it into the model first). */
  resume?: FinetuneCheckpoint;
  onEpoch?: (progress: FinetuneProgress, checkpoint: FinetuneCheckpoint) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface ConstrainedFinetuneOptions extends MaskedFinetuneOptions {
  dense: GroupPerformance;
  /** Tolerance ε on ψ_g (CEAG's examples use 1 percentage point: 0.01). */
  epsilon: number;
  /** Dual step size η_λ. */
  dualLearningRate: number;
  /** Take the dual step every this many optimizer steps (on the constraint data); default once per epoch. */
  dualEverySteps?: number;
  /**
   * Primal proxy for ψ_g. 'excess-loss-gap' (default, CEAG): (L_g − L_g,dense) − (L − L_dense). 'group-loss': the
   * −(L − L_dense) part is dropped, so λ only up-weights lagging groups and never rewards a rise in the overall loss
   * (a guard against levelling down when Σλ > 1; a fairshrink variant, not in the paper).
   */
  primalProxy?: 'excess-loss-gap' | 'group-loss';
  /**
   * 'excess-gap' (default): CEAG's ψ_g ≤ ε. 'no-harm': every group's own accuracy drop d_g ≤ ε, with the group-loss
   * proxy (L_g − L_g,dense) in the primal; primalProxy is ignored.
   */
  constraint?: ConstraintKind;
}

export interface FinetuneResult {
  history: FinetuneProgress[];
  lambda: Record<string, number>;
  checkpoint: FinetuneCheckpoint;
  stopReason: 'epochs' | 'early-stopping' | 'aborted';
}

/** Plain masked fine-tuning: cross-entropy, masks re-applied after every step. The model is updated in place. */
export async function maskedFinetune(
  model: tf.LayersModel,
  train: GroupedData,
  options: MaskedFinetuneOptions,
): Promise<FinetuneResult> {
  return runFinetune(model, train, options, undefined);
}

/**
 * Fairness-constrained masked fine-tuning (CEAG, Hashemizadeh et al. 2024, Alg. 1), with ψ from `options.dense`:
 *   primal (every step, inside the gradient):  L(θ) + Σ_g λ_g [(L_g(θ) − L_g,dense) − (L(θ) − L_dense) − ε]
 *     with L, L_g the mean BCE over the batch and over the batch's rows of group g (groups absent from a batch skipped);
 *   dual (every epoch or every `dualEverySteps`): λ_g ← max(0, λ_g + η_λ (ψ_g − ε)), ψ_g the true excess accuracy gap.
 */
export async function constrainedFinetune(
  model: tf.LayersModel,
  train: GroupedData,
  options: ConstrainedFinetuneOptions,
): Promise<FinetuneResult> {
  if (!(options.epsilon >= 0)) throw new Error(`constrainedFinetune: epsilon must be ≥ 0, got ${options.epsilon}`);
  if (!(options.dualLearningRate > 0)) throw new Error('constrainedFinetune: dualLearningRate must be > 0');
  return runFinetune(model, train, options, options);
}

async function runFinetune(
  model: tf.LayersModel,
  train: GroupedData,
  options: MaskedFinetuneOptions,
  constrained: ConstrainedFinetuneOptions | undefined,
): Promise<FinetuneResult> {
  const constraintData = options.constraintData ?? train;
  const groupRows = rowsByGroup(train.groups);
  const groupNames = [...groupRows.keys()];
  const groupOf = new Int32Array(train.y.length);
  groupNames.forEach((g, k) => groupRows.get(g)!.forEach((r) => (groupOf[r] = k)));
  const lambda: Record<string, number> = {};
  for (const g of groupNames) lambda[g] = options.resume?.lambda[g] ?? 0;

  const measure = () => {
    const performance = evaluateGroups(model, constraintData);
    const psi = options.dense === undefined ? undefined : excessAccuracyGaps(options.dense, performance);
    return { performance, psi, maxPsi: psi === undefined ? undefined : maxExcessGap(psi) };
  };
  const kind: ConstraintKind = constrained?.constraint ?? 'excess-gap';
  // Projected dual ascent on the true gaps of the constraint (CEAG, Alg. 1): λ_g ← max(0, λ_g + η (gap_g − ε)).
  const dualStep = (performance: GroupPerformance) => {
    if (constrained === undefined) return;
    const gaps = constraintGaps(kind, constrained.dense, performance);
    for (const g of groupNames) {
      const gap = gaps[g]?.value;
      if (gap !== undefined)
        lambda[g] = Math.max(0, lambda[g]! + constrained.dualLearningRate * (gap - constrained.epsilon));
    }
  };
  const primal =
    constrained === undefined
      ? undefined
      : lagrangianTerm(
          train.groups,
          constrained.dense,
          lambda,
          constrained.epsilon,
          kind === 'no-harm' ? 'group-loss' : (constrained.primalProxy ?? 'excess-loss-gap'),
        );

  const history: FinetuneProgress[] = [];
  const masker = createModelMasker(model, options.masks);
  masker.apply();
  try {
    const dualEvery = constrained?.dualEverySteps;
    const result = await trainModel(
      model,
      { x: train.x, y: train.y },
      {
        seed: options.seed,
        spec: {
          epochs: options.epochs,
          batchSize: options.batchSize ?? 64,
          learningRate: options.learningRate ?? 1e-3,
          patience: 0,
          restoreBestWeights: false,
        },
        startEpoch: options.resume?.nextEpoch ?? 0,
        ...(options.resume?.trainState === undefined ? {} : { resumeState: options.resume.trainState }),
        ...(primal === undefined ? {} : { extraLoss: primal }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        afterStep: (info) => {
          masker.apply();
          if (dualEvery !== undefined && info.globalStep % dualEvery === 0) dualStep(measure().performance);
        },
        onEpochEnd: async (report, context) => {
          const { performance, psi, maxPsi } = measure();
          if (dualEvery === undefined) dualStep(performance);
          const progress: FinetuneProgress = {
            epoch: report.epoch,
            loss: report.loss,
            performance,
            psi,
            maxPsi,
            lambda: { ...lambda },
          };
          history.push(progress);
          if (options.onEpoch !== undefined)
            await options.onEpoch(progress, {
              nextEpoch: report.epoch + 1,
              lambda: { ...lambda },
              trainState: context.state(),
            });
        },
      },
    );
    return {
      history,
      lambda: { ...lambda },
      checkpoint: { nextEpoch: result.state.nextEpoch, lambda: { ...lambda }, trainState: result.state },
      stopReason: result.stopReason,
    };
  } finally {
    masker.dispose();
  }
}
