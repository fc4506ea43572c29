// Disparities of a metric across the groups of one attribute (or intersection), naming the groups
// that set each value. Definitions follow Fairlearn's MetricFrame.difference / ratio and the
// fairlearn.metrics fairness functions; the AIF360 ones are in aif360.ts.
import { defined, undefinedBecause, type Estimate } from './estimate.ts';

/** A disparity value, the groups that set it, and groups left out because their value is undefined. */
export type Disparity = Estimate & {
  /** Groups that set the value: [max, min] for a difference, [min, max] for a ratio, [group, 'overall'] to overall. */
  pair?: string[];
  /** For equalized odds (worst case): which rate set the value. */
  component?: string;
  /** Groups whose metric is undefined and so drop out of the max and min (as NaN groups do in Fairlearn). */
  excluded?: string[];
};

export const OVERALL_LABEL = 'overall';

interface Defined {
  name: string;
  value: number;
}

function split(
  names: readonly string[],
  values: readonly Estimate[],
): { ok: Defined[]; excluded: string[]; reasons: string[] } {
  const ok: Defined[] = [];
  const excluded: string[] = [];
  const reasons: string[] = [];
  values.forEach((v, i) => {
    if (v.value === undefined) {
      excluded.push(names[i]!);
      reasons.push(`${names[i]}: ${v.reason}`);
    } else ok.push({ name: names[i]!, value: v.value });
  });
  return { ok, excluded, reasons };
}

const withExcluded = (d: Disparity, excluded: string[]): Disparity => (excluded.length > 0 ? { ...d, excluded } : d);

function tooFew(reasons: string[], needed: string): Disparity {
  const why = reasons.length > 0 ? ` (${reasons.join('; ')})` : '';
  return undefinedBecause(`needs ${needed}${why}`);
}

function extremes(ok: Defined[]): { max: Defined; min: Defined } {
  let max = ok[0]!;
  let min = ok[0]!;
  for (const d of ok) {
    if (d.value > max.value) max = d;
    if (d.value < min.value) min = d;
  }
  return { max, min };
}

/** Fairlearn MetricFrame.difference(method="between_groups"): max_g m_g − min_g m_g. */
export function differenceBetweenGroups(names: readonly string[], values: readonly Estimate[]): Disparity {
  const { ok, excluded, reasons } = split(names, values);
  if (ok.length < 2) return tooFew(reasons, 'at least 2 groups with a defined value');
  const { max, min } = extremes(ok);
  return withExcluded({ ...defined(max.value - min.value), pair: [max.name, min.name] }, excluded);
}

/** Fairlearn MetricFrame.difference(method="to_overall"): max_g |m_g − m_overall|. */
export function differenceToOverall(
  names: readonly string[],
  values: readonly Estimate[],
  overall: Estimate,
): Disparity {
  if (overall.value === undefined) return undefinedBecause(`overall value undefined: ${overall.reason}`);
  const { ok, excluded, reasons } = split(names, values);
  if (ok.length < 1) return tooFew(reasons, 'a group with a defined value');
  let best = ok[0]!;
  for (const d of ok) if (Math.abs(d.value - overall.value) > Math.abs(best.value - overall.value)) best = d;
  return withExcluded({ ...defined(Math.abs(best.value - overall.value)), pair: [best.name, OVERALL_LABEL] }, excluded);
}

/** Fairlearn MetricFrame.ratio(method="between_groups"): min_g m_g / max_g m_g. */
export function ratioBetweenGroups(names: readonly string[], values: readonly Estimate[]): Disparity {
  const { ok, excluded, reasons } = split(names, values);
  if (ok.length < 2) return tooFew(reasons, 'at least 2 groups with a defined value');
  const { max, min } = extremes(ok);
  if (min.value < 0) return undefinedBecause(`ratio of a metric with negative values (${min.name}: ${min.value})`);
  if (max.value === 0) return undefinedBecause('every group has value 0: the ratio is 0/0');
  return withExcluded({ ...defined(min.value / max.value), pair: [min.name, max.name] }, excluded);
}

