// Per-row arrays of one model (candidate or reference), computed once per evaluation: what every pass of the
// statistics engine reads for a row (confusion code, log loss and Brier terms, calibration bins and their offsets in
// a statistics block), and the score order the AUC pass walks.
import { BINS } from './group-stats.ts';

/**
 * ŷ = 1[score ≥ threshold]. (Loops here and below rather than TypedArray.from with a map function, which V8 runs
 * 10–20× slower; these run over every row for each model and each threshold of the sensitivity grid.)
 */
export function predictAt(score: Float64Array, threshold: number): Uint8Array {
  const pred = new Uint8Array(score.length);
  for (let i = 0; i < score.length; i++) pred[i] = score[i]! >= threshold ? 1 : 0;
  return pred;
}

/** Probabilities are clipped to [eps, 1 - eps] before the log, as scikit-learn's log_loss historically did. */
export const LOG_LOSS_EPS = 1e-15;

/** Per-row arrays of one model (candidate or reference), computed once. */
export interface ModelArrays {
  score: Float64Array;
  pred: Uint8Array;
  /** 2·y + ŷ: 0 TN, 1 FP, 2 FN, 3 TP. */
  code: Uint8Array;
  logLoss: Float64Array;
  brier: Float64Array;
  /** Probability of the predicted class (top-label calibration). */
  topConfidence: Float64Array;
  binPositive: Uint16Array;
  binTop: Uint16Array;
  /** Offsets of the row's positive-class and top-label calibration bins in a statistics block. */
  binPositiveOffset: Int32Array;
  binTopOffset: Int32Array;
  /** Rows by ascending score, and for each start of a run of equal scores the index after its end. */
  order: Int32Array;
  runEnd: Int32Array;
  /** Labels in score order, and whether any two scores tie (if not, the AUC pass skips tie handling). */
  sortedLabel: Uint8Array;
  hasTies: boolean;
}

/**
 * Equal-width bin of p in [0, 1] among `bins` bins: bin k holds [k/M, (k+1)/M), the last bin also holds 1.
 * (TensorFlow Probability's convention; torchmetrics uses (lo, hi]. A score on an edge goes to the upper bin.)
 */
export function calibrationBin(p: number, bins: number): number {
  let k = Math.floor(p * bins);
  // Guard against floating point: make sure k/M <= p < (k+1)/M exactly as written.
  if (k > 0 && k / bins > p) k--;
  if (k < bins - 1 && (k + 1) / bins <= p) k++;
  return Math.min(Math.max(k, 0), bins - 1);
}

/** The score order and its runs of ties, shared by every model with the same scores. */
export function scoreOrder(score: Float64Array): { order: Int32Array; runEnd: Int32Array } {
  const n = score.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => score[a]! - score[b]! || a - b);
  const runEnd = new Int32Array(n);
  for (let k = 0; k < n;) {
    let end = k + 1;
    while (end < n && score[order[end]!] === score[order[k]!]) end++;
    runEnd[k] = end;
    k = end;
  }
  return { order, runEnd };
}

export function prepareModel(
  label: Uint8Array,
  score: Float64Array,
  pred: Uint8Array,
  bins: number,
  sorted: { order: Int32Array; runEnd: Int32Array } = scoreOrder(score),
): ModelArrays {
  const n = label.length;
  const code = new Uint8Array(n);
  const logLoss = new Float64Array(n);
  const brier = new Float64Array(n);
  const topConfidence = new Float64Array(n);
  const binPositive = new Uint16Array(n);
  const binTop = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const y = label[i]!;
    const s = score[i]!;
    const yhat = pred[i]!;
    code[i] = 2 * y + yhat;
    const p = Math.min(Math.max(s, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
    logLoss[i] = -(y === 1 ? Math.log(p) : Math.log(1 - p)); // sklearn.metrics.log_loss, per row
    brier[i] = (s - y) * (s - y); // Brier (1950): (p - y)^2
    const conf = yhat === 1 ? s : 1 - s;
    topConfidence[i] = conf;
    binPositive[i] = calibrationBin(s, bins);
    binTop[i] = calibrationBin(conf, bins);
  }
  const binPositiveOffset = new Int32Array(n);
  const binTopOffset = new Int32Array(n);
  const sortedLabel = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    binPositiveOffset[i] = BINS + 3 * binPositive[i]!;
    binTopOffset[i] = BINS + 3 * bins + 3 * binTop[i]!;
    sortedLabel[i] = label[sorted.order[i]!]!;
  }
  return {
    score,
    pred,
    code,
    logLoss,
    brier,
    topConfidence,
    binPositive,
    binTop,
    binPositiveOffset,
    binTopOffset,
    order: sorted.order,
    runEnd: sorted.runEnd,
    sortedLabel,
    hasTies: sorted.runEnd.some((end, k) => end > k + 1),
  };
}

/**
 * The same model with other predictions (threshold sweeps): reuses everything that depends on the
 * scores alone (log loss, Brier, positive-class bins, score order) and recomputes the rest.
 */
export function withPredictions(model: ModelArrays, label: Uint8Array, pred: Uint8Array, bins: number): ModelArrays {
  const n = label.length;
  const code = new Uint8Array(n);
  const topConfidence = new Float64Array(n);
  const binTop = new Uint16Array(n);
  const binTopOffset = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const yhat = pred[i]!;
    const s = model.score[i]!;
    code[i] = 2 * label[i]! + yhat;
    const conf = yhat === 1 ? s : 1 - s;
    topConfidence[i] = conf;
    const b = calibrationBin(conf, bins);
    binTop[i] = b;
    binTopOffset[i] = BINS + 3 * bins + 3 * b;
  }
  // Same property order as prepareModel, so the hot loops see one object shape.
  return {
    score: model.score,
    pred,
    code,
    logLoss: model.logLoss,
    brier: model.brier,
    topConfidence,
    binPositive: model.binPositive,
    binTop,
    binPositiveOffset: model.binPositiveOffset,
    binTopOffset,
    order: model.order,
    runEnd: model.runEnd,
    sortedLabel: model.sortedLabel,
    hasTies: model.hasTies,
  };
}
