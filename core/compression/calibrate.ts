// Post-hoc recalibration of a binary classifier, fitted on validation data, with per-group ECE before and after:
// compression can widen calibration gaps between groups, and a campaign can recalibrate when it does.
import type * as tf from '@tensorflow/tfjs';
import { calibrationBin } from '../fairness/stats.ts';
import { rowsByGroup } from './criteria.ts';
import { forwardDense } from './forward.ts';
import { readDenseLayers } from './model-adapter.ts';

/** Pre-sigmoid outputs (logits) of a Dense MLP with one sigmoid output unit, computed in float64 accumulation. */
export function modelLogits(model: tf.LayersModel, x: { values: Float32Array; rows: number }): Float32Array {
  const layers = readDenseLayers(model);
  const last = layers[layers.length - 1];
  if (last === undefined || last.units !== 1 || last.activation !== 'sigmoid')
    throw new Error('modelLogits: the model must end in one sigmoid unit');
  layers[layers.length - 1] = { ...last, activation: 'linear' };
  return forwardDense(layers, x.values, x.rows);
}

/** log(p / (1 − p)) with p clipped to [1e-7, 1 − 1e-7] (float32 sigmoid outputs saturate). */
export function logitsFromProbabilities(probs: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: probs.length }, (_, i) => {
    const p = Math.min(Math.max(probs[i]!, 1e-7), 1 - 1e-7);
    return Math.log(p / (1 - p));
  });
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
/** log(1 + e^z) without overflow. */
const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

/** Mean negative log-likelihood of labels under p = σ(a·z + b), computed stably from logits. */
export function logitNll(logits: ArrayLike<number>, labels: ArrayLike<number>, a = 1, b = 0): number {
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const s = a * logits[i]! + b;
    sum += labels[i] === 1 ? softplus(-s) : softplus(s); // −log σ(s) = softplus(−s); −log(1 − σ(s)) = softplus(s)
  }
  return sum / logits.length;
}

export interface TemperatureFit {
  temperature: number;
  nllBefore: number;
  nllAfter: number;
  /** Set when the optimum is at the edge of the search interval [0.05, 20]. */
  atBoundary: boolean;
}

/**
 * Temperature scaling (Guo et al. 2017, §4.2): p = σ(z / T), T > 0 minimising the validation NLL. The NLL is convex
 * in 1/T, hence unimodal in log T: golden-section search on log T ∈ [log 0.05, log 20] to |Δ log T| < 1e-7.
 */
export function fitTemperature(logits: ArrayLike<number>, labels: ArrayLike<number>): TemperatureFit {
  if (logits.length === 0 || logits.length !== labels.length)
    throw new Error('fitTemperature: need matching, non-empty logits and labels');
  const f = (logT: number) => logitNll(logits, labels, Math.exp(-logT));
  const lo0 = Math.log(0.05);
  const hi0 = Math.log(20);
  const ratio = (Math.sqrt(5) - 1) / 2;
  let lo = lo0;
  let hi = hi0;
  let c = hi - ratio * (hi - lo);
  let d = lo + ratio * (hi - lo);
  let fc = f(c);
  let fd = f(d);
  while (hi - lo > 1e-7) {
    if (fc < fd) {
      hi = d;
      d = c;
      fd = fc;
      c = hi - ratio * (hi - lo);
      fc = f(c);
    } else {
      lo = c;
      c = d;
      fc = fd;
      d = lo + ratio * (hi - lo);
      fd = f(d);
    }
  }
  const logT = (lo + hi) / 2;
  return {
    temperature: Math.exp(logT),
    nllBefore: logitNll(logits, labels),
    nllAfter: f(logT),
    atBoundary: logT - lo0 < 1e-4 || hi0 - logT < 1e-4,
  };
}

export function applyTemperature(logits: ArrayLike<number>, temperature: number): Float64Array {
  return Float64Array.from({ length: logits.length }, (_, i) => sigmoid(logits[i]! / temperature));
}

export interface PlattFit {
  a: number;
  b: number;
  nllBefore: number;
  /** NLL against the hard labels after scaling. */
  nllAfter: number;
  iterations: number;
}

/**
 * Platt scaling (Platt 1999): p = σ(a·z + b) fitted by Newton's method with backtracking line search, following
 * Lin, Lin & Weng 2007 (Alg. 1). With `smoothTargets` (default, as Platt) the labels become t+ = (N+ + 1)/(N+ + 2)
 * and t− = 1/(N− + 2), which keeps a and b finite on separable data.
 */
export function fitPlatt(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: { smoothTargets?: boolean } = {},
): PlattFit {
  const n = logits.length;
  if (n === 0 || n !== labels.length) throw new Error('fitPlatt: need matching, non-empty logits and labels');
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i] === 1 ? 1 : 0;
  const smooth = options.smoothTargets ?? true;
  const tPos = smooth ? (positives + 1) / (positives + 2) : 1;
  const tNeg = smooth ? 1 / (n - positives + 2) : 0;
  const target = (i: number) => (labels[i] === 1 ? tPos : tNeg);
  // Cross-entropy against soft targets: Σ t·softplus(−s) + (1 − t)·softplus(s).
  const objective = (a: number, b: number) => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const s = a * logits[i]! + b;
      const t = target(i);
      sum += t * softplus(-s) + (1 - t) * softplus(s);
    }
    return sum;
  };
  let a = 1;
  let b = 0;
  let value = objective(a, b);
  let iterations = 0;
  for (; iterations < 100; iterations++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-12; // Lin et al.'s small ridge keeps the Hessian positive definite.
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < n; i++) {
      const z = logits[i]!;
      const p = sigmoid(a * z + b);
      const r = p - target(i);
      const w = p * (1 - p);
      ga += r * z;
      gb += r;
      haa += w * z * z;
      hab += w * z;
      hbb += w;
    }
    if (Math.abs(ga) < 1e-10 * n && Math.abs(gb) < 1e-10 * n) break;
    const det = haa * hbb - hab * hab;
    const da = -(hbb * ga - hab * gb) / det;
    const db = -(-hab * ga + haa * gb) / det;
    let step = 1;
    let accepted = false;
    while (step >= 1e-10) {
      const next = objective(a + step * da, b + step * db);
      if (next < value + 1e-4 * step * (ga * da + gb * db)) {
        a += step * da;
        b += step * db;
        value = next;
        accepted = true;
        break;
      }
      step /= 2;
    }
    if (!accepted) break;
  }
  return { a, b, nllBefore: logitNll(logits, labels), nllAfter: logitNll(logits, labels, a, b), iterations };
}

