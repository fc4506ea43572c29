// Drift between the rows a deployed model was validated on (the reference) and a new labelled batch (current):
// population stability index and two-sample Kolmogorov–Smirnov per feature, the PSI of each sensitive
// attribute's group mix, and the change of every fairness-report metric with an approximate CI.
// Pure: typed arrays and report objects in, plain objects out (no Node built-ins, no tfjs).
import type { SensitiveAttribute } from '../data/dataset.ts';
import { UNSEEN_CATEGORY, type CodeVocabulary, type EncoderState } from '../data/encode.ts';
import type { FeatureMatrix } from '../data/matrix.ts';
import type { Estimate } from '../fairness/estimate.ts';
import { normalQuantile } from '../fairness/power.ts';
import type { FairnessReport, MetricValue, MetricValues } from '../fairness/report-types.ts';
import type { DriftReport, DriftThresholds, FeatureDrift, GroupMixDrift, MetricDrift } from './contracts.ts';

export const DEFAULT_PSI_BINS = 10;
/**
 * Share an empty bin (or category) counts as, so ln(c / r) stays finite. A share of 1e-4 on one side and s on
 * the other adds about s·ln(s / 1e-4) to the PSI: about 0.46 for s = 0.1, so one category that appears or
 * vanishes with a tenth of the rows is flagged at the usual 0.25 threshold, and one with 1 % is not (0.05).
 */
export const DEFAULT_PSI_EPSILON = 1e-4;

type Defined = Extract<Estimate, { value: number }>;
type Undefined = Extract<Estimate, { value: undefined }>;

/** One bin of a numeric PSI: [lo, hi) (the outer bins open to ±Infinity) and each side's share of rows in it. */
export interface PsiBin {
  lo: number;
  hi: number;
  reference: number;
  current: number;
}

export interface CategoryShare {
  category: string;
  reference: number;
  current: number;
}

/** A PSI with the shares it was computed from, or undefined with a reason (an empty side). */
export type NumericPsi = (Defined & { bins: PsiBin[] }) | Undefined;
export type CategoricalPsi = (Defined & { categories: CategoryShare[] }) | Undefined;

export interface PsiOptions {
  /** Number of reference-quantile bins before ties are collapsed (default 10). */
  bins?: number;
  /** Floor of a share inside the logarithm (default DEFAULT_PSI_EPSILON). */
  epsilon?: number;
}

function checkEpsilon(epsilon: number): void {
  if (!(epsilon > 0 && epsilon < 1)) throw new Error(`PSI epsilon must be in (0, 1), got ${epsilon}`);
}

/** PSI = Σ_i (c_i − r_i)·ln(c_i / r_i) over shares floored at ε (Siddiqi, Credit Risk Scorecards, 2006, ch. 8). */
function psiOfShares(reference: readonly number[], current: readonly number[], epsilon: number): number {
  let psi = 0;
  reference.forEach((r0, i) => {
    const r = Math.max(r0, epsilon);
    const c = Math.max(current[i]!, epsilon);
    psi += (c - r) * Math.log(c / r);
  });
  return psi;
}

function sortedFinite(values: ArrayLike<number>, what: string): Float64Array {
  const sorted = Float64Array.from(values);
  for (const v of sorted) if (!Number.isFinite(v)) throw new Error(`${what} has a non-finite value (${v})`);
  return sorted.sort();
}

/**
 * Inner bin edges from the reference: edge k (k = 1 … bins − 1) is the sorted reference value at position
 * ⌊k·n / bins⌋, so with distinct values each [lo, hi) bin holds n / bins reference rows. Repeated edges, and an
 * edge equal to the minimum, are dropped: every bin then holds at least one reference value, however many ties.
 */
function quantileEdges(sortedReference: Float64Array, bins: number): number[] {
  const n = sortedReference.length;
  const edges: number[] = [];
  let last = sortedReference[0]!;
  for (let k = 1; k < bins; k++) {
    const edge = sortedReference[Math.floor((k * n) / bins)]!;
    if (edge > last) {
      edges.push(edge);
      last = edge;
    }
  }
  return edges;
}

