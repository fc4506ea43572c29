// The statistics engine: sufficient statistics (group-stats.ts) of every group of every partition, for one model
// or a pair, with per-row multiplicities (1 for the point estimate, bootstrap counts for a resample). Everything a
// metric needs is additive, except ROC AUC, which one pass over the rows in score order accumulates for every group
// at once. Two ways to the additive part, equal bit for bit: row by row (any row weights), and, for a resample
// without sample weights, from per-class counts (class-counts.ts), several times less work per resample.
// Typed arrays throughout and no allocation per row: this is the inner loop of the bootstrap.
import { ClassCountPass, type CountedModel } from './class-counts.ts';
import {
  AUC,
  BRIER,
  CONFUSION,
  FLIPS,
  GroupStats,
  LOG_LOSS,
  ROWS,
  statsStride,
  WEIGHT,
  type PartitionStats,
} from './group-stats.ts';
import type { CellIndex } from './groups.ts';
import type { ModelArrays } from './model-arrays.ts';

export { AUC, GroupStats, statsStride, weightedMix, type PartitionStats } from './group-stats.ts';
export {
  calibrationBin,
  LOG_LOSS_EPS,
  predictAt,
  prepareModel,
  scoreOrder,
  withPredictions,
  type ModelArrays,
} from './model-arrays.ts';

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
  /** Both models' cell statistics, model b's after model a's (cellAcc, cellAccB are the halves). */
  private readonly pairAcc: Float64Array;
  private readonly cellAcc: Float64Array;
  private readonly cellAccB: Float64Array;
  /** Whether resamples without sample weights go through class counts (false: always row by row). */
  private readonly classCounts: boolean;
  private countPass: ClassCountPass | undefined;
  private readonly negBelow: Float64Array;
  private readonly runPos: Float64Array;
  private readonly runNeg: Float64Array;
  private readonly rowWeight: Float64Array;
  private readonly auc: Float64Array;
  /** Row weights in the score order of the model being swept. */
  private readonly scoreWeight: Float64Array;
  /** Per score order: the AUC numerator of every group in a point run (see finish). */
  private readonly pointAuc = new WeakMap<Int32Array, Float64Array>();
  /** Per score order (shared by models with the same scores): see groupIdsInScoreOrder. */
  private readonly groupIdCache = new WeakMap<Int32Array, Int32Array[]>();

  /** @param options.classCounts false to compute every resample row by row (tests compare the two paths) */
  constructor(
    cells: CellIndex,
    label: Uint8Array,
    sampleWeight: Float64Array | null,
    bins: number,
    options: { classCounts?: boolean } = {},
  ) {
    this.bins = bins;
    this.classCounts = options.classCounts ?? true;
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
    const block = this.cellCount * this.stride;
    this.pairAcc = new Float64Array(2 * block);
    this.cellAcc = this.pairAcc.subarray(0, block);
    this.cellAccB = this.pairAcc.subarray(block);
    // One more slot than groups: the scratch group of groupIdsInScoreOrder.
    this.negBelow = new Float64Array(total + 1);
    this.runPos = new Float64Array(total);
    this.runNeg = new Float64Array(total);
    this.rowWeight = new Float64Array(label.length);
    this.scoreWeight = new Float64Array(label.length);
    this.auc = new Float64Array(total + 1);
  }

  /** Length of one model's group statistics block: what `run` can write into, and `statsOf` reads. */
  get statsBlock(): number {
    return this.groupCount * this.stride;
  }

  /**
   * @param multiplicity per-row count (bootstrap), or null for every row once
   * @param otherPred the other model's predictions, to count flips (paired runs)
   * @param into where the group statistics go (statsBlock long; e.g. shared with another thread), else a new array
   */
  run(
    model: ModelArrays,
    multiplicity: Float64Array | null,
    otherPred?: Uint8Array,
    into?: Float64Array,
  ): PartitionStats {
    const weight = this.rowWeights(multiplicity);
    if (!this.countedPass([{ model, flipAgainst: otherPred }], multiplicity)) {
      this.cellAcc.fill(0);
      this.accumulateCells(model, multiplicity, weight, this.cellAcc, otherPred);
    }
    return this.finish(model, this.cellAcc, weight, multiplicity === null, into);
  }

  /**
   * Both models on the same multiplicities (a paired bootstrap resample), each counting flips against the other;
   * `into` as in run, one block per model. With `secondAuc` false, b's AUC numerators stay 0 for another thread to
   * add (addAuc) before anything reads them.
   */
  runPair(
    a: ModelArrays,
    b: ModelArrays,
    multiplicity: Float64Array | null,
    into?: [Float64Array, Float64Array],
    secondAuc = true,
  ): [PartitionStats, PartitionStats] {
    const weight = this.rowWeights(multiplicity);
    const { cellAcc, cellAccB } = this;
    const pair = [
      { model: a, flipAgainst: b.pred },
      { model: b, flipAgainst: a.pred },
    ];
    if (!this.countedPass(pair, multiplicity)) {
      cellAcc.fill(0);
      cellAccB.fill(0);
      this.accumulateCells(a, multiplicity, weight, cellAcc, b.pred);
      this.accumulateCells(b, multiplicity, weight, cellAccB, a.pred);
    }
    const point = multiplicity === null;
    return [
      this.finish(a, cellAcc, weight, point, into?.[0]),
      this.finish(b, cellAccB, weight, point, into?.[1], secondAuc),
    ];
  }

  /** The AUC numerators of `model` on these multiplicities, into a group statistics block (see runPair). */
  addAuc(model: ModelArrays, multiplicity: Float64Array, groupAcc: Float64Array): void {
    this.accumulateAuc(model, groupAcc, this.rowWeights(multiplicity));
  }

  /**
   * The additive statistics of a resample without sample weights from class counts, into pairAcc; false when this
   * run goes row by row instead (point estimates, sample weights, counts that are not whole numbers, or disabled).
   * The class index is built at the first resample of the same models and reused.
   */
  private countedPass(models: CountedModel[], multiplicity: Float64Array | null): boolean {
    if (!this.classCounts || multiplicity === null || this.sampleWeight !== null) return false;
    const same = (pass: ClassCountPass): boolean =>
      pass.models.length === models.length &&
      pass.models.every((m, k) => m.model === models[k]!.model && m.flipAgainst === models[k]!.flipAgainst);
    if (this.countPass === undefined || !same(this.countPass)) {
      this.countPass = new ClassCountPass(this.cellRows, models, this.stride);
    }
    return this.countPass.run(multiplicity, this.pairAcc);
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
  private finish(
    model: ModelArrays,
    cellAcc: Float64Array,
    weight: Float64Array,
    point: boolean,
    into: Float64Array | undefined,
    auc = true,
  ): PartitionStats {
    const { stride, cellCount, partitionCount, cellGroup, groupCount } = this;
    const groupAcc = into?.fill(0) ?? new Float64Array(groupCount * stride);
    for (let c = 0; c < cellCount; c++) {
      const src = c * stride;
      for (let p = 0; p < partitionCount; p++) {
        const dst = cellGroup[c * partitionCount + p]! * stride;
        for (let k = 0; k < stride; k++) groupAcc[dst + k]! += cellAcc[src + k]!;
      }
    }
    // The AUC numerators depend on the scores, labels and row weights only: a point run (every row once) of a model
    // whose scores an earlier point run swept, such as each threshold of the threshold sweep, reuses them.
    const known = point ? this.pointAuc.get(model.order) : undefined;
    if (known !== undefined) {
      for (let g = 0; g < groupCount; g++) groupAcc[g * stride + AUC] = known[g]!;
    } else if (auc) {
      this.accumulateAuc(model, groupAcc, weight);
      if (point) this.pointAuc.set(model.order, this.auc.slice(0, groupCount));
    }
    return this.statsOf(groupAcc);
  }

  /** Per-partition views of a group statistics block this engine (or one with the same cells and bins) filled. */
  statsOf(groupAcc: Float64Array): PartitionStats {
    const { stride, partitionCount, groupCount, bins } = this;
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

  /**
   * accumulateAuc without ties: per row in score order, a positive adds w × (weight of its group's negatives so far),
   * a negative adds w to it. The weights are gathered into score order first and the group ids are read four
   * partitions at a time with the four updates written out: a plain gather loop keeps many loads in flight, which
   * the sweep's dependent updates and label branch do not, and a fixed number of updates per row has no inner loop
   * (together ~2.5× faster on Adult-shaped data). Every group's additions stay in score order.
   */
  private sweepWithoutTies(model: ModelArrays, rowWeight: Float64Array): void {
    const { order, sortedLabel } = model;
    const { negBelow, auc, scoreWeight } = this;
    gatherInOrder(rowWeight, order, scoreWeight);
    const chunks = this.groupIdsInScoreOrder(order);
    for (let c = 0; c < chunks.length; c++) sweepFourPartitions(chunks[c]!, scoreWeight, sortedLabel, negBelow, auc);
  }

  /**
   * Each row's group ids in score order, four partitions per row in each array (the last array padded with the
   * scratch id groupCount, whose sums nobody reads). Cached per score order, which models with the same scores share.
   */
  private groupIdsInScoreOrder(order: Int32Array): Int32Array[] {
    const cached = this.groupIdCache.get(order);
    if (cached !== undefined) return cached;
    const { cellOf, cellGroup, partitionCount, groupCount } = this;
    const n = order.length;
    const chunks: Int32Array[] = [];
    for (let first = 0; first < partitionCount; first += 4) {
      const ids = new Int32Array(4 * n).fill(groupCount);
      const width = Math.min(4, partitionCount - first);
      for (let k = 0; k < n; k++) {
        const cg = cellOf[order[k]!]! * partitionCount + first;
        for (let p = 0; p < width; p++) ids[4 * k + p] = cellGroup[cg + p]!;
      }
      chunks.push(ids);
    }
    this.groupIdCache.set(order, chunks);
    return chunks;
  }

  // Weighted Mann–Whitney count per group, ties counted ½, in one pass over rows by ascending score.
  private accumulateAuc(model: ModelArrays, groupAcc: Float64Array, rowWeight: Float64Array): void {
    const { order, runEnd } = model;
    const { label, cellOf, cellGroup, partitionCount, negBelow, runPos, runNeg, stride, auc } = this;
    negBelow.fill(0);
    auc.fill(0);
    const n = order.length;
    if (!model.hasTies) {
      this.sweepWithoutTies(model, rowWeight);
      for (let g = 0; g < this.groupCount; g++) groupAcc[g * stride + AUC] = auc[g]!;
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
    for (let g = 0; g < this.groupCount; g++) groupAcc[g * stride + AUC] = auc[g]!;
  }
}

// The two loops of StatsEngine.sweepWithoutTies, as plain functions of typed arrays: kept out of the method, whose
// property reads V8 11 (Node 20) deoptimized and re-entered hundreds of times per evaluation (--trace-deopt:
// "insufficient type feedback" at the method's first read), running much of the warm-up in the interpreter.

/** out[k] = values[order[k]]. */
function gatherInOrder(values: Float64Array, order: Int32Array, out: Float64Array): void {
  for (let k = 0; k < order.length; k++) out[k] = values[order[k]!]!;
}

/** One sweep over the rows in score order for four partitions' group ids per row (see sweepWithoutTies). */
function sweepFourPartitions(
  ids: Int32Array,
  weight: Float64Array,
  sortedLabel: Uint8Array,
  negBelow: Float64Array,
  auc: Float64Array,
): void {
  const n = sortedLabel.length;
  for (let k = 0; k < n; k++) {
    const w = weight[k]!;
    const o = 4 * k;
    const g0 = ids[o]!;
    const g1 = ids[o + 1]!;
    const g2 = ids[o + 2]!;
    const g3 = ids[o + 3]!;
    if (sortedLabel[k] === 1) {
      auc[g0]! += w * negBelow[g0]!;
      auc[g1]! += w * negBelow[g1]!;
      auc[g2]! += w * negBelow[g2]!;
      auc[g3]! += w * negBelow[g3]!;
    } else {
      negBelow[g0]! += w;
      negBelow[g1]! += w;
      negBelow[g2]! += w;
      negBelow[g3]! += w;
    }
  }
}
