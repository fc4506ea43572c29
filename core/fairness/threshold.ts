// Threshold sensitivity: disparities over a grid of decision thresholds (ŷ = score ≥ t), and the largest
// change of each within ±δ of the operating threshold. Point estimates (no CIs) of the candidate model.
import { modelSnapshot, type SnapshotContext } from './snapshot.ts';
import { predictAt, withPredictions, type ModelArrays, type StatsEngine } from './stats.ts';

export const THRESHOLD_METRICS = [
  'demographic_parity_difference',
  'equalized_odds_difference',
  'equal_opportunity_difference',
  'worst_group_accuracy',
] as const;
export type ThresholdMetric = (typeof THRESHOLD_METRICS)[number];

export const DEFAULT_THRESHOLD_GRID: readonly number[] = Array.from({ length: 19 }, (_, i) => (i + 1) / 20);
export const DEFAULT_THRESHOLD_DELTA = 0.05;

export interface ThresholdCurve {
  /** Value at each grid threshold (null where undefined). */
  values: (number | null)[];
  at_operating_threshold: number | null;
  /** max |m(t) − m(t0)| over grid thresholds with |t − t0| ≤ δ, and where. */
  max_change_within_delta: { value: number; threshold: number } | null;
}

export interface ThresholdSensitivity {
  operating_threshold: number;
  delta: number;
  grid: number[];
  metrics: Record<ThresholdMetric, ThresholdCurve>;
}

/**
 * Returns, per partition (aligned with ctx.partitions[1..]), the sensitivity of the listed disparities. `model` is the
 * candidate as prepared for the report: its score-dependent arrays (score order, losses, bins) are reused at every
 * threshold, its predictions replaced.
 */
export function thresholdSensitivity(
  engine: StatsEngine,
  label: Uint8Array,
  model: ModelArrays,
  ctx: SnapshotContext,
  operating: number,
  grid: readonly number[],
  delta: number,
): ThresholdSensitivity[] {
  const thresholds = [...new Set([...grid, operating])].sort((a, b) => a - b);
  const byThreshold = thresholds.map((t) => {
    const stats = engine.run(withPredictions(model, label, predictAt(model.score, t), engine.bins), null);
    return modelSnapshot(stats, ctx);
  });
  const operatingIndex = thresholds.indexOf(operating);
  const eps = 1e-12;
  return ctx.partitions.slice(1).map((_, p) => {
    const metrics = {} as Record<ThresholdMetric, ThresholdCurve>;
    for (const m of THRESHOLD_METRICS) {
      const series = byThreshold.map((snap) => snap.partitions[p]!.disparities[m]!.value ?? null);
      const at = series[operatingIndex] ?? null;
      let best: { value: number; threshold: number } | null = null;
      if (at !== null) {
        thresholds.forEach((t, i) => {
          const v = series[i];
          if (v === null || v === undefined || Math.abs(t - operating) > delta + eps) return;
          const change = Math.abs(v - at);
          if (best === null || change > best.value) best = { value: change, threshold: t };
        });
      }
      metrics[m] = { values: series, at_operating_threshold: at, max_change_within_delta: best };
    }
    return { operating_threshold: operating, delta, grid: thresholds, metrics };
  });
}
