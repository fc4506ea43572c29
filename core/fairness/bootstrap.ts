// Stratified bootstrap: every resample draws, within each cell (combination of all sensitive
// attributes), as many rows as the cell has, with replacement. Small groups therefore stay present in
// every resample (Fairlearn's MetricFrame resamples all rows together; fairshrink does not, on purpose).
// Both models are evaluated on the same multiplicities, so deltas are paired.
import type { Rng } from '../random/rng.ts';
import { normalCdf, normalQuantile } from './power.ts';

export const DEFAULT_BOOTSTRAP_RESAMPLES = 1000;
export const DEFAULT_CI_LEVEL = 0.95;
/**
 * How a CI is read off the resamples: plain percentiles, percentiles corrected for the median bias, or (the default)
 * percentiles for every statistic but the max/min-over-groups ones, which get the simultaneous bound
 * (simultaneousInterval; which statistics: core/fairness/max-type.ts).
 */
export const CI_METHODS = ['percentile', 'bias-corrected', 'simultaneous'] as const;
export type CiMethod = (typeof CI_METHODS)[number];
export const isCiMethod = (value: string): value is CiMethod => (CI_METHODS as readonly string[]).includes(value);
/** The default lives here, not in a config schema's default, so configs written without ciMethod keep their hash. */
export const DEFAULT_CI_METHOD: CiMethod = 'simultaneous';
/** A CI is withheld when its metric is undefined in more than this share of resamples. */
export const MAX_UNDEFINED_RESAMPLE_SHARE = 0.1;

/** Fills `out` (length = rows) with how often each row is drawn; cells keep their sizes. */
export function drawStratifiedMultiplicities(cellRows: readonly Int32Array[], rng: Rng, out: Float64Array): void {
  out.fill(0);
  const TWO32 = 4294967296;
  for (const rows of cellRows) {
    const n = rows.length;
    if (n >= 2 ** 21) {
      for (let k = 0; k < n; k++) out[rows[rng.nextInt(n)]!]!++;
      continue;
    }
    // Lemire (2019), "Fast random integer generation in an interval": ⌊x·n / 2^b⌋ for a b-bit uniform x,
    // rejecting the few x that would bias it, so every row of the cell is equally likely.
    if (n < 65536) {
      // Two 16-bit draws per 32-bit output; x·n < 2^32, so the arithmetic is exact.
      const reject = 65536 % n;
      let k = 0;
      while (k < n) {
        const u = rng.nextUint32();
        // m < 2^32, so the 32-bit integer operators below are exact: m & 0xffff = m mod 2^16, m >>> 16 = ⌊m / 2^16⌋.
        const m1 = (u >>> 16) * n;
        if ((m1 & 0xffff) >= reject) {
          out[rows[m1 >>> 16]!]!++;
          k++;
        }
        if (k === n) break;
        const m2 = (u & 0xffff) * n;
        if ((m2 & 0xffff) >= reject) {
          out[rows[m2 >>> 16]!]!++;
          k++;
        }
      }
      continue;
    }
    // x·n < 2^53 here, so the arithmetic is exact in doubles.
    const reject = TWO32 % n;
    for (let k = 0; k < n; k++) {
      let m = rng.nextUint32() * n;
      while (m % TWO32 < reject) m = rng.nextUint32() * n;
      out[rows[Math.floor(m / TWO32)]!]!++;
    }
  }
}

/** Quantile of sorted values with linear interpolation (numpy's default "linear" method, Hyndman & Fan type 7). */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('quantile of no values');
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export interface PercentileInterval {
  ci: [number, number] | null;
  /** Set when some resamples had the metric undefined, or the CI was withheld. */
  note?: string;
}

