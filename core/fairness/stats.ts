// Sufficient statistics per group, computed in one pass over the rows with per-row multiplicities
// (1 for the point estimate, bootstrap counts for a resample). Everything a metric needs is additive
// (weighted confusion counts, sums of per-row log loss and Brier terms, calibration bin sums), except
// ROC AUC, which one pass over the rows in score order accumulates for every group at once.
// Typed arrays throughout and no allocation per row: this is the inner loop of the bootstrap.
// Kept whole on purpose (it is the one source file over 600 lines): the one-pass accumulators, the AUC sweep and the
// resample loop share per-group typed-array layouts and are tuned together as the bootstrap's hot path; split apart,
// each layout change would have to be kept in step across files.
import type { CellIndex } from './groups.ts';

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
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a]! - score[b]! || a - b);
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
  const binPositiveOffset = Int32Array.from(binPositive, (b) => BINS + 3 * b);
  const binTopOffset = Int32Array.from(binTop, (b) => BINS + 3 * bins + 3 * b);
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
    sortedLabel: Uint8Array.from(sorted.order, (i) => label[i]!),
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

// Layout of one group's (or cell's) statistics in a Float64Array.
const ROWS = 0;
const WEIGHT = 1;
const CONFUSION = 2; // + code: TN, FP, FN, TP
const LOG_LOSS = 6;
const BRIER = 7;
const AUC = 8;
const FLIPS = 9;
const BINS = 10;
const statsStride = (bins: number): number => BINS + 6 * bins;

/** Read-only view of one group's sufficient statistics (weighted unless named `rows`). */
export class GroupStats {
  constructor(
    private readonly data: Float64Array,
    private readonly offset: number,
    /** Number of calibration bins. */
    readonly bins: number,
  ) {}
  private at(k: number): number {
    return this.data[this.offset + k]!;
  }
  /** Unweighted number of rows (with bootstrap multiplicity). */
  get rows(): number {
    return this.at(ROWS);
  }
  /** Sum of sample weights (equals rows without sample weights). */
  get weight(): number {
    return this.at(WEIGHT);
  }
  get tn(): number {
    return this.at(CONFUSION);
  }
  get fp(): number {
    return this.at(CONFUSION + 1);
  }
  get fn(): number {
    return this.at(CONFUSION + 2);
  }
  get tp(): number {
    return this.at(CONFUSION + 3);
  }
  get positives(): number {
    return this.tp + this.fn;
  }
  get negatives(): number {
    return this.tn + this.fp;
  }
  get predictedPositives(): number {
    return this.tp + this.fp;
  }
  get predictedNegatives(): number {
    return this.tn + this.fn;
  }
  get logLossSum(): number {
    return this.at(LOG_LOSS);
  }
  get brierSum(): number {
    return this.at(BRIER);
  }
  /** Σ over positives i of Σ over negatives j of w_i w_j (1[s_j < s_i] + ½ 1[s_j = s_i]). */
  get aucNumerator(): number {
    return this.at(AUC);
  }
  /** Weighted rows whose prediction differs from the other model's (paired runs only). */
  get flips(): number {
    return this.at(FLIPS);
  }
  /** Adds factor × these statistics into `target` (same layout). */
  addScaledInto(target: Float64Array, factor: number): void {
    const stride = statsStride(this.bins);
    for (let k = 0; k < stride; k++) target[k]! += factor * this.at(k);
  }
  /** Σ over calibration bins of |Σ w·acc − Σ w·conf| (the ECE numerator), without allocating. */
  calibrationGapSum(variant: 'positive' | 'top_label'): number {
    const first = this.offset + BINS + (variant === 'positive' ? 0 : 3 * this.bins);
    let sum = 0;
    for (let k = 0; k < this.bins; k++) {
      const o = first + 3 * k;
      if (this.data[o]! > 0) sum += Math.abs(this.data[o + 1]! - this.data[o + 2]!);
    }
    return sum;
  }
  /** Positive-class calibration bin k: [weight, Σ w·y, Σ w·p]. */
  positiveBin(k: number): [number, number, number] {
    const o = BINS + 3 * k;
    return [this.at(o), this.at(o + 1), this.at(o + 2)];
  }
  /** Top-label calibration bin k: [weight, Σ w·1[ŷ = y], Σ w·p(ŷ)]. */
  topLabelBin(k: number): [number, number, number] {
    const o = BINS + 3 * this.bins + 3 * k;
    return [this.at(o), this.at(o + 1), this.at(o + 2)];
  }
}