/** Shares of sorted values in the bins (−∞, e_1), [e_1, e_2), …, [e_last, ∞). */
function binShares(sorted: Float64Array, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  let bin = 0;
  for (const v of sorted) {
    while (bin < edges.length && v >= edges[bin]!) bin++;
    counts[bin]!++;
  }
  return counts.map((c) => c / sorted.length);
}

/**
 * Population stability index of a numeric variable, binned at the reference's quantiles (ties collapsed, see
 * quantileEdges). Shares below ε (empty bins) count as ε in the sum; the returned bins carry the actual shares.
 */
export function populationStabilityIndex(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  options: PsiOptions = {},
): NumericPsi {
  const bins = options.bins ?? DEFAULT_PSI_BINS;
  const epsilon = options.epsilon ?? DEFAULT_PSI_EPSILON;
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`PSI bins must be an integer ≥ 1, got ${bins}`);
  checkEpsilon(epsilon);
  if (reference.length === 0) return { value: undefined, reason: 'the reference sample is empty' };
  if (current.length === 0) return { value: undefined, reason: 'the current sample is empty' };
  const ref = sortedFinite(reference, 'PSI reference');
  const cur = sortedFinite(current, 'PSI current sample');
  const edges = quantileEdges(ref, bins);
  const refShares = binShares(ref, edges);
  const curShares = binShares(cur, edges);
  return {
    value: psiOfShares(refShares, curShares, epsilon),
    bins: refShares.map((reference, i) => ({
      lo: i === 0 ? -Infinity : edges[i - 1]!,
      hi: i === edges.length ? Infinity : edges[i]!,
      reference,
      current: curShares[i]!,
    })),
  };
}

/** PSI over categories (the union of both sides'; a category missing on one side has share 0 there, floored at ε). */
export function categoricalPsi(
  referenceCounts: Record<string, number>,
  currentCounts: Record<string, number>,
  epsilon = DEFAULT_PSI_EPSILON,
): CategoricalPsi {
  checkEpsilon(epsilon);
  const total = (counts: Record<string, number>): number =>
    Object.entries(counts).reduce((sum, [category, n]) => {
      if (!(n >= 0 && Number.isFinite(n)))
        throw new Error(`categoricalPsi: count of '${category}' must be ≥ 0, got ${n}`);
      return sum + n;
    }, 0);
  const refTotal = total(referenceCounts);
  const curTotal = total(currentCounts);
  if (refTotal === 0) return { value: undefined, reason: 'the reference has no rows' };
  if (curTotal === 0) return { value: undefined, reason: 'the current sample has no rows' };
  const categories = [...new Set([...Object.keys(referenceCounts), ...Object.keys(currentCounts)])].map((category) => ({
    category,
    reference: (referenceCounts[category] ?? 0) / refTotal,
    current: (currentCounts[category] ?? 0) / curTotal,
  }));
  const value = psiOfShares(
    categories.map((c) => c.reference),
    categories.map((c) => c.current),
    epsilon,
  );
  return { value, categories };
}

export type KsTest =
  | { statistic: number; pValue: number; reason?: undefined }
  | { statistic: undefined; pValue: undefined; reason: string };

/**
 * P(K > λ) for the Kolmogorov distribution, K = sup |Brownian bridge| (scipy.stats.kstwobign.sf):
 * 2·Σ (−1)^(k−1)·e^(−2k²λ²), or for small λ, where that series converges slowly, 1 − (√(2π)/λ)·Σ e^(−(2k−1)²π²/(8λ²)).
 */
function kolmogorovSurvival(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < 1) {
    let cdf = 0;
    for (let k = 1; k <= 20; k++) cdf += Math.exp((-((2 * k - 1) ** 2) * Math.PI ** 2) / (8 * lambda * lambda));
    return 1 - (Math.sqrt(2 * Math.PI) / lambda) * cdf;
  }
  let sf = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sf += k % 2 === 1 ? term : -term;
    if (term < 1e-17) break;
  }
  return 2 * sf;
}

