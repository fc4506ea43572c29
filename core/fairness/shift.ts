// Distribution-shift stress: overall metrics re-weighted to other group mixes. Each scenario multiplies
// one group's weight by a factor (e.g. ×2: twice as common) and recomputes the overall metrics from the
// per-group statistics; within-group metrics and between-group disparities do not change under such a
// shift, overall metrics and comparisons to overall do. ROC AUC is left out (it does not decompose by group).
import type { Partition } from './groups.ts';
import { groupMetrics, type MetricOptions } from './metrics.ts';
import { weightedMix, type GroupStats } from './stats.ts';

export const SHIFT_METRICS = [
  'accuracy',
  'balanced_accuracy',
  'selection_rate',
  'true_positive_rate',
  'false_positive_rate',
  'positive_predictive_value',
  'f1_score',
  'log_loss',
  'brier_score',
  'ece',
] as const;
export type ShiftMetric = (typeof SHIFT_METRICS)[number];

export interface ShiftScenario {
  group: string;
  factor: number;
  overall: Record<ShiftMetric, number | null>;
}

export interface ShiftExtreme {
  value: number;
  scenario: string;
}

export interface ShiftStress {
  factors: number[];
  /** Overall metrics without re-weighting, for comparison. */
  baseline: Record<ShiftMetric, number | null>;
  scenarios: ShiftScenario[];
  /** Per metric, the smallest and largest value over the scenarios (the worst case is one of them). */
  extremes: Record<ShiftMetric, { min: ShiftExtreme | null; max: ShiftExtreme | null }>;
}

const scenarioName = (s: ShiftScenario): string => `${s.group}×${s.factor}`;

function pick(stats: GroupStats, options: MetricOptions): Record<ShiftMetric, number | null> {
  const m = groupMetrics(stats, options);
  const out = {} as Record<ShiftMetric, number | null>;
  for (const k of SHIFT_METRICS) out[k] = m[k].value ?? null;
  return out;
}

export function shiftStress(
  partition: Partition,
  groupStats: readonly GroupStats[],
  factors: readonly number[],
  options: MetricOptions,
  bins: number,
): ShiftStress {
  const baseline = pick(
    weightedMix(
      groupStats.map((stats) => ({ stats, factor: 1 })),
      bins,
    ),
    options,
  );
  const scenarios: ShiftScenario[] = [];
  partition.groupNames.forEach((group, g) => {
    for (const factor of factors) {
      const mix = weightedMix(
        groupStats.map((stats, h) => ({ stats, factor: h === g ? factor : 1 })),
        bins,
      );
      scenarios.push({ group, factor, overall: pick(mix, options) });
    }
  });
  const extremes = {} as ShiftStress['extremes'];
  for (const k of SHIFT_METRICS) {
    let min: ShiftExtreme | null = null;
    let max: ShiftExtreme | null = null;
    for (const s of scenarios) {
      const v = s.overall[k];
      if (v === null) continue;
      if (min === null || v < min.value) min = { value: v, scenario: scenarioName(s) };
      if (max === null || v > max.value) max = { value: v, scenario: scenarioName(s) };
    }
    extremes[k] = { min, max };
  }
  return { factors: [...factors], baseline, scenarios, extremes };
}
