// Reliability diagrams (DeGroot & Fienberg 1983; Guo et al. 2017, "On Calibration of Modern Neural Networks"):
// per equal-width bin of the positive-class probability, the mean predicted probability against the observed rate of
// y = 1, overall and per group of every sensitive attribute. Bins are those of the report's ECE (core/fairness
// stats.ts calibrationBin: [k/M, (k+1)/M), the last bin closed), so Σ_m count_m·|positiveRate_m − meanScore_m| / n is
// the group's positive-class ECE. Pure and deterministic: rows are summed in row order, groups keyed by name.
import { calibrationBin } from './stats.ts';

export interface ReliabilityBin {
  /** Lower edge k/M (inclusive). */
  lo: number;
  /** Upper edge (k+1)/M (exclusive, except the last bin, which also holds 1). */
  hi: number;
  /** Rows whose score falls in the bin. */
  count: number;
  /** Mean score of those rows; null when the bin is empty. */
  meanScore: number | null;
  /** Share of those rows with y = 1; null when the bin is empty. */
  positiveRate: number | null;
}

export interface ReliabilityCurve {
  rows: number;
  /** Σ count·|positiveRate − meanScore| / rows: the positive-class ECE; null for an empty group. */
  ece: number | null;
  bins: ReliabilityBin[];
}

export interface ReliabilityData {
  /** Number of equal-width bins of [0, 1]. */
  bins: number;
  overall: ReliabilityCurve;
  /** attribute → group → curve (groups in sorted order). */
  attributes: Record<string, Record<string, ReliabilityCurve>>;
}

export interface ReliabilityOptions {
  /** Equal-width bins of [0, 1] (default 15, as the report's ECE). */
  bins?: number;
}

/** Running sums of one curve: count, Σ score and Σ y per bin. */
class CurveSums {
  readonly count: Float64Array;
  readonly score: Float64Array;
  readonly positives: Float64Array;
  rows = 0;

  constructor(bins: number) {
    this.count = new Float64Array(bins);
    this.score = new Float64Array(bins);
    this.positives = new Float64Array(bins);
  }

  add(bin: number, score: number, label: number): void {
    this.count[bin]!++;
    this.score[bin]! += score;
    this.positives[bin]! += label;
    this.rows++;
  }

  curve(): ReliabilityCurve {
    const m = this.count.length;
    const bins: ReliabilityBin[] = [];
    let gap = 0;
    for (let k = 0; k < m; k++) {
      const count = this.count[k]!;
      const lo = k / m;
      const hi = (k + 1) / m;
      if (count === 0) {
        bins.push({ lo, hi, count: 0, meanScore: null, positiveRate: null });
        continue;
      }
      // count·|Σy/count − Σp/count| = |Σy − Σp|, as the report's ECE sums it.
      gap += Math.abs(this.positives[k]! - this.score[k]!);
      bins.push({ lo, hi, count, meanScore: this.score[k]! / count, positiveRate: this.positives[k]! / count });
    }
    return { rows: this.rows, ece: this.rows === 0 ? null : gap / this.rows, bins };
  }
}

/**
 * Reliability bins of `scores` (P(y = 1), in [0, 1]) against 0/1 `labels`, overall and for every group of every
 * attribute in `groups` (a group label per row). Empty bins have count 0 and null means, never NaN.
 */
export function reliabilityBins(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  groups: Record<string, ArrayLike<string>>,
  options: ReliabilityOptions = {},
): ReliabilityData {
  const bins = options.bins ?? 15;
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`reliabilityBins: bins must be a positive integer, got ${bins}`);
  const n = labels.length;
  if (scores.length !== n)
    throw new RangeError(`reliabilityBins: ${scores.length} scores for ${n} labels; give one score per row`);
  for (const [attribute, labelsOfAttribute] of Object.entries(groups))
    if (labelsOfAttribute.length !== n)
      throw new RangeError(
        `reliabilityBins: attribute "${attribute}" has ${labelsOfAttribute.length} group labels for ${n} rows`,
      );

  const binOf = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    const p = scores[i]!;
    if (y !== 0 && y !== 1) throw new RangeError(`reliabilityBins: label of row ${i} is ${y}, expected 0 or 1`);
    if (!(p >= 0 && p <= 1))
      throw new RangeError(`reliabilityBins: score of row ${i} is ${p}, expected a number in [0, 1]`);
    binOf[i] = calibrationBin(p, bins);
  }

  const overall = new CurveSums(bins);
  for (let i = 0; i < n; i++) overall.add(binOf[i]!, scores[i]!, labels[i]!);

  const attributes: ReliabilityData['attributes'] = {};
  for (const attribute of Object.keys(groups).sort()) {
    const labelsOfAttribute = groups[attribute]!;
    const sums = new Map<string, CurveSums>();
    for (let i = 0; i < n; i++) {
      const g = labelsOfAttribute[i]!;
      let s = sums.get(g);
      if (s === undefined) sums.set(g, (s = new CurveSums(bins)));
      s.add(binOf[i]!, scores[i]!, labels[i]!);
    }
    const curves: Record<string, ReliabilityCurve> = {};
    for (const g of [...sums.keys()].sort()) curves[g] = sums.get(g)!.curve();
    attributes[attribute] = curves;
  }
  return { bins, overall: overall.curve(), attributes };
}
