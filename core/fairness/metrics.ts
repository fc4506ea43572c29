// Per-group (and overall) metrics from sufficient statistics. Every function is a formula on
// weighted counts; 0/0 gives an undefined Estimate with a reason (or 0 in Fairlearn-compatibility
// mode, for the rates where Fairlearn/scikit-learn return 0).
import { combine, defined, rate, undefinedBecause, type Estimate } from './estimate.ts';
import { GROUP_METRICS } from './metric-names.ts';
import type { GroupStats } from './stats.ts';

export interface MetricOptions {
  /** Report 0 instead of undefined for 0/0 rates, as Fairlearn (via scikit-learn) does. Default false. */
  fairlearnCompat: boolean;
  /** α of the generalized entropy index (AIF360 default 2). */
  generalizedEntropyAlpha: number;
}

export const DEFAULT_METRIC_OPTIONS: MetricOptions = { fairlearnCompat: false, generalizedEntropyAlpha: 2 };

export { GROUP_METRICS };
export type GroupMetricName = (typeof GROUP_METRICS)[number];

const NO_ROWS = 'empty group (no rows)';
const NO_POSITIVES = 'no positives (y = 1) in group';
const NO_NEGATIVES = 'no negatives (y = 0) in group';
const NO_PREDICTED_POSITIVES = 'no predicted positives (ŷ = 1) in group';
const NO_PREDICTED_NEGATIVES = 'no predicted negatives (ŷ = 0) in group';

/** Expected calibration error (Guo et al. 2017): Σ_m (|B_m|/n)·|acc(B_m) − conf(B_m)| over equal-width bins. */
export function expectedCalibrationError(stats: GroupStats, variant: 'positive' | 'top_label'): Estimate {
  if (stats.weight <= 0) return undefinedBecause(NO_ROWS);
  // (|B|/n)·|acc/|B| − conf/|B|| = |Σ acc − Σ conf| / n per bin
  const sum = stats.calibrationGapSum(variant);
  return defined(sum / stats.weight);
}

/**
 * Generalized entropy index of the benefit b_i = ŷ_i − y_i + 1 (Speicher et al. 2018, AIF360
 * `generalized_entropy_index`): GE(α) = 1/(n α (α−1)) Σ[(b_i/μ)^α − 1]; α = 1 is the Theil index
 * (1/n) Σ (b_i/μ) ln(b_i/μ) with 0·ln 0 = 0. b is 0 for a false negative, 2 for a false positive, 1 otherwise,
 * so the index is a function of the confusion counts.
 */
export function generalizedEntropyIndex(stats: GroupStats, alpha: number): Estimate {
  const n = stats.weight;
  if (n <= 0) return undefinedBecause(NO_ROWS);
  const correct = stats.tp + stats.tn;
  const mu = (correct + 2 * stats.fp) / n;
  if (mu <= 0) return undefinedBecause('mean benefit is 0 (every row is a false negative)');
  const terms: [number, number][] = [
    [stats.fn, 0],
    [correct, 1],
    [stats.fp, 2],
  ];
  if (alpha === 1) {
    let sum = 0;
    for (const [w, b] of terms) if (w > 0 && b > 0) sum += w * (b / mu) * Math.log(b / mu);
    return defined(sum / n);
  }
  if (alpha === 0) {
    if (stats.fn > 0) return undefinedBecause('GE(0) is infinite when some benefit is 0 (false negatives present)');
    let sum = 0;
    for (const [w, b] of terms) if (w > 0) sum -= w * Math.log(b / mu);
    return defined(sum / n);
  }
  let sum = 0;
  for (const [w, b] of terms) if (w > 0) sum += w * (Math.pow(b / mu, alpha) - 1);
  return defined(sum / (n * alpha * (alpha - 1)));
}

/** ROC AUC as the weighted Mann–Whitney statistic with ties counted ½ (scikit-learn roc_auc_score). */
export function rocAuc(stats: GroupStats): Estimate {
  const p = stats.positives;
  const n = stats.negatives;
  if (p <= 0) return undefinedBecause(`${NO_POSITIVES}: ROC AUC needs both classes`);
  if (n <= 0) return undefinedBecause(`${NO_NEGATIVES}: ROC AUC needs both classes`);
  return defined(stats.aucNumerator / (p * n));
}

