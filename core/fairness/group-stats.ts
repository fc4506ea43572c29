// Sufficient statistics of one group (or cell) in a Float64Array block, and the read-only view metrics read them
// through. Everything in a block is additive over rows (weighted confusion counts, sums of per-row log loss and
// Brier terms, calibration bin sums, flips), except the AUC numerator, which the engine's score-order pass sets.

// Layout of one block. The bins start at BINS: bin k of the positive-class curve at BINS + 3k ([weight, Σ w·y,
// Σ w·p]), bin k of the top-label curve at BINS + 3·bins + 3k ([weight, Σ w·1[ŷ = y], Σ w·p(ŷ)]).
export const ROWS = 0;
export const WEIGHT = 1;
export const CONFUSION = 2; // + code: TN, FP, FN, TP
export const LOG_LOSS = 6;
export const BRIER = 7;
export const AUC = 8;
export const FLIPS = 9;
export const BINS = 10;
export const statsStride = (bins: number): number => BINS + 6 * bins;

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