/**
 * Two-sample Kolmogorov–Smirnov test. D = sup_x |F_a(x) − F_b(x)|, evaluated after all copies of each distinct
 * value (so ties across the samples never create a false step). The p-value is asymptotic: Smirnov (1948),
 * P(D > d) ≈ P(K > √(n·m / (n + m))·d) with K Kolmogorov-distributed. It is approximate for small samples and
 * conservative (too large) for discrete data with many ties.
 */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): KsTest {
  if (a.length === 0 || b.length === 0) {
    return { statistic: undefined, pValue: undefined, reason: `an empty sample (sizes ${a.length} and ${b.length})` };
  }
  const x = sortedFinite(a, 'KS first sample');
  const y = sortedFinite(b, 'KS second sample');
  const n = x.length;
  const m = y.length;
  let i = 0;
  let j = 0;
  let statistic = 0;
  while (i < n && j < m) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < n && x[i] === v) i++;
    while (j < m && y[j] === v) j++;
    statistic = Math.max(statistic, Math.abs(i / n - j / m));
  }
  // Once one sample is exhausted its CDF is 1 and the other's only rises towards 1: no larger gap follows.
  const effectiveN = (n * m) / (n + m);
  const pValue = Math.min(1, Math.max(0, kolmogorovSurvival(Math.sqrt(effectiveN) * statistic)));
  return { statistic, pValue };
}

function column(matrix: FeatureMatrix, col: number): Float64Array {
  const out = new Float64Array(matrix.rows);
  for (let r = 0; r < matrix.rows; r++) out[r] = matrix.values[r * matrix.cols + col]!;
  return out;
}

/** Row counts per slot of a one-hot block (each row has its 1 in exactly one slot). */
function oneHotCounts(
  matrix: FeatureMatrix,
  offset: number,
  slots: readonly string[],
  feature: string,
): Record<string, number> {
  const counts = new Array<number>(slots.length).fill(0);
  for (let r = 0; r < matrix.rows; r++) {
    const base = r * matrix.cols + offset;
    let hot = -1;
    for (let s = 0; s < slots.length; s++) {
      if (matrix.values[base + s] === 1) {
        hot = s;
        break;
      }
    }
    if (hot < 0) throw new Error(`featureDrift: row ${r} has no one-hot value for categorical feature '${feature}'`);
    counts[hot]!++;
  }
  return Object.fromEntries(slots.map((slot, s) => [slot, counts[s]!]));
}

function definedOrThrow<T extends { value: number | undefined; reason?: string }>(
  estimate: T,
  what: string,
): T & { value: number } {
  if (estimate.value === undefined) throw new Error(`${what}: ${estimate.reason}`);
  return estimate as T & { value: number };
}

/**
 * Drift of every original feature of the encoder, in encoder order. Numeric features are compared on their
 * standardised column (an increasing affine map, which leaves quantile bins, PSI and KS unchanged) with PSI
 * and KS; categorical features by the row counts of their one-hot block (training categories plus the
 * `<unseen>` slot) with PSI only, or with categorical codes by the counts of each column's codes. Both matrices must be
 * encoded by this encoder and be non-empty.
 */
export function featureDrift(encoder: EncoderState, reference: FeatureMatrix, current: FeatureMatrix): FeatureDrift[] {
  const cols = encoder.featureNames.length;
  for (const [what, m] of [
    ['reference', reference],
    ['current', current],
  ] as const) {
    if (m.cols !== cols) throw new Error(`featureDrift: the ${what} matrix has ${m.cols} columns, the encoder ${cols}`);
    if (m.rows === 0) throw new Error(`featureDrift: the ${what} matrix has no rows`);
  }
  if (encoder.codes !== undefined) return codeDrift(encoder.codes, reference, current);
  const drift: FeatureDrift[] = [];
  let offset = 0;
  for (const f of encoder.features) {
    if (f.kind === 'numeric') {
      const ref = column(reference, offset);
      const cur = column(current, offset);
      const psi = definedOrThrow(populationStabilityIndex(ref, cur), `PSI of '${f.column}'`);
      const ks = ksTwoSample(ref, cur);
      if (ks.statistic === undefined) throw new Error(`KS of '${f.column}': ${ks.reason}`);
      drift.push({
        feature: f.column,
        kind: 'numeric',
        psi: psi.value,
        ks: { statistic: ks.statistic, pValue: ks.pValue },
      });
      offset += 1;
    } else {
      const slots = [...f.categories, UNSEEN_CATEGORY];
      const psi = categoricalPsi(
        oneHotCounts(reference, offset, slots, f.column),
        oneHotCounts(current, offset, slots, f.column),
      );
      drift.push({ feature: f.column, kind: 'categorical', psi: definedOrThrow(psi, `PSI of '${f.column}'`).value });
      offset += slots.length;
    }
  }
  return drift;
}