/** Rearranges a[lo..hi] so that a[k] is the k-th smallest (Hoare's quickselect, median-of-three pivot). */
function selectInPlace(a: Float64Array, k: number, lo = 0, hi = a.length - 1): void {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // median of three as pivot
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/** Order statistics this close to either end are found by one pass with a short sorted buffer. */
const END_BUFFER = 32;
const endBuffer = new Float64Array(END_BUFFER);

/**
 * Fills endBuffer[0..k] with the k + 1 smallest values (sign 1) or the negated k + 1 largest (sign −1), ascending,
 * k < END_BUFFER, without reordering `values`. Most values are rejected by one comparison with the buffer's last
 * entry, so for the tails of an interval this is several times cheaper than quickselect.
 */
function fillFromEnd(values: Float64Array, k: number, sign: 1 | -1): void {
  const size = k + 1;
  let filled = 0;
  for (let i = 0; i < values.length; i++) {
    const v = sign * values[i]!;
    if (filled === size) {
      if (v >= endBuffer[size - 1]!) continue;
      filled--;
    }
    let j = filled++;
    while (j > 0 && endBuffer[j - 1]! > v) {
      endBuffer[j] = endBuffer[j - 1]!;
      j--;
    }
    endBuffer[j] = v;
  }
}

/** Whether quantileBySelection reads quantile q of n values off an end buffer, which leaves `values` as they are. */
function readsFromEnd(n: number, q: number): boolean {
  const lo = Math.floor((n - 1) * q);
  return Math.min(lo + 1, n - 1) < END_BUFFER || n - 1 - lo < END_BUFFER;
}

/** Linear-interpolated quantile (as quantileOfSorted) of unsorted values; may reorder `values` (see readsFromEnd). */
function quantileBySelection(values: Float64Array, q: number): number {
  const n = values.length;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  let a: number;
  let b: number;
  if (hi < END_BUFFER) {
    fillFromEnd(values, hi, 1);
    a = endBuffer[lo]!;
    b = endBuffer[hi]!;
  } else if (n - 1 - lo < END_BUFFER) {
    fillFromEnd(values, n - 1 - lo, -1);
    a = -endBuffer[n - 1 - lo]!;
    b = -endBuffer[n - 1 - hi]!;
  } else {
    selectInPlace(values, lo);
    a = values[lo]!;
    // the (lo+1)-th smallest is the minimum of the part above lo
    b = Infinity;
    for (let i = lo + 1; i < n; i++) if (values[i]! < b) b = values[i]!;
  }
  if (hi === lo || h === lo) return a;
  return a + (h - lo) * (b - a);
}

/** How many resamples have the value undefined (NaN). */
function undefinedCount(samples: Float64Array): number {
  let missing = 0;
  for (let i = 0; i < samples.length; i++) if (Number.isNaN(samples[i]!)) missing++;
  return missing;
}

/**
 * The interval between the quantiles `levelsOf` picks from the defined resamples (NaN = undefined in that
 * resample), or why there is none: no resamples, or undefined in more than MAX_UNDEFINED_RESAMPLE_SHARE of them.
 * `samples` is left as it is. It is copied only when some resamples are undefined or a quantile needs selection:
 * the tails of a 95% interval (and the far tails of a simultaneous one) are read in place, and this runs for
 * every value of the report.
 */
function intervalOfDefined(
  samples: Float64Array,
  levelsOf: (values: Float64Array) => [number, number],
  missing = undefinedCount(samples),
): PercentileInterval {
  const total = samples.length;
  if (total === 0) return { ci: null };
  const count = total - missing;
  if (count === 0 || missing / total > MAX_UNDEFINED_RESAMPLE_SHARE) {
    return { ci: null, note: `no CI: undefined in ${missing} of ${total} bootstrap resamples` };
  }
  let values = samples;
  if (missing > 0) {
    values = new Float64Array(count);
    let k = 0;
    for (let i = 0; i < total; i++) {
      const v = samples[i]!;
      if (!Number.isNaN(v)) values[k++] = v;
    }
  }
  const [lo, hi] = levelsOf(values); // before the selections below may reorder `values`
  if (values === samples && !(readsFromEnd(count, lo) && readsFromEnd(count, hi))) values = samples.slice();
  const ci: [number, number] = [quantileBySelection(values, lo), quantileBySelection(values, hi)];
  return missing > 0 ? { ci, note: `CI from ${count} of ${total} resamples (undefined in ${missing})` } : { ci };
}

/** Percentile bootstrap interval at `level` from resampled values (NaN = undefined in that resample). */
export function percentileInterval(samples: Float64Array, level: number): PercentileInterval {
  const tail = (1 - level) / 2;
  return intervalOfDefined(samples, () => [tail, 1 - tail]);
}

/**
 * Bias-corrected percentile interval (Efron 1981; Efron & Tibshirani 1993, §14.3, the BCa interval with
 * acceleration 0): z0 = Φ⁻¹(share of resamples below the point estimate, ties counted half), and the
 * interval is the Φ(2·z0 + z_{α/2}) and Φ(2·z0 + z_{1−α/2}) quantiles of the resamples. When the resamples sit
 * mostly above the estimate — as for max-over-groups disparities, whose resampled maxima are biased upward —
 * the interval moves down towards it; for a symmetric bootstrap distribution it equals the percentile interval.
 */
export function biasCorrectedInterval(samples: Float64Array, point: number, level: number): PercentileInterval {
  if (samples.length > 0 && !Number.isFinite(point))
    return { ci: null, note: 'no CI: the point estimate is undefined' };
  return intervalOfDefined(samples, (values) => {
    let below = 0;
    for (const v of values) {
      if (v < point) below += 1;
      else if (v === point) below += 0.5;
    }
    // The share is kept inside [1/(2B), 1 − 1/(2B)], so z0 stays finite when every resample is on one side.
    const count = values.length;
    const share = Math.min(Math.max(below / count, 0.5 / count), 1 - 0.5 / count);
    const z0 = normalQuantile(share);
    const zTail = normalQuantile((1 - level) / 2);
    return [normalCdf(2 * z0 + zTail), normalCdf(2 * z0 - zTail)];
  });
}

/** How a max/min-type statistic T is built from its components c_k: max_k |c_k|, max_k c_k or min_k c_k. */
export type ExtremeShape = 'max-abs' | 'max' | 'min';

export interface ExtremeComponent {
  /** c_k in every resample (NaN = undefined in that resample). */
  samples: Float64Array;
  /** c_k at the point estimate. */
  point: number;
}

/**
 * Simultaneous interval for a max/min over K components (Bonferroni; union bound): each c_k gets a percentile interval
 * [L_k, U_k] at level 1 − (1 − level)/K, widened to hold its point estimate, so with probability ≥ level all K hold
 * at once, and then T = max_k c_k lies in [max_k L_k, max_k U_k] (min: [min_k L_k, min_k U_k]; |c_k|: the image of
 * [L_k, U_k] under |·|). Coverage ≥ level whenever the per-component intervals have theirs, however biased the
 * resampled max is, and the interval always holds T's point estimate.
 */
export function simultaneousInterval(
  components: readonly ExtremeComponent[],
  shape: ExtremeShape,
  level: number,
): PercentileInterval {
  const count = components.length;
  if (count === 0) return { ci: null };
  const tail = (1 - level) / (2 * count);
  let lo = shape === 'min' ? Infinity : -Infinity;
  let hi = lo;
  let mostMissing = 0;
  for (const c of components) {
    const missing = undefinedCount(c.samples);
    const one = intervalOfDefined(c.samples, () => [tail, 1 - tail], missing);
    if (one.ci === null) return { ci: null, note: `${one.note ?? 'no CI'} (one of ${count} comparisons)` };
    mostMissing = Math.max(mostMissing, missing);
    let l = Math.min(one.ci[0], c.point);
    let u = Math.max(one.ci[1], c.point);
    if (shape === 'max-abs') {
      const [a, b] = [Math.abs(l), Math.abs(u)];
      [l, u] = l <= 0 && u >= 0 ? [0, Math.max(a, b)] : [Math.min(a, b), Math.max(a, b)];
    }
    if (shape === 'min') {
      lo = Math.min(lo, l);
      hi = Math.min(hi, u);
    } else {
      lo = Math.max(lo, l);
      hi = Math.max(hi, u);
    }
  }
  const notes: string[] = [];
  const resamples = components[0]!.samples.length;
  if (mostMissing > 0) {
    notes.push(
      `simultaneous CI over ${count} comparisons, one undefined in up to ${mostMissing} of ${resamples} resamples`,
    );
  }
  // Below one resample per tail the ends are the most extreme resamples: the bound is then only as wide as B allows.
  if (tail * resamples < 1) {
    notes.push(
      `simultaneous CI over ${count} comparisons reads tails of ${(100 * tail).toPrecision(2)}%, beyond ${resamples} ` +
        `resamples: use at least ${Math.ceil(1 / tail)} for its stated coverage`,
    );
  }
  return notes.length > 0 ? { ci: [lo, hi], note: notes.join('; ') } : { ci: [lo, hi] };
}