/** Fairlearn MetricFrame.ratio(method="to_overall"): min_g r_g, r_g = m_g / m_overall folded to 1/r_g when > 1. */
export function ratioToOverall(names: readonly string[], values: readonly Estimate[], overall: Estimate): Disparity {
  if (overall.value === undefined) return undefinedBecause(`overall value undefined: ${overall.reason}`);
  if (overall.value <= 0)
    return undefinedBecause(`overall value is ${overall.value}: the ratio to overall is undefined`);
  const { ok, excluded, reasons } = split(names, values);
  if (ok.length < 1) return tooFew(reasons, 'a group with a defined value');
  let best: Defined | undefined;
  let bestRatio = Infinity;
  for (const d of ok) {
    if (d.value < 0) return undefinedBecause(`ratio of a metric with negative values (${d.name}: ${d.value})`);
    const r = d.value / overall.value;
    const folded = r > 1 ? 1 / r : r;
    if (folded < bestRatio) {
      bestRatio = folded;
      best = d;
    }
  }
  return withExcluded({ ...defined(bestRatio), pair: [best!.name, OVERALL_LABEL] }, excluded);
}

/** Index of the first smallest (sign −1: largest) defined value, or −1 if any value is undefined. */
function extremeIndex(values: readonly Estimate[], sign: 1 | -1): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!.value;
    if (v === undefined) return -1;
    if (best < 0 || sign * v < sign * values[best]!.value!) best = i;
  }
  return best;
}

/** Smallest value and its group (e.g. worst-group accuracy). */
export function minimumOverGroups(names: readonly string[], values: readonly Estimate[]): Disparity {
  const fast = extremeIndex(values, 1);
  if (fast >= 0) return { value: values[fast]!.value!, pair: [names[fast]!] };
  const { ok, excluded, reasons } = split(names, values);
  if (ok.length < 1) return tooFew(reasons, 'a group with a defined value');
  const { min } = extremes(ok);
  return withExcluded({ ...defined(min.value), pair: [min.name] }, excluded);
}

/** Largest value and its group (e.g. the largest accuracy drop). */
export function maximumOverGroups(names: readonly string[], values: readonly Estimate[]): Disparity {
  const fast = extremeIndex(values, -1);
  if (fast >= 0) return { value: values[fast]!.value!, pair: [names[fast]!] };
  const { ok, excluded, reasons } = split(names, values);
  if (ok.length < 1) return tooFew(reasons, 'a group with a defined value');
  const { max } = extremes(ok);
  return withExcluded({ ...defined(max.value), pair: [max.name] }, excluded);
}

/** Items of `a`, then those of `b` not already listed (a Set union, without the Set: these lists are tiny). */
function union(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  for (const x of a) if (!out.includes(x)) out.push(x);
  for (const x of b) if (!out.includes(x)) out.push(x);
  return out;
}

const mergeExcluded = (a: Disparity, b: Disparity): string[] => {
  if (a.excluded === undefined) return b.excluded ?? [];
  if (b.excluded === undefined) return a.excluded;
  return union(a.excluded, b.excluded);
};

export interface GenericDisparities {
  diff: Disparity;
  diffAll: Disparity;
  ratio: Disparity;
  ratioAll: Disparity;
}

/**
 * The four generic disparities of one metric in a single pass (the bootstrap's hot path): the same
 * values, pairs and reasons as differenceBetweenGroups, differenceToOverall, ratioBetweenGroups and
 * ratioToOverall (a unit test checks that they agree).
 */
