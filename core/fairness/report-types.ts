// The JSON report format (documented in docs/fairness.md). Types only: workflow code may import them.
import type { GateDecision, SmallGroup } from './gate-types.ts';
import type { ShiftStress } from './shift.ts';
import type { ThresholdSensitivity } from './threshold.ts';

export const REPORT_FORMAT = 'fairshrink.fairness-report';
export const REPORT_VERSION = 1;

/** Every metric, disparity and delta in the report has this shape. */
export interface MetricValue {
  value: number | null;
  /** Bootstrap interval at config.ci_level (config.ci_method); null without bootstrap or when withheld. */
  ci: [number, number] | null;
  /** Why value (or ci) is null, or how the CI was formed when some resamples were undefined. */
  reason?: string;
}

export interface DisparityValue extends MetricValue {
  /** Groups that set the value: [max, min] for differences, [min, max] for ratios, [group, 'overall'] to overall, [group] for max/min. */
  pair?: string[];
  /** For equalized odds (worst case): the rate that set the value. */
  component?: string;
  /** Groups whose metric is undefined and were left out (they drop out of max and min, as in Fairlearn). */
  excluded?: string[];
}

export type MetricValues = Record<string, MetricValue>;

export interface GroupInfo {
  rows: number;
  weight: number;
  below_min_group_size: boolean;
}

export interface McNemarResult {
  /** Rows where only the reference is "right" (correct, or ŷ = 1 for selection_rate). */
  reference_only: number;
  /** Rows where only the candidate is. */
  candidate_only: number;
  p_value: number;
  /** Holm–Bonferroni adjusted over all groups × metrics of this attribute. */
  p_value_holm: number;
}

export interface PairedTests {
  rows: number;
  /** Exact McNemar per metric: accuracy (correctness), selection_rate (ŷ), true_positive_rate (ŷ among y = 1), false_positive_rate (ŷ among y = 0). */
  tests: Record<'accuracy' | 'selection_rate' | 'true_positive_rate' | 'false_positive_rate', McNemarResult>;
  /** Smallest accuracy change the McNemar test detects at config.alpha with config.power. */
  minimum_detectable_effect: { value: number | null; reason?: string; discordance?: number };
}

export interface FlipSummary {
  rows: number;
  flipped: number;
  flip_rate: number | null;
  /** ŷ 0 → 1 and 1 → 0 (reference → candidate). */
  to_positive: number;
  to_negative: number;
  /** Correct under the reference, wrong under the candidate; and the reverse. */
  newly_wrong: number;
  newly_right: number;
  /** This group's share of all flipped rows divided by its share of rows (> 1: over-represented). */
  over_representation: number | null;
}

export interface GroupsAndDisparities {
  groups: Record<string, MetricValues>;
  disparities: Record<string, DisparityValue>;
}

/** The same section computed without the groups below a minimum size (adequate) and with them pooled (pooled). */
export interface SmallGroupView {
  /** Only groups with at least min_group_size rows; disparities over them, with their own bootstrap CIs. */
  adequate: GroupsAndDisparities;
  /** The adequate groups plus one group pooling the small ones (named in small_group_pools). */
  pooled: GroupsAndDisparities;
}

export interface ModelAttributeSection extends GroupsAndDisparities {
  /** Keyed by the minimum size (as a string); present for each minimum some group falls below. */
  small_group_views?: Record<string, SmallGroupView>;
}

/** Which groups fall below a minimum size and the group that pools them. */
export interface SmallGroupPool {
  min_group_size: number;
  below_minimum: SmallGroup[];
  pooled_group: SmallGroup;
}

export interface AttributeReport extends ModelAttributeSection {
  kind: 'attribute' | 'intersection';
  members: string[];
  privileged_group: string | null;
  privileged_source: 'configured' | 'largest group';
  group_info: Record<string, GroupInfo>;
  /** Groups below config.min_group_size. */
  small_groups: string[];
  /** Keyed like small_group_views: the small groups and their pool, per minimum size. */
  small_group_pools?: Record<string, SmallGroupPool>;
  paired_tests?: Record<string, PairedTests>;
  flips?: Record<string, FlipSummary>;
  threshold_sensitivity: ThresholdSensitivity;
  shift_stress: ShiftStress;
}

export interface ModelSection {
  overall: MetricValues;
  attributes: Record<string, ModelAttributeSection>;
}

export interface ReportConfig {
  threshold: number;
  predictions: 'given' | 'score >= threshold';
  bootstrap: number;
  seed: number;
  ci_level: number;
  /**
   * How CIs are read off the resamples: 'simultaneous' (percentile, and the simultaneous bound for max/min-over-groups
   * disparities), 'percentile', or 'bias-corrected' (Efron's BC, acceleration 0). Reports before the simultaneous
   * bound have 'percentile' where no method was asked for.
   */
  ci_method: 'simultaneous' | 'percentile' | 'bias-corrected';
  bootstrap_scheme: 'stratified by cell (all sensitive attributes), paired across models';
  min_group_size: number;
  calibration_bins: number;
  calibration_bin_edges: '[lo, hi), last bin [lo, 1]';
  fairlearn_compat: boolean;
  generalized_entropy_alpha: number;
  alpha: number;
  power: number;
  sample_weights: boolean;
  sensitive_attributes: string[];
  intersections: string[][];
  custom_metrics: string[];
}

export interface FairnessReport {
  format: typeof REPORT_FORMAT;
  version: typeof REPORT_VERSION;
  rows: number;
  config: ReportConfig;
  overall: MetricValues;
  attributes: Record<string, AttributeReport>;
  /** The reference model's metrics on the same rows (when reference scores were given). */
  reference?: ModelSection;
  /** Candidate − reference for every reference metric, with paired bootstrap CIs. */
  delta?: ModelSection;
  /** Rows whose prediction differs between reference and candidate (0-based data row indices). */
  flipped_rows?: { count: number; indices: number[]; truncated: boolean };
  /** The rubric gate's decision, when a rubric was given (added by the CLI or the gate activity). */
  gate?: GateDecision;
}
