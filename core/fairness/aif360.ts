// AIF360 (aif360/metrics/classification_metric.py) two-group metrics: a privileged group P against the
// pooled rest U, signed U − P and not folded; and the between-group generalized entropy indices.
import { defined, undefinedBecause, type Estimate } from './estimate.ts';
import type { Disparity } from './disparities.ts';
import type { GroupStats } from './stats.ts';

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

const allFour = (d: Disparity): Record<Aif360Metric, Disparity> => ({
  statistical_parity_difference: d,
  disparate_impact: d,
  aif360_equal_opportunity_difference: d,
  average_odds_difference: d,
});

// Straight-line code without closures: this runs for every partition of every bootstrap resample.
export function aif360Disparities(
  names: readonly string[],
  stats: readonly GroupStats[],
  privileged: string | undefined,
): Record<Aif360Metric, Disparity> {
  const pIdx = privileged === undefined ? -1 : names.indexOf(privileged);
  if (pIdx < 0)
    return allFour(undefinedBecause(`privileged group ${JSON.stringify(privileged)} not found among groups`));
  if (names.length < 2) return allFour(undefinedBecause('needs an unprivileged group besides the privileged one'));
  // P: the privileged group; U: every other group pooled.
  const p = stats[pIdx]!;
  const pN = p.weight;
  const pTp = p.tp;
  const pFp = p.fp;
  const pTn = p.tn;
  const pFn = p.fn;
  let uN = 0;
  let uTp = 0;
  let uFp = 0;
  let uTn = 0;
  let uFn = 0;
  for (let g = 0; g < stats.length; g++) {
    if (g === pIdx) continue;
    const s = stats[g]!;
    uN += s.weight;
    uTp += s.tp;
    uFp += s.fp;
    uTn += s.tn;
    uFn += s.fn;
  }
  const pair = ['unprivileged', names[pIdx]!];
  const haveRows = pN > 0 && uN > 0;
  const havePos = pTp + pFn > 0 && uTp + uFn > 0;
  const haveNeg = pFp + pTn > 0 && uFp + uTn > 0;
  const srP = (pTp + pFp) / pN;
  const srU = (uTp + uFp) / uN;
  const tprP = pTp / (pTp + pFn);
  const tprU = uTp / (uTp + uFn);
  const fprP = pFp / (pFp + pTn);
  const fprU = uFp / (uFp + uTn);
  return {
    // statistical parity difference = SR_U − SR_P
    statistical_parity_difference: haveRows ? { value: srU - srP, pair } : undefinedBecause('empty group'),
    // disparate impact = SR_U / SR_P (not folded; can exceed 1)
    disparate_impact:
      haveRows && srP > 0
        ? { value: srU / srP, pair }
        : undefinedBecause('privileged selection rate is 0: disparate impact is x/0'),
    // equal opportunity difference = TPR_U − TPR_P
    aif360_equal_opportunity_difference: havePos
      ? { value: tprU - tprP, pair }
      : undefinedBecause('a side has no positives (y = 1)'),
    // average odds difference = ½[(FPR_U − FPR_P) + (TPR_U − TPR_P)]
    average_odds_difference:
      havePos && haveNeg
        ? { value: 0.5 * (fprU - fprP + (tprU - tprP)), pair }
        : undefinedBecause('a side has no positives or no negatives'),
  };
}

/**
 * GE(α) of the benefits b_i = ŷ_i − y_i + 1 with each b_i replaced by the mean μ_g of its group g
 * (Speicher et al. 2018; AIF360 _between_group_generalized_entropy_index):
 * 1/(n α(α−1)) Σ_g n_g [(μ_g/μ)^α − 1]; α = 1 (Theil): (1/n) Σ_g n_g (μ_g/μ) ln(μ_g/μ).
 * `weights[g]` is n_g, `benefits[g]` is Σ_{i∈g} b_i = TP + TN + 2 FP of the group.
 */
function betweenGroupsIndex(weights: readonly number[], benefits: readonly number[], alpha: number): Estimate {
  let n = 0;
  let benefit = 0;
  let groups = 0;
  for (let g = 0; g < weights.length; g++) {
    n += weights[g]!;
    benefit += benefits[g]!;
    if (weights[g]! > 0) groups++;
  }
  if (groups < 2) return undefinedBecause('needs at least 2 groups with rows');
  const mu = benefit / n;
  if (mu <= 0) return undefinedBecause('mean benefit is 0 (every row is a false negative)');
  let sum = 0;
  for (let g = 0; g < weights.length; g++) {
    const w = weights[g]!;
    if (w <= 0) continue;
    const r = benefits[g]! / w / mu;
    if (alpha === 1) {
      if (r > 0) sum += w * r * Math.log(r);
    } else if (alpha === 0) {
      if (r === 0) return undefinedBecause('GE(0) is infinite when a group mean benefit is 0');
      sum -= w * Math.log(r);
    } else sum += w * (Math.pow(r, alpha) - 1);
  }
  if (alpha === 1 || alpha === 0) return defined(sum / n);
  return defined(sum / (n * alpha * (alpha - 1)));
}

const benefitOf = (s: GroupStats): number => s.tp + s.tn + 2 * s.fp;

/**
 * AIF360 between_all_groups_generalized_entropy_index (α = 1: between_all_groups_theil_index): every
 * group of the attribute keeps its own mean benefit.
 */
export function betweenAllGroupsGeneralizedEntropy(stats: readonly GroupStats[], alpha: number): Estimate {
  return betweenGroupsIndex(
    stats.map((s) => s.weight),
    stats.map(benefitOf),
    alpha,
  );
}

/**
 * AIF360 between_group_generalized_entropy_index (α = 1: between_group_theil_index): two groups only,
 * the privileged group P and every other group pooled (U), as the other AIF360 metrics here.
 */
export function betweenGroupGeneralizedEntropy(
  names: readonly string[],
  stats: readonly GroupStats[],
  privileged: string | undefined,
  alpha: number,
): Estimate {
  const pIdx = privileged === undefined ? -1 : names.indexOf(privileged);
  if (pIdx < 0) return undefinedBecause(`privileged group ${JSON.stringify(privileged)} not found among groups`);
  let uWeight = 0;
  let uBenefit = 0;
  for (let g = 0; g < stats.length; g++) {
    if (g === pIdx) continue;
    uWeight += stats[g]!.weight;
    uBenefit += benefitOf(stats[g]!);
  }
  if (uWeight <= 0) return undefinedBecause('needs an unprivileged group besides the privileged one');
  const p = stats[pIdx]!;
  return betweenGroupsIndex([p.weight, uWeight], [benefitOf(p), uBenefit], alpha);
}
