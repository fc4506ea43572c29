// AIF360 (aif360/metrics/classification_metric.py) two-group metrics: a privileged group P against the
// pooled rest U, signed U − P and not folded; and the between-group generalized entropy indices.
import { defined, undefinedBecause, type Estimate } from './estimate.ts';
import type { Disparity } from './disparities.ts';
import type { GroupStats } from './stats.ts';

interface Pooled {
  n: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

function pool(stats: readonly GroupStats[]): Pooled {
  const out: Pooled = { n: 0, tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const s of stats) {
    out.n += s.weight;
    out.tp += s.tp;
    out.fp += s.fp;
    out.tn += s.tn;
    out.fn += s.fn;
  }
  return out;
}

export type Aif360Metric =
  | 'statistical_parity_difference'
  | 'disparate_impact'
  | 'aif360_equal_opportunity_difference'
  | 'average_odds_difference';

export const AIF360_METRICS: readonly Aif360Metric[] = [
  'statistical_parity_difference',
  'disparate_impact',
  'aif360_equal_opportunity_difference',
  'average_odds_difference',
];

export function aif360Disparities(
  names: readonly string[],
  stats: readonly GroupStats[],
  privileged: string | undefined,
): Record<Aif360Metric, Disparity> {
  const all = (d: Disparity): Record<Aif360Metric, Disparity> => ({
    statistical_parity_difference: d,
    disparate_impact: d,
    aif360_equal_opportunity_difference: d,
    average_odds_difference: d,
  });
  const pIdx = privileged === undefined ? -1 : names.indexOf(privileged);
  if (pIdx < 0) return all(undefinedBecause(`privileged group ${JSON.stringify(privileged)} not found among groups`));
  if (names.length < 2) return all(undefinedBecause('needs an unprivileged group besides the privileged one'));
  const p = pool([stats[pIdx]!]);
  const u = pool(stats.filter((_, i) => i !== pIdx));
  const pair = ['unprivileged', names[pIdx]!];
  const sr = (g: Pooled): number => (g.tp + g.fp) / g.n;
  const tpr = (g: Pooled): number => g.tp / (g.tp + g.fn);
  const fpr = (g: Pooled): number => g.fp / (g.fp + g.tn);
  const need = (cond: boolean, reason: string, f: () => number): Disparity =>
    cond ? { ...defined(f()), pair } : undefinedBecause(reason);
  const haveRows = p.n > 0 && u.n > 0;
  const havePos = p.tp + p.fn > 0 && u.tp + u.fn > 0;
  const haveNeg = p.fp + p.tn > 0 && u.fp + u.tn > 0;
  return {
    // statistical parity difference = SR_U − SR_P
    statistical_parity_difference: need(haveRows, 'empty group', () => sr(u) - sr(p)),
    // disparate impact = SR_U / SR_P (not folded; can exceed 1)
    disparate_impact: need(
      haveRows && sr(p) > 0,
      'privileged selection rate is 0: disparate impact is x/0',
      () => sr(u) / sr(p),
    ),
    // equal opportunity difference = TPR_U − TPR_P
    aif360_equal_opportunity_difference: need(havePos, 'a side has no positives (y = 1)', () => tpr(u) - tpr(p)),
    // average odds difference = ½[(FPR_U − FPR_P) + (TPR_U − TPR_P)]
    average_odds_difference: need(
      havePos && haveNeg,
      'a side has no positives or no negatives',
      () => 0.5 * (fpr(u) - fpr(p) + (tpr(u) - tpr(p))),
    ),
  };
}

/**
 * AIF360 between_group_generalized_entropy_index: GE(α) of the benefits b_i = ŷ_i − y_i + 1 with each
 * b_i replaced by its group's mean μ_g: 1/(n α(α−1)) Σ_g n_g [(μ_g/μ)^α − 1]; α = 1 (Theil): (1/n) Σ_g n_g (μ_g/μ) ln(μ_g/μ).
 */
export function betweenGroupGeneralizedEntropy(stats: readonly GroupStats[], alpha: number): Estimate {
  let n = 0;
  let benefit = 0;
  for (const s of stats) {
    n += s.weight;
    benefit += s.tp + s.tn + 2 * s.fp;
  }
  if (n <= 0) return undefinedBecause('no rows');
  const mu = benefit / n;
  if (mu <= 0) return undefinedBecause('mean benefit is 0 (every row is a false negative)');
  let sum = 0;
  for (const s of stats) {
    if (s.weight <= 0) continue;
    const r = (s.tp + s.tn + 2 * s.fp) / s.weight / mu;
    if (alpha === 1) {
      if (r > 0) sum += s.weight * r * Math.log(r);
    } else if (alpha === 0) {
      if (r === 0) return undefinedBecause('GE(0) is infinite when a group mean benefit is 0');
      sum -= s.weight * Math.log(r);
    } else sum += s.weight * (Math.pow(r, alpha) - 1);
  }
  if (alpha === 1 || alpha === 0) return defined(sum / n);
  return defined(sum / (n * alpha * (alpha - 1)));
}