/** Categorical codes (one column per feature, value = offset + level): PSI of each column's level counts. */
function codeDrift(codes: CodeVocabulary, reference: FeatureMatrix, current: FeatureMatrix): FeatureDrift[] {
  const levelCounts = (matrix: FeatureMatrix, j: number): Record<string, number> => {
    const { column, offset, levels } = codes.columns[j]!;
    const counts = new Array<number>(levels.length).fill(0);
    for (let r = 0; r < matrix.rows; r++) {
      const level = matrix.values[r * matrix.cols + j]! - offset;
      if (!Number.isInteger(level) || level < 0 || level >= levels.length)
        throw new Error(`featureDrift: row ${r} has code ${level + offset}, not a level of '${column}'`);
      counts[level]!++;
    }
    return Object.fromEntries(levels.map((level, k) => [level, counts[k]!]));
  };
  return codes.columns.map(({ column }, j) => {
    const psi = categoricalPsi(levelCounts(reference, j), levelCounts(current, j));
    return { feature: column, kind: 'categorical', psi: definedOrThrow(psi, `PSI of '${column}'`).value };
  });
}

/** PSI of a sensitive attribute's group shares, and the group whose share moved most (first in group order on a tie). */
export function groupMixDrift(
  attribute: SensitiveAttribute,
  reference: Uint16Array,
  current: Uint16Array,
): GroupMixDrift {
  const counts = (codes: Uint16Array, what: string): Record<string, number> => {
    const n = new Array<number>(attribute.groups.length).fill(0);
    for (const code of codes) {
      if (code >= attribute.groups.length) {
        throw new Error(
          `groupMixDrift: ${what} code ${code} is not a group of '${attribute.name}' (${attribute.groups.length} groups)`,
        );
      }
      n[code]!++;
    }
    return Object.fromEntries(attribute.groups.map((g, i) => [g, n[i]!]));
  };
  const psi = definedOrThrow(
    categoricalPsi(counts(reference, 'reference'), counts(current, 'current')),
    `group mix of '${attribute.name}'`,
  );
  let largest = psi.categories[0]!;
  for (const c of psi.categories) {
    if (Math.abs(c.current - c.reference) > Math.abs(largest.current - largest.reference)) largest = c;
  }
  return {
    attribute: attribute.name,
    psi: psi.value,
    largestShift: { group: largest.category, reference: largest.reference, current: largest.current },
  };
}

/** Two-sided normal quantile of a CI level, e.g. 1.96 for 0.95. */
const zOf = (level: number): number => normalQuantile(1 - (1 - level) / 2);

/**
 * Change of every metric value present (non-null) in both reports: `overall/<m>`, `<attr>/groups/<g>/<m>` and
 * `<attr>/disparities/<d>`, in the baseline's order. `count` is left out: it is a sample size, not an estimate
 * (its bootstrap interval has width 0), and group-mix drift already covers it.
 *
 * The CI of the delta treats the reports as independent samples and their bootstrap intervals as normal:
 * se ≈ (hi − lo) / (2·z) per side, se_Δ = √(se_b² + se_c²), CI = Δ ± z·se_Δ (the standard error of a difference
 * of independent estimates; e.g. Efron & Tibshirani 1993, §6). Percentile CIs of skewed or bounded statistics
 * (rates near 0 or 1, ratios, max-min disparities) are not symmetric, so this CI is approximate. Each side's
 * se uses its own report's `config.ci_level`; the delta's CI is at `ciLevel` (default: the baseline's level).
 * `ci` is null, and `significant` false, when either side has no CI.
 */