/**
 * Σ factor·stats over groups: the statistics of a re-weighted mix. Everything adds except the AUC
 * numerator (pairs across groups are missing), which is set to NaN.
 */
export function weightedMix(parts: readonly { stats: GroupStats; factor: number }[], bins: number): GroupStats {
  const data = new Float64Array(statsStride(bins));
  for (const { stats, factor } of parts) stats.addScaledInto(data, factor);
  data[ROWS] = parts.reduce((sum, p) => sum + p.stats.rows, 0);
  data[AUC] = NaN;
  return new GroupStats(data, 0, bins);
}

/** Statistics of every group of every partition for one model and one set of row multiplicities. */
export interface PartitionStats {
  /** [partition][group] */
  groups: GroupStats[][];
}

/**
 * Accumulates statistics into reusable buffers. Not thread-safe; one engine per evaluation.
 * `run` returns views into a fresh buffer, so results of earlier runs stay valid.
 */
export class StatsEngine {
  readonly bins: number;
  private readonly stride: number;
  private readonly label: Uint8Array;
  private readonly sampleWeight: Float64Array | null;
  private readonly cellOf: Int32Array;
  private readonly cellRows: readonly Int32Array[];
  private readonly cellCount: number;
  private readonly partitionCount: number;
  /** cell * partitionCount + p -> global group id */
  private readonly cellGroup: Int32Array;
  private readonly groupOffset: number[];
  private readonly groupCount: number;
  private readonly cellAcc: Float64Array;
  private readonly cellAccB: Float64Array;
  private readonly negBelow: Float64Array;
  private readonly runPos: Float64Array;
  private readonly runNeg: Float64Array;
  private readonly rowWeight: Float64Array;
  private readonly auc: Float64Array;
  /** Per score order (shared by models with the same scores): group ids by partition in that order. */
  private readonly sortedGroupCache = new WeakMap<Int32Array, Int32Array>();

  constructor(cells: CellIndex, label: Uint8Array, sampleWeight: Float64Array | null, bins: number) {
    this.bins = bins;
    this.stride = statsStride(bins);
    this.label = label;
    this.sampleWeight = sampleWeight;
    this.cellOf = cells.cellOf;
    this.cellRows = cells.cellRows;
    this.cellCount = cells.cellRows.length;
    this.partitionCount = cells.partitions.length;
    this.groupOffset = [];
    let total = 0;
    for (const p of cells.partitions) {
      this.groupOffset.push(total);
      total += p.groupNames.length;
    }
    this.groupCount = total;
    this.cellGroup = new Int32Array(this.cellCount * this.partitionCount);
    for (let c = 0; c < this.cellCount; c++) {
      cells.partitions.forEach((p, pi) => {
        this.cellGroup[c * this.partitionCount + pi] = this.groupOffset[pi]! + p.cellToGroup[c]!;
      });
    }
    this.cellAcc = new Float64Array(this.cellCount * this.stride);
    this.cellAccB = new Float64Array(this.cellCount * this.stride);
    this.negBelow = new Float64Array(total);
    this.runPos = new Float64Array(total);
    this.runNeg = new Float64Array(total);
    this.rowWeight = new Float64Array(label.length);
    this.auc = new Float64Array(total);
  }