export function genericDisparities(
  names: readonly string[],
  values: readonly Estimate[],
  overall: Estimate,
): GenericDisparities {
  let maxI = -1;
  let minI = -1;
  let farI = -1;
  let foldI = -1;
  let far = -1;
  let fold = Infinity;
  let count = 0;
  let firstNegative = -1;
  const o = overall.value;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!.value;
    if (v === undefined) {
      // Rare: the reference implementations list the excluded groups and compose the reasons.
      return {
        diff: differenceBetweenGroups(names, values),
        diffAll: differenceToOverall(names, values, overall),
        ratio: ratioBetweenGroups(names, values),
        ratioAll: ratioToOverall(names, values, overall),
      };
    }
    count++;
    if (maxI < 0 || v > values[maxI]!.value!) maxI = i;
    if (minI < 0 || v < values[minI]!.value!) minI = i;
    if (v < 0 && firstNegative < 0) firstNegative = i;
    if (o !== undefined) {
      const d = Math.abs(v - o);
      if (d > far) {
        far = d;
        farI = i;
      }
      if (o > 0) {
        const r = v / o;
        const f = r > 1 ? 1 / r : r;
        if (f < fold) {
          fold = f;
          foldI = i;
        }
      }
    }
  }
  let diff: Disparity;
  let ratio: Disparity;
  if (count < 2) {
    diff = tooFew([], 'at least 2 groups with a defined value');
    ratio = diff;
  } else {
    const max = values[maxI]!.value!;
    const min = values[minI]!.value!;
    diff = { value: max - min, pair: [names[maxI]!, names[minI]!] };
    if (min < 0) ratio = undefinedBecause(`ratio of a metric with negative values (${names[minI]}: ${min})`);
    else if (max === 0) ratio = undefinedBecause('every group has value 0: the ratio is 0/0');
    else ratio = { value: min / max, pair: [names[minI]!, names[maxI]!] };
  }
  let diffAll: Disparity;
  let ratioAll: Disparity;
  if (o === undefined) {
    diffAll = undefinedBecause(`overall value undefined: ${overall.reason}`);
    ratioAll = diffAll;
  } else if (count < 1) {
    diffAll = tooFew([], 'a group with a defined value');
    ratioAll = o <= 0 ? undefinedBecause(`overall value is ${o}: the ratio to overall is undefined`) : diffAll;
  } else {
    diffAll = { value: far, pair: [names[farI]!, OVERALL_LABEL] };
    if (o <= 0) ratioAll = undefinedBecause(`overall value is ${o}: the ratio to overall is undefined`);
    else if (firstNegative >= 0) {
      ratioAll = undefinedBecause(
        `ratio of a metric with negative values (${names[firstNegative]}: ${values[firstNegative]!.value})`,
      );
    } else ratioAll = { value: fold, pair: [names[foldI]!, OVERALL_LABEL] };
  }
  return { diff, diffAll, ratio, ratioAll };
}

/**
 * Fairlearn equalized_odds_difference / _ratio: agg "worst_case" takes the worse of the TPR and FPR
 * disparities (max of differences, min of ratios), agg "mean" their mean. Undefined if either is.
 */
export function equalizedOdds(
  tpr: Disparity,
  fpr: Disparity,
  kind: 'difference' | 'ratio',
  agg: 'worst_case' | 'mean',
): Disparity {
  if (tpr.value === undefined) return undefinedBecause(`true_positive_rate disparity undefined: ${tpr.reason}`);
  if (fpr.value === undefined) return undefinedBecause(`false_positive_rate disparity undefined: ${fpr.reason}`);
  const excluded = mergeExcluded(tpr, fpr);
  let out: Disparity;
  if (agg === 'mean') {
    out = { value: (tpr.value + fpr.value) / 2, pair: union(tpr.pair ?? [], fpr.pair ?? []) };
  } else {
    const tprWorse = kind === 'difference' ? tpr.value >= fpr.value : tpr.value <= fpr.value;
    const chosen = tprWorse ? tpr : fpr;
    out = {
      value: chosen.value!,
      pair: chosen.pair ?? [],
      component: tprWorse ? 'true_positive_rate' : 'false_positive_rate',
    };
  }
  if (excluded.length > 0) out.excluded = excluded;
  return out;
}
