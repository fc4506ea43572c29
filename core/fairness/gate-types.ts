// The gate's decision shapes. Types only, imported one way by gate.ts (which decides) and report-types.ts (which
// carries a decision in the report), so neither module imports the other.
import type { Comparator, SmallGroupPolicy, UncertaintyMode } from '../config/rubric.ts';

export type GateStatus = 'pass' | 'fail' | 'insufficient-evidence';

/** A group below the constraint's min_group_size, with its rows. */
export interface SmallGroup {
  group: string;
  rows: number;
}

export interface ConstraintDecision {
  id: string;
  status: GateStatus;
  /** Human-readable, with the numbers the decision rests on. */
  reason: string;
  /** Where in the report the value was read, e.g. attributes.sex.disparities.equalized_odds_difference. */
  target: string;
  observed: number | null;
  ci: [number, number] | null;
  /** The number compared with the threshold (point estimate or CI bound); null when undecided. */
  compared: number | null;
  comparator: Comparator;
  threshold: number;
  uncertainty: UncertaintyMode;
  /** Groups that set the value, when known. */
  groups?: string[];
  /** How groups below min_group_size were treated (set for constraints on an attribute or intersection). */
  small_groups?: SmallGroupPolicy;
  min_group_size?: number;
  /**
   * Groups below min_group_size: not judged ('insufficient'), dropped ('exclude') or merged into pooled_group
   * ('pool'). Absent when every group reaches the minimum.
   */
  below_minimum?: SmallGroup[];
  /** The pooled group's label and rows ('pool'). */
  pooled_group?: SmallGroup;
}

export interface GateDecision {
  rubric: string;
  status: GateStatus;
  reason: string;
  /** The rubric's default treatment of groups below min_group_size (constraints may override it). */
  small_groups?: SmallGroupPolicy;
  constraints: ConstraintDecision[];
}