  /**
   * @param multiplicity per-row count (bootstrap), or null for every row once
   * @param otherPred the other model's predictions, to count flips (paired runs)
   */
  run(model: ModelArrays, multiplicity: Float64Array | null, otherPred?: Uint8Array): PartitionStats {
    const weight = this.rowWeights(multiplicity);
    this.cellAcc.fill(0);
    this.accumulateCells(model, multiplicity, weight, this.cellAcc, otherPred);
    return this.finish(model, this.cellAcc, weight);
  }

  /** Both models on the same multiplicities (a paired bootstrap resample), each counting flips against the other. */
  runPair(a: ModelArrays, b: ModelArrays, multiplicity: Float64Array | null): [PartitionStats, PartitionStats] {
    const weight = this.rowWeights(multiplicity);
    const { cellAcc, cellAccB } = this;
    cellAcc.fill(0);
    cellAccB.fill(0);
    this.accumulatePair(a, b, multiplicity, weight, cellAcc, cellAccB);
    return [this.finish(a, cellAcc, weight), this.finish(b, cellAccB, weight)];
  }

  // accumulateCells for two models in one pass: the row's multiplicity, weight, label and flip are read and
  // summed once, and the per-model sums stay in locals. The same additions in the same order as two
  // accumulateCells passes, so the results are identical.
  private accumulatePair(
    a: ModelArrays,
    b: ModelArrays,
    multiplicity: Float64Array | null,
    weight: Float64Array,
    accA: Float64Array,
    accB: Float64Array,
  ): void {
    const { stride, cellRows } = this;
    const codeA = a.code;
    const codeB = b.code;
    const predA = a.pred;
    const predB = b.pred;
    const logLossA = a.logLoss;
    const logLossB = b.logLoss;
    const brierA = a.brier;
    const brierB = b.brier;
    const scoreA = a.score;
    const scoreB = b.score;
    const topA = a.topConfidence;
    const topB = b.topConfidence;
    const binPosA = a.binPositiveOffset;
    const binPosB = b.binPositiveOffset;
    const binTopA = a.binTopOffset;
    const binTopB = b.binTopOffset;
    for (let c = 0; c < cellRows.length; c++) {
      const rows = cellRows[c]!;
      const base = c * stride;
      let count = 0;
      let weightSum = 0;
      let flips = 0;
      let logLossSumA = 0;
      let logLossSumB = 0;
      let brierSumA = 0;
      let brierSumB = 0;
      for (let j = 0; j < rows.length; j++) {
        const i = rows[j]!;
        const m = multiplicity === null ? 1 : multiplicity[i]!;
        if (m === 0) continue;
        const w = weight[i]!;
        const ka = codeA[i]!;
        const kb = codeB[i]!;
        count += m;
        weightSum += w;
        if (predA[i] !== predB[i]) flips += w;
        const wy = w * (ka >> 1);
        accA[base + CONFUSION + ka]! += w;
        logLossSumA += w * logLossA[i]!;
        brierSumA += w * brierA[i]!;
        let o = base + binPosA[i]!;
        accA[o]! += w;
        accA[o + 1]! += wy;
        accA[o + 2]! += w * scoreA[i]!;
        o = base + binTopA[i]!;
        accA[o]! += w;
        if (ka === 0 || ka === 3) accA[o + 1]! += w;
        accA[o + 2]! += w * topA[i]!;
        accB[base + CONFUSION + kb]! += w;
        logLossSumB += w * logLossB[i]!;
        brierSumB += w * brierB[i]!;
        o = base + binPosB[i]!;
        accB[o]! += w;
        accB[o + 1]! += wy;
        accB[o + 2]! += w * scoreB[i]!;
        o = base + binTopB[i]!;
        accB[o]! += w;
        if (kb === 0 || kb === 3) accB[o + 1]! += w;
        accB[o + 2]! += w * topB[i]!;
      }
      accA[base + ROWS] = count;
      accB[base + ROWS] = count;
      accA[base + WEIGHT] = weightSum;
      accB[base + WEIGHT] = weightSum;
      accA[base + FLIPS] = flips;
      accB[base + FLIPS] = flips;
      accA[base + LOG_LOSS] = logLossSumA;
      accB[base + LOG_LOSS] = logLossSumB;
      accA[base + BRIER] = brierSumA;
      accB[base + BRIER] = brierSumB;
    }
  }

