// The statistics pass of a bootstrap resample without sample weights, where every row weight is a whole-number
// count. Within a cell, rows that agree on everything a count-valued statistic reads (each model's confusion code,
// positive-class and top-label bins, and whether the prediction flipped) form a class; a count-valued statistic
// (rows, confusion counts, flips, each bin's weight, Σ w·y and Σ w·1[ŷ = y]) is a sum of whole numbers, which is
// exact in any order, so it is read off the per-class totals: on Adult-shaped data ~900 classes instead of
// 16,281 rows. Only the real-valued sums (log loss, Brier, Σ w·p per bin) still need every row, in the row order
// of the straightforward pass (StatsEngine's row-by-row path), so every sum is bit-for-bit the same.
import { BRIER, CONFUSION, FLIPS, LOG_LOSS, ROWS, WEIGHT } from './group-stats.ts';
import type { ModelArrays } from './model-arrays.ts';

/** One model of a pass and the predictions its flips are counted against (none: flips stay 0). */
export interface CountedModel {
  model: ModelArrays;
  flipAgainst: Uint8Array | undefined;
}

/**
 * Built once per (cells, models); `run` fills one statistics block per cell and model, model k's blocks at
 * k·cellCount·stride, with everything but the AUC numerator.
 */
export class ClassCountPass {
  readonly models: readonly CountedModel[];
  private readonly cellCount: number;
  private readonly stride: number;
  /** Positions are the cells' rows one cell after another, each cell in row order. */
  private readonly rowAt: Int32Array;
  private readonly cellEnd: Int32Array;
  private readonly classAt: Int32Array;
  /** Per position, per model: log loss, Brier, score and top-label confidence. */
  private readonly values: Float64Array;
  /** Per position, per model: the offsets of Σ w·p in its positive-class and top-label bins. */
  private readonly valueSlots: Int32Array;
  /** The slots a class's count adds to: slots[slotStart[c]] .. slots[slotStart[c + 1] − 1]. */
  private readonly slotStart: Int32Array;
  private readonly slots: Int32Array;
  private readonly classCount: Float64Array;

  constructor(cellRows: readonly Int32Array[], models: readonly CountedModel[], stride: number) {
    this.models = models;
    this.cellCount = cellRows.length;
    this.stride = stride;
    const n = cellRows.reduce((sum, rows) => sum + rows.length, 0);
    const k = models.length;
    const modelBlock = this.cellCount * stride;
    this.rowAt = new Int32Array(n);
    this.cellEnd = new Int32Array(this.cellCount);
    this.classAt = new Int32Array(n);
    this.values = new Float64Array(n * 4 * k);
    this.valueSlots = new Int32Array(n * 2 * k);
    const classSlots: number[][] = [];
    let pos = 0;
    cellRows.forEach((rows, c) => {
      // A row's class: each model's (code, flip, positive bin, top-label bin) as a number, numbered densely per model
      // and combined in base rows.length, so the key of the pair stays an exact integer (< rows.length²).
      const modelKeys = models.map(() => new Map<number, number>());
      const classOf = new Map<number, number>();
      for (const i of rows) {
        let key = 0;
        for (let m = 0; m < k; m++) {
          const { model, flipAgainst } = models[m]!;
          const base = m * modelBlock + c * stride;
          const v = (pos * k + m) * 4;
          this.values[v] = model.logLoss[i]!;
          this.values[v + 1] = model.brier[i]!;
          this.values[v + 2] = model.score[i]!;
          this.values[v + 3] = model.topConfidence[i]!;
          this.valueSlots[(pos * k + m) * 2] = base + model.binPositiveOffset[i]! + 2;
          this.valueSlots[(pos * k + m) * 2 + 1] = base + model.binTopOffset[i]! + 2;
          const flip = flipAgainst !== undefined && flipAgainst[i] !== model.pred[i] ? 1 : 0;
          const own = ((model.code[i]! * 2 + flip) * 65536 + model.binPositive[i]!) * 65536 + model.binTop[i]!;
          const seen = modelKeys[m]!;
          let dense = seen.get(own);
          if (dense === undefined) {
            dense = seen.size;
            seen.set(own, dense);
          }
          key = key * rows.length + dense;
        }
        let cls = classOf.get(key);
        if (cls === undefined) {
          cls = classSlots.length;
          classOf.set(key, cls);
          classSlots.push(this.countSlots(i, c, modelBlock));
        }
        this.rowAt[pos] = i;
        this.classAt[pos] = cls;
        pos++;
      }
      this.cellEnd[c] = pos;
    });
    this.slotStart = new Int32Array(classSlots.length + 1);
    classSlots.forEach((list, c) => (this.slotStart[c + 1] = this.slotStart[c]! + list.length));
    this.slots = Int32Array.from(classSlots.flat());
    this.classCount = new Float64Array(classSlots.length);
  }