export function metricDrift(
  baseline: FairnessReport,
  current: FairnessReport,
  ciLevel = baseline.config.ci_level,
): MetricDrift[] {
  if (!(ciLevel > 0 && ciLevel < 1)) throw new Error(`metricDrift: ciLevel must be in (0, 1), got ${ciLevel}`);
  const zBaseline = zOf(baseline.config.ci_level);
  const zCurrent = zOf(current.config.ci_level);
  const z = zOf(ciLevel);
  const out: MetricDrift[] = [];

  const compare = (path: string, b: MetricValue | undefined, c: MetricValue | undefined): void => {
    if (b === undefined || c === undefined || b.value === null || c.value === null) return;
    const delta = c.value - b.value;
    let ci: [number, number] | null = null;
    if (b.ci !== null && c.ci !== null) {
      const seB = (b.ci[1] - b.ci[0]) / (2 * zBaseline);
      const seC = (c.ci[1] - c.ci[0]) / (2 * zCurrent);
      const half = z * Math.sqrt(seB * seB + seC * seC);
      ci = [delta - half, delta + half];
    }
    out.push({
      path,
      baseline: b.value,
      current: c.value,
      delta,
      ci,
      significant: ci !== null && (ci[0] > 0 || ci[1] < 0),
    });
  };
  const compareAll = (prefix: string, b: MetricValues | undefined, c: MetricValues | undefined): void => {
    if (b === undefined || c === undefined) return;
    for (const [metric, value] of Object.entries(b)) {
      if (metric !== 'count') compare(`${prefix}/${metric}`, value, c[metric]);
    }
  };

  compareAll('overall', baseline.overall, current.overall);
  for (const [name, attr] of Object.entries(baseline.attributes)) {
    const other = current.attributes[name];
    if (other === undefined) continue;
    for (const [group, metrics] of Object.entries(attr.groups))
      compareAll(`${name}/groups/${group}`, metrics, other.groups[group]);
    compareAll(`${name}/disparities`, attr.disparities, other.disparities);
  }
  return out;
}

/** Rows, features and group codes of one side of a drift comparison (an EncodedSplit or an EncodedBatch fits). */
export interface DriftSample {
  x: FeatureMatrix;
  groups: Record<string, Uint16Array>;
}

export interface DriftInput {
  encoder: EncoderState;
  sensitive: readonly SensitiveAttribute[];
  /** The data the deployed model was validated on, and the name of its split. */
  reference: DriftSample & { split: string };
  current: DriftSample;
  /** The deployed model's report on the reference, and its report on the current batch. */
  baselineReport: FairnessReport;
  currentReport: FairnessReport;
  thresholds: DriftThresholds;
  /** Level of the metric-drift CIs (default: the baseline report's). */
  ciLevel?: number;
}

/** Three significant digits: enough to compare with a threshold such as 0.25. */
const short = (v: number): string => String(Number(v.toPrecision(3)));

/**
 * Feature drift (sorted by PSI, largest first), group-mix drift per sensitive attribute and metric drift,
 * with `drifted` set when any feature or group mix reaches its PSI threshold and one reason per such finding.
 */
export function driftReport(input: DriftInput): DriftReport {
  const { thresholds } = input;
  const features = featureDrift(input.encoder, input.reference.x, input.current.x).sort((a, b) => b.psi - a.psi);
  const groupMix = input.sensitive.map((attr) => {
    const ref = input.reference.groups[attr.name];
    const cur = input.current.groups[attr.name];
    if (ref === undefined || cur === undefined)
      throw new Error(`driftReport: no group codes for sensitive attribute '${attr.name}'`);
    return groupMixDrift(attr, ref, cur);
  });
  const reasons = [
    ...features
      .filter((f) => f.psi >= thresholds.featurePsi)
      .map((f) => `feature ${f.feature}: PSI ${short(f.psi)} ≥ ${thresholds.featurePsi}`),
    ...groupMix
      .filter((g) => g.psi >= thresholds.groupMixPsi)
      .map(
        (g) =>
          `group mix of ${g.attribute}: PSI ${short(g.psi)} ≥ ${thresholds.groupMixPsi} (largest shift: ${g.largestShift.group} ${short(g.largestShift.reference)} → ${short(g.largestShift.current)})`,
      ),
  ];
  return {
    reference: { split: input.reference.split, rows: input.reference.x.rows },
    current: { rows: input.current.x.rows },
    features,
    groupMix,
    metrics: metricDrift(input.baselineReport, input.currentReport, input.ciLevel),
    drifted: reasons.length > 0,
    reasons,
  };
}