  /** Per-row weight: multiplicity × sample weight. */
  private rowWeights(multiplicity: Float64Array | null): Float64Array {
    const { sampleWeight, rowWeight } = this;
    if (sampleWeight === null) {
      if (multiplicity !== null) return multiplicity;
      return rowWeight.fill(1);
    }
    if (multiplicity === null) rowWeight.set(sampleWeight);
    else for (let i = 0; i < rowWeight.length; i++) rowWeight[i] = multiplicity[i]! * sampleWeight[i]!;
    return rowWeight;
  }

  // Cell by cell, so the additive sums run in local variables and only the indexed slots (confusion cell,
  // calibration bins) touch memory. Within a cell the rows are added in row order, as before, so every sum
  // is bit-for-bit what a pass in row order gives.
  private accumulateCells(
    model: ModelArrays,
    multiplicity: Float64Array | null,
    weight: Float64Array,
    cellAcc: Float64Array,
    otherPred: Uint8Array | undefined,
  ): void {
    const { stride, cellRows } = this;
    const { code, logLoss, brier, score, topConfidence, binPositiveOffset, binTopOffset, pred } = model;
    for (let c = 0; c < cellRows.length; c++) {
      const rows = cellRows[c]!;
      const base = c * stride;
      let count = 0;
      let weightSum = 0;
      let logLossSum = 0;
      let brierSum = 0;
      let flips = 0;
      for (let j = 0; j < rows.length; j++) {
        const i = rows[j]!;
        const m = multiplicity === null ? 1 : multiplicity[i]!;
        if (m === 0) continue;
        const w = weight[i]!;
        const k = code[i]!;
        count += m;
        weightSum += w;
        cellAcc[base + CONFUSION + k]! += w;
        logLossSum += w * logLoss[i]!;
        brierSum += w * brier[i]!;
        const bp = base + binPositiveOffset[i]!;
        cellAcc[bp]! += w;
        cellAcc[bp + 1]! += w * (k >> 1);
        cellAcc[bp + 2]! += w * score[i]!;
        const bt = base + binTopOffset[i]!;
        cellAcc[bt]! += w;
        if (k === 0 || k === 3) cellAcc[bt + 1]! += w;
        cellAcc[bt + 2]! += w * topConfidence[i]!;
        if (otherPred !== undefined && otherPred[i] !== pred[i]) flips += w;
      }
      cellAcc[base + ROWS] = count;
      cellAcc[base + WEIGHT] = weightSum;
      cellAcc[base + LOG_LOSS] = logLossSum;
      cellAcc[base + BRIER] = brierSum;
      cellAcc[base + FLIPS] = flips;
    }
  }

  /** Cells summed into groups, the AUC pass, and views per partition. */
  private finish(model: ModelArrays, cellAcc: Float64Array, weight: Float64Array): PartitionStats {
    const { stride, cellCount, partitionCount, cellGroup, groupCount, bins } = this;
    const groupAcc = new Float64Array(groupCount * stride);
    for (let c = 0; c < cellCount; c++) {
      const src = c * stride;
      for (let p = 0; p < partitionCount; p++) {
        const dst = cellGroup[c * partitionCount + p]! * stride;
        for (let k = 0; k < stride; k++) groupAcc[dst + k]! += cellAcc[src + k]!;
      }
    }
    this.accumulateAuc(model, groupAcc, weight);
    const groups: GroupStats[][] = [];
    for (let p = 0; p < partitionCount; p++) {
      const first = this.groupOffset[p]!;
      const end = p + 1 < partitionCount ? this.groupOffset[p + 1]! : groupCount;
      const row: GroupStats[] = [];
      for (let g = first; g < end; g++) row.push(new GroupStats(groupAcc, g * stride, bins));
      groups.push(row);
    }
    return { groups };
  }