export function applyPlatt(logits: ArrayLike<number>, fit: { a: number; b: number }): Float64Array {
  return Float64Array.from({ length: logits.length }, (_, i) => sigmoid(fit.a * logits[i]! + fit.b));
}

export type CalibrationEstimate = { value: number; reason?: undefined } | { value: undefined; reason: string };

export { calibrationBin };

/**
 * Positive-class ECE (Guo et al. 2017; torchmetrics `binary_calibration_error` variant): Σ_m (|B_m|/n)|ȳ_m − p̄_m|
 * over `bins` equal-width bins (default 15), binned by core/fairness's calibrationBin: [lo, hi), the last bin closed.
 */
export function expectedCalibrationError(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins = 15,
): CalibrationEstimate {
  if (probs.length === 0) return { value: undefined, reason: 'no rows' };
  const count = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  for (let i = 0; i < probs.length; i++) {
    const k = calibrationBin(probs[i]!, bins);
    count[k]!++;
    sumY[k]! += labels[i]!;
    sumP[k]! += probs[i]!;
  }
  let ece = 0;
  for (let k = 0; k < bins; k++) ece += Math.abs(sumY[k]! - sumP[k]!); // (|B|/n)|Σy/|B| − Σp/|B|| = |Σy − Σp|/n
  return { value: ece / probs.length };
}

/** ECE overall and per group (groups sorted). */
export function groupEce(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  groups: ArrayLike<string>,
  bins = 15,
): { overall: CalibrationEstimate; groups: Record<string, CalibrationEstimate> } {
  const out: Record<string, CalibrationEstimate> = {};
  for (const [g, rows] of rowsByGroup(groups))
    out[g] = expectedCalibrationError(
      Array.from(rows, (r) => probs[r]!),
      Array.from(rows, (r) => labels[r]!),
      bins,
    );
  return { overall: expectedCalibrationError(probs, labels, bins), groups: out };
}

export interface RecalibrationReport {
  method: 'temperature' | 'platt';
  /** T for temperature scaling; a, b for Platt. */
  parameters: Record<string, number>;
  /** Fitted on the validation data. */
  validationNll: { before: number; after: number };
  /** Measured on the evaluation data (e.g. test), positive-class ECE, 15 bins. */
  ece: {
    before: { overall: CalibrationEstimate; groups: Record<string, CalibrationEstimate> };
    after: { overall: CalibrationEstimate; groups: Record<string, CalibrationEstimate> };
  };
  /** max_g ECE_g − min_g ECE_g over groups with a defined ECE, before and after. */
  eceGap: { before: CalibrationEstimate; after: CalibrationEstimate };
}

function gap(groups: Record<string, CalibrationEstimate>): CalibrationEstimate {
  const values = Object.values(groups).flatMap((e) => (e.value === undefined ? [] : [e.value]));
  return values.length < 2
    ? { value: undefined, reason: 'fewer than two groups with a defined ECE' }
    : { value: Math.max(...values) - Math.min(...values) };
}

/** Fits a recalibration on validation logits and reports per-group ECE on evaluation data before and after. */
export function recalibrate(
  method: 'temperature' | 'platt',
  validation: { logits: ArrayLike<number>; labels: ArrayLike<number> },
  evaluation: { logits: ArrayLike<number>; labels: ArrayLike<number>; groups: ArrayLike<string> },
  bins = 15,
): RecalibrationReport & { apply(logits: ArrayLike<number>): Float64Array } {
  const before = Float64Array.from({ length: evaluation.logits.length }, (_, i) => sigmoid(evaluation.logits[i]!));
  let apply: (logits: ArrayLike<number>) => Float64Array;
  let parameters: Record<string, number>;
  let validationNll: { before: number; after: number };
  if (method === 'temperature') {
    const fit = fitTemperature(validation.logits, validation.labels);
    apply = (z) => applyTemperature(z, fit.temperature);
    parameters = { temperature: fit.temperature };
    validationNll = { before: fit.nllBefore, after: fit.nllAfter };
  } else {
    const fit = fitPlatt(validation.logits, validation.labels);
    apply = (z) => applyPlatt(z, fit);
    parameters = { a: fit.a, b: fit.b };
    validationNll = { before: fit.nllBefore, after: fit.nllAfter };
  }
  const after = apply(evaluation.logits);
  const eceBefore = groupEce(before, evaluation.labels, evaluation.groups, bins);
  const eceAfter = groupEce(after, evaluation.labels, evaluation.groups, bins);
  return {
    method,
    parameters,
    validationNll,
    ece: { before: eceBefore, after: eceAfter },
    eceGap: { before: gap(eceBefore.groups), after: gap(eceAfter.groups) },
    apply,
  };
}