  /** Number of classes (for tests and the benchmark notes). */
  get classes(): number {
    return this.classCount.length;
  }

  /** The statistics slots of every model that a row of this class adds its count to. */
  private countSlots(i: number, c: number, modelBlock: number): number[] {
    const out: number[] = [];
    this.models.forEach(({ model, flipAgainst }, m) => {
      const base = m * modelBlock + c * this.stride;
      const code = model.code[i]!;
      out.push(base + ROWS, base + WEIGHT, base + CONFUSION + code);
      if (flipAgainst !== undefined && flipAgainst[i] !== model.pred[i]) out.push(base + FLIPS);
      const positive = base + model.binPositiveOffset[i]!;
      out.push(positive);
      if (code >> 1 === 1) out.push(positive + 1); // y = 1
      const top = base + model.binTopOffset[i]!;
      out.push(top);
      if (code === 0 || code === 3) out.push(top + 1); // ŷ = y
    });
    return out;
  }

  /**
   * Fills `acc` (zeroed here) from per-row counts; returns false, with `acc` unusable, when a count is not a whole
   * number (its sums would then depend on the order of addition). Rows counted 0 times are not skipped: they add
   * 0·x = +0 to sums of non-negative terms, which changes nothing, and a branch on random counts mispredicts.
   */
  run(count: Float64Array, acc: Float64Array): boolean {
    acc.fill(0);
    const { classCount, slotStart, slots } = this;
    classCount.fill(0);
    const fraction = this.models.length === 2 ? this.sumValuesPair(count, acc) : this.sumValues(count, acc);
    if (fraction !== 0) return false;
    for (let c = 0; c < classCount.length; c++) {
      const total = classCount[c]!;
      if (total === 0) continue;
      for (let s = slotStart[c]!; s < slotStart[c + 1]!; s++) acc[slots[s]!]! += total;
    }
    return true;
  }

  /** The real-valued sums and the class totals; returns Σ (count − ⌊count⌋), 0 for whole-number counts. */
  private sumValues(count: Float64Array, acc: Float64Array): number {
    const { rowAt, classAt, classCount, cellEnd, values, valueSlots, stride } = this;
    let fraction = 0;
    let p = 0;
    for (let c = 0; c < cellEnd.length; c++) {
      let logLoss = 0;
      let brier = 0;
      for (const end = cellEnd[c]!; p < end; p++) {
        const w = count[rowAt[p]!]!;
        fraction += w - Math.floor(w);
        classCount[classAt[p]!]! += w;
        const v = 4 * p;
        logLoss += w * values[v]!;
        brier += w * values[v + 1]!;
        acc[valueSlots[2 * p]!]! += w * values[v + 2]!;
        acc[valueSlots[2 * p + 1]!]! += w * values[v + 3]!;
      }
      acc[c * stride + LOG_LOSS] = logLoss;
      acc[c * stride + BRIER] = brier;
    }
    return fraction;
  }

  // sumValues for two models in one pass (the count is read once per row).
  private sumValuesPair(count: Float64Array, acc: Float64Array): number {
    const { rowAt, classAt, classCount, cellEnd, values, valueSlots, stride } = this;
    const second = this.cellCount * stride;
    let fraction = 0;
    let p = 0;
    for (let c = 0; c < cellEnd.length; c++) {
      let logLossA = 0;
      let brierA = 0;
      let logLossB = 0;
      let brierB = 0;
      for (const end = cellEnd[c]!; p < end; p++) {
        const w = count[rowAt[p]!]!;
        fraction += w - Math.floor(w);
        classCount[classAt[p]!]! += w;
        const v = 8 * p;
        const s = 4 * p;
        logLossA += w * values[v]!;
        brierA += w * values[v + 1]!;
        acc[valueSlots[s]!]! += w * values[v + 2]!;
        acc[valueSlots[s + 1]!]! += w * values[v + 3]!;
        logLossB += w * values[v + 4]!;
        brierB += w * values[v + 5]!;
        acc[valueSlots[s + 2]!]! += w * values[v + 6]!;
        acc[valueSlots[s + 3]!]! += w * values[v + 7]!;
      }
      acc[c * stride + LOG_LOSS] = logLossA;
      acc[c * stride + BRIER] = brierA;
      acc[second + c * stride + LOG_LOSS] = logLossB;
      acc[second + c * stride + BRIER] = brierB;
    }
    return fraction;
  }
}