  // Weighted Mann–Whitney count per group, ties counted ½, in one pass over rows by ascending score.
  private accumulateAuc(model: ModelArrays, groupAcc: Float64Array, rowWeight: Float64Array): void {
    const { order, runEnd } = model;
    const { label, cellOf, cellGroup, partitionCount, negBelow, runPos, runNeg, stride, auc } = this;
    negBelow.fill(0);
    auc.fill(0);
    const n = order.length;
    if (!model.hasTies) {
      // Group ids of every partition for each row, in score order: contiguous reads in the hot loop.
      let sortedGroups = this.sortedGroupCache.get(order);
      if (sortedGroups === undefined) {
        sortedGroups = new Int32Array(n * partitionCount);
        for (let k = 0; k < n; k++) {
          const cg = cellOf[order[k]!]! * partitionCount;
          for (let p = 0; p < partitionCount; p++) sortedGroups[k * partitionCount + p] = cellGroup[cg + p]!;
        }
        this.sortedGroupCache.set(order, sortedGroups);
      }
      const sortedLabel = model.sortedLabel;
      // Partition 0 is everyone (one group): its counts stay in locals, the other partitions go by group id.
      // Rows drawn 0 times are not skipped: adding 0 changes nothing, and is cheaper than a branch that a
      // bootstrap's random multiplicities make unpredictable.
      let negAll = 0;
      let aucAll = 0;
      for (let k = 0; k < n; k++) {
        const w = rowWeight[order[k]!]!;
        const o = k * partitionCount;
        const end = o + partitionCount;
        if (sortedLabel[k] === 1) {
          aucAll += w * negAll;
          for (let p = o + 1; p < end; p++) {
            const g = sortedGroups[p]!;
            auc[g]! += w * negBelow[g]!;
          }
        } else {
          negAll += w;
          for (let p = o + 1; p < end; p++) negBelow[sortedGroups[p]!]! += w;
        }
      }
      auc[0] = aucAll;
      for (let g = 0; g < auc.length; g++) groupAcc[g * stride + AUC] = auc[g]!;
      return;
    }
    for (let k = 0; k < n;) {
      const end = runEnd[k]!;
      if (end === k + 1) {
        const i = order[k]!;
        const w = rowWeight[i]!;
        if (w !== 0) {
          const cg = cellOf[i]! * partitionCount;
          if (label[i] === 1) {
            for (let p = 0; p < partitionCount; p++) {
              const g = cellGroup[cg + p]!;
              auc[g]! += w * negBelow[g]!;
            }
          } else {
            for (let p = 0; p < partitionCount; p++) negBelow[cellGroup[cg + p]!]! += w;
          }
        }
      } else {
        for (let j = k; j < end; j++) {
          const i = order[j]!;
          const w = rowWeight[i]!;
          if (w === 0) continue;
          const cg = cellOf[i]! * partitionCount;
          const target = label[i] === 1 ? runPos : runNeg;
          for (let p = 0; p < partitionCount; p++) target[cellGroup[cg + p]!]! += w;
        }
        for (let j = k; j < end; j++) {
          const cg = cellOf[order[j]!]! * partitionCount;
          for (let p = 0; p < partitionCount; p++) {
            const g = cellGroup[cg + p]!;
            const pos = runPos[g]!;
            const neg = runNeg[g]!;
            if (pos === 0 && neg === 0) continue;
            auc[g]! += pos * (negBelow[g]! + 0.5 * neg);
            negBelow[g]! += neg;
            runPos[g] = 0;
            runNeg[g] = 0;
          }
        }
      }
      k = end;
    }
    for (let g = 0; g < auc.length; g++) groupAcc[g * stride + AUC] = auc[g]!;
  }
}
