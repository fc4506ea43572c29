// Every metric name a report can hold, by where it sits (per group, overall, per attribute), so a rubric can be
// checked before anything runs. Plain constants: rubric parsing (imported by workflow code) reads them.

/** Built-in per-group metric names (Fairlearn / scikit-learn snake_case where one exists). */
export const GROUP_METRICS = [
  'count',
  'base_rate',
  'selection_rate',
  'accuracy',
  'balanced_accuracy',
  'true_positive_rate',
  'false_positive_rate',
  'true_negative_rate',
  'false_negative_rate',
  'positive_predictive_value',
  'negative_predictive_value',
  'false_discovery_rate',
  'false_omission_rate',
  'f1_score',
  'log_loss',
  'brier_score',
  'roc_auc',
  'ece',
  'ece_top_label',
  'theil_index',
  'generalized_entropy_index',
] as const;

/** Reference-comparison metrics per group (candidate only, with reference scores). */
export const COMPARISON_GROUP_METRICS = ['accuracy_drop', 'excess_accuracy_gap', 'flip_rate'] as const;

/** Reference-comparison metrics overall (ψ is per group by definition). */
export const COMPARISON_OVERALL_METRICS = ['accuracy_drop', 'flip_rate'] as const;

/** Disparities with their own name (snapshot.ts computes them; a unit test checks the two agree). */
export const NAMED_DISPARITIES = [
  'demographic_parity_difference',
  'demographic_parity_difference_to_overall',
  'demographic_parity_ratio',
  'demographic_parity_ratio_to_overall',
  'equalized_odds_difference',
  'equalized_odds_difference_mean',
  'equalized_odds_difference_to_overall',
  'equalized_odds_ratio',
  'equalized_odds_ratio_mean',
  'equalized_odds_ratio_to_overall',
  'equal_opportunity_difference',
  'equal_opportunity_difference_to_overall',
  'equal_opportunity_ratio',
  'equal_opportunity_ratio_to_overall',
  'worst_group_accuracy',
  'ece_gap',
  'statistical_parity_difference',
  'disparate_impact',
  'aif360_equal_opportunity_difference',
  'average_odds_difference',
  'between_group_theil_index',
  'between_group_generalized_entropy_index',
  'between_all_groups_theil_index',
  'between_all_groups_generalized_entropy_index',
  'max_accuracy_drop',
  'max_excess_accuracy_gap',
  'max_flip_rate',
] as const;

/** Suffixes of the four generic disparities every metric but count gets. */
export const GENERIC_DISPARITY_SUFFIXES = [
  '_difference',
  '_difference_to_overall',
  '_ratio',
  '_ratio_to_overall',
] as const;

export type MetricPlace = 'group' | 'overall' | 'disparity';

/** The metric names valid at a place, built-in plus the given custom metrics (by report key). */
export function metricNames(place: MetricPlace, customMetrics: readonly string[] = []): string[] {
  if (place === 'group') return [...GROUP_METRICS, ...COMPARISON_GROUP_METRICS, ...customMetrics];
  if (place === 'overall') return [...GROUP_METRICS, ...COMPARISON_OVERALL_METRICS, ...customMetrics];
  const bases = [...GROUP_METRICS.filter((m) => m !== 'count'), ...customMetrics];
  return [...NAMED_DISPARITIES, ...bases.flatMap((m) => GENERIC_DISPARITY_SUFFIXES.map((s) => `${m}${s}`))];
}