const mean2 = (a: number, b: number): number => (a + b) / 2;

/**
 * scikit-learn balanced_accuracy_score: the mean recall over the classes present in y, (TPR + TNR) / 2
 * when both are. A group with one class: undefined with the reason by default; in compat mode the recall
 * of the class present (as scikit-learn, which drops the class absent from y_true), not (0 + TNR) / 2.
 */
function balancedAccuracy(
  tpr: Estimate,
  tnr: Estimate,
  positives: number,
  negatives: number,
  compat: boolean,
): Estimate {
  if (compat && positives <= 0 && negatives > 0) return tnr;
  if (compat && negatives <= 0 && positives > 0) return tpr;
  return combine([tpr, tnr], mean2);
}

export function groupMetrics(
  stats: GroupStats,
  options: MetricOptions = DEFAULT_METRIC_OPTIONS,
): Record<GroupMetricName, Estimate> {
  const compat = options.fairlearnCompat;
  const n = stats.weight;
  const { tp, fp, tn, fn } = stats;
  const tpr = rate(tp, tp + fn, NO_POSITIVES, compat); // Fairlearn true_positive_rate: TP / (TP + FN)
  const tnr = rate(tn, tn + fp, NO_NEGATIVES, compat); // Fairlearn true_negative_rate: TN / (TN + FP)
  const ppv = rate(tp, tp + fp, NO_PREDICTED_POSITIVES, compat); // precision (scikit-learn zero_division=0 in compat)
  return {
    count: defined(stats.rows), // Fairlearn count: rows in the group
    base_rate: rate(tp + fn, n, NO_ROWS), // AIF360 base_rate: P(y = 1)
    selection_rate: rate(tp + fp, n, NO_ROWS), // Fairlearn selection_rate: P(ŷ = 1)
    accuracy: rate(tp + tn, n, NO_ROWS), // scikit-learn accuracy_score
    balanced_accuracy: balancedAccuracy(tpr, tnr, tp + fn, tn + fp, compat),
    true_positive_rate: tpr,
    false_positive_rate: rate(fp, fp + tn, NO_NEGATIVES, compat), // Fairlearn false_positive_rate: FP / (FP + TN)
    true_negative_rate: tnr,
    false_negative_rate: rate(fn, fn + tp, NO_POSITIVES, compat), // Fairlearn false_negative_rate: FN / (FN + TP)
    positive_predictive_value: ppv,
    negative_predictive_value: rate(tn, tn + fn, NO_PREDICTED_NEGATIVES, compat), // NPV: TN / (TN + FN)
    false_discovery_rate: rate(fp, tp + fp, NO_PREDICTED_POSITIVES, compat), // FDR: FP / (TP + FP)
    false_omission_rate: rate(fn, tn + fn, NO_PREDICTED_NEGATIVES, compat), // FOR: FN / (TN + FN)
    // F1 = 2TP / (2TP + FP + FN) (scikit-learn f1_score; zero_division=0 in compat)
    f1_score: rate(2 * tp, 2 * tp + fp + fn, 'no positives and no predicted positives in group', compat),
    log_loss: rate(stats.logLossSum, n, NO_ROWS), // scikit-learn log_loss (mean, probabilities clipped to [1e-15, 1 − 1e-15])
    brier_score: rate(stats.brierSum, n, NO_ROWS), // scikit-learn brier_score_loss: mean (p − y)^2
    roc_auc: rocAuc(stats),
    ece: expectedCalibrationError(stats, 'positive'),
    ece_top_label: expectedCalibrationError(stats, 'top_label'),
    theil_index: generalizedEntropyIndex(stats, 1), // AIF360 theil_index = GE(1)
    generalized_entropy_index: generalizedEntropyIndex(stats, options.generalizedEntropyAlpha),
  };
}
