// One evaluation of every metric, disparity and reference comparison from group statistics.
// The point estimate and every bootstrap resample go through this same function, so a CI always
// belongs to exactly the quantity its point estimate reports.
import { aif360Disparities, betweenAllGroupsGeneralizedEntropy, betweenGroupGeneralizedEntropy } from './aif360.ts';
import {
  equalizedOdds,
  genericDisparities,
  maximumOverGroups,
  minimumOverGroups,
  type Disparity,
  type GenericDisparities,
} from './disparities.ts';
import { combine, rate, type Estimate } from './estimate.ts';
import type { Partition } from './groups.ts';
import { GROUP_METRICS, groupMetrics, type MetricOptions } from './metrics.ts';
import type { ResolvedCustomMetric } from './registry.ts';
import type { GroupStats, PartitionStats } from './stats.ts';

export type MetricRecord = Record<string, Estimate>;

export interface PartitionSnapshot {
  groups: MetricRecord[];
  disparities: Record<string, Disparity>;
}

export interface Snapshot {
  overall: MetricRecord;
  /** Aligned with partitions[1..] (partitions[0] is overall). */
  partitions: PartitionSnapshot[];
}

export interface SnapshotContext {
  partitions: readonly Partition[];
  metricOptions: MetricOptions;
  custom: readonly ResolvedCustomMetric[];
  /** Privileged group per partition (AIF360 metrics), aligned with partitions. */
  privileged: readonly (string | undefined)[];
}

const BUILTIN_BASES: readonly string[] = GROUP_METRICS.filter((m) => m !== 'count');

/** Metrics that get generic disparities (everything but count). */
export function disparityBaseMetrics(custom: readonly ResolvedCustomMetric[]): readonly string[] {
  return custom.length === 0 ? BUILTIN_BASES : [...BUILTIN_BASES, ...custom.map((c) => c.key)];
}

const genericKeyCache = new Map<string, [string, string, string, string]>();
/** Report keys of a metric's generic disparities, built once (this runs in every bootstrap resample). */
function genericKeys(m: string): [string, string, string, string] {
  let keys = genericKeyCache.get(m);
  if (keys === undefined) {
    keys = [`${m}_difference`, `${m}_difference_to_overall`, `${m}_ratio`, `${m}_ratio_to_overall`];
    genericKeyCache.set(m, keys);
  }
  return keys;
}

/**
 * The groups a partition's disparities run over: all of them, or for an 'adequate' small-group view all but the
 * pooled group (it is the last one).
 */
function disparityGroups<T>(partition: Partition, items: readonly T[]): readonly T[] {
  return partition.view?.kind === 'adequate' ? items.slice(0, partition.view.pooled) : items;
}

/** One metric across groups (a module-level function: a closure here would be re-created every resample). */
function column(groups: readonly MetricRecord[], m: string): Estimate[] {
  const out = new Array<Estimate>(groups.length);
  for (let g = 0; g < groups.length; g++) out[g] = groups[g]![m]!;
  return out;
}

function metricsOf(stats: GroupStats, ctx: SnapshotContext): MetricRecord {
  const record: MetricRecord = groupMetrics(stats, ctx.metricOptions);
  for (const c of ctx.custom) record[c.key] = c.compute(stats);
  return record;
}

function disparitiesOf(
  names: readonly string[],
  groups: readonly MetricRecord[],
  overall: MetricRecord,
  stats: readonly GroupStats[],
  privileged: string | undefined,
  ctx: SnapshotContext,
): Record<string, Disparity> {
  const bases = disparityBaseMetrics(ctx.custom);
  const generic: Record<string, GenericDisparities> = {};
  for (const m of bases) generic[m] = genericDisparities(names, column(groups, m), overall[m]!);
  const sr = generic['selection_rate']!;
  const tpr = generic['true_positive_rate']!;
  const fpr = generic['false_positive_rate']!;
  const aif = aif360Disparities(names, stats, privileged);
  const alpha = ctx.metricOptions.generalizedEntropyAlpha;
  // One object literal for the named disparities (one allocation of a known shape): adding them one by one made
  // this, the bootstrap's most-called large function, take V8 ~0.2 s to optimize, twice (--trace-opt).
  const out: Record<string, Disparity> = {
    // Fairlearn demographic_parity_difference / _ratio: of selection_rate.
    demographic_parity_difference: sr.diff,
    demographic_parity_difference_to_overall: sr.diffAll,
    demographic_parity_ratio: sr.ratio,
    demographic_parity_ratio_to_overall: sr.ratioAll,
    // Fairlearn equalized_odds_difference / _ratio (agg = worst_case, and _mean for agg = mean).
    equalized_odds_difference: equalizedOdds(tpr.diff, fpr.diff, 'difference', 'worst_case'),
    equalized_odds_difference_mean: equalizedOdds(tpr.diff, fpr.diff, 'difference', 'mean'),
    equalized_odds_difference_to_overall: equalizedOdds(tpr.diffAll, fpr.diffAll, 'difference', 'worst_case'),
    equalized_odds_ratio: equalizedOdds(tpr.ratio, fpr.ratio, 'ratio', 'worst_case'),
    equalized_odds_ratio_mean: equalizedOdds(tpr.ratio, fpr.ratio, 'ratio', 'mean'),
    equalized_odds_ratio_to_overall: equalizedOdds(tpr.ratioAll, fpr.ratioAll, 'ratio', 'worst_case'),
    // Fairlearn equal_opportunity_difference / _ratio: of true_positive_rate.
    equal_opportunity_difference: tpr.diff,
    equal_opportunity_difference_to_overall: tpr.diffAll,
    equal_opportunity_ratio: tpr.ratio,
    equal_opportunity_ratio_to_overall: tpr.ratioAll,
    worst_group_accuracy: minimumOverGroups(names, column(groups, 'accuracy')),
    ece_gap: generic['ece']!.diff,
    statistical_parity_difference: aif.statistical_parity_difference,
    disparate_impact: aif.disparate_impact,
    aif360_equal_opportunity_difference: aif.aif360_equal_opportunity_difference,
    average_odds_difference: aif.average_odds_difference,
    // AIF360's names: between_group_* is privileged vs the pooled rest, between_all_groups_* keeps every group.
    between_group_theil_index: betweenGroupGeneralizedEntropy(names, stats, privileged, 1),
    between_group_generalized_entropy_index: betweenGroupGeneralizedEntropy(names, stats, privileged, alpha),
    between_all_groups_theil_index: betweenAllGroupsGeneralizedEntropy(stats, 1),
    between_all_groups_generalized_entropy_index: betweenAllGroupsGeneralizedEntropy(stats, alpha),
  };
  for (const m of bases) {
    const g = generic[m]!;
    const [k1, k2, k3, k4] = genericKeys(m);
    out[k1] = g.diff;
    out[k2] = g.diffAll;
    out[k3] = g.ratio;
    out[k4] = g.ratioAll;
  }
  return out;
}

/** Metrics of one model. */
export function modelSnapshot(stats: PartitionStats, ctx: SnapshotContext): Snapshot {
  const overallStats = stats.groups[0]![0]!;
  const overall = metricsOf(overallStats, ctx);
  const partitions: PartitionSnapshot[] = [];
  for (let p = 1; p < ctx.partitions.length; p++) {
    const partition = ctx.partitions[p]!;
    const groupStats = stats.groups[p]!;
    const groups = groupStats.map((s) => metricsOf(s, ctx));
    const disparities = disparitiesOf(
      disparityGroups(partition, partition.groupNames),
      disparityGroups(partition, groups),
      overall,
      disparityGroups(partition, groupStats),
      ctx.privileged[p],
      ctx,
    );
    partitions.push({ groups, disparities });
  }
  return { overall, partitions };
}

const accuracyOf = (s: GroupStats): Estimate => rate(s.tp + s.tn, s.weight, 'empty group (no rows)');
const difference = (a: number, b: number): number => a - b;

/**
 * Adds reference comparisons to the candidate snapshot, in place:
 * accuracy_drop_g = A_g,ref − A_g; excess accuracy gap ψ_g = (A_g,ref − A_g) − (A_ref − A)
 * (Hashemizadeh et al., ICLR 2024, "Balancing Act"); flip_rate_g = share of rows whose prediction changed
 * (Hooker et al. 2019, compression-identified exemplars).
 */
export function addReferenceComparisons(
  candidate: Snapshot,
  candidateStats: PartitionStats,
  referenceStats: PartitionStats,
  ctx: SnapshotContext,
): void {
  const overallDrop = combine(
    [accuracyOf(referenceStats.groups[0]![0]!), accuracyOf(candidateStats.groups[0]![0]!)],
    difference,
  );
  const overallCand = candidateStats.groups[0]![0]!;
  candidate.overall['accuracy_drop'] = overallDrop;
  candidate.overall['flip_rate'] = rate(overallCand.flips, overallCand.weight, 'empty group (no rows)');
  for (let p = 1; p < ctx.partitions.length; p++) {
    const partition = ctx.partitions[p]!;
    const names = disparityGroups(partition, partition.groupNames);
    const snap = candidate.partitions[p - 1]!;
    const cand = candidateStats.groups[p]!;
    const ref = referenceStats.groups[p]!;
    for (let g = 0; g < snap.groups.length; g++) {
      const record = snap.groups[g]!;
      const drop = combine([accuracyOf(ref[g]!), accuracyOf(cand[g]!)], difference);
      record['accuracy_drop'] = drop;
      record['excess_accuracy_gap'] = combine([drop, overallDrop], difference);
      record['flip_rate'] = rate(cand[g]!.flips, cand[g]!.weight, 'empty group (no rows)');
    }
    const groups = disparityGroups(partition, snap.groups);
    snap.disparities['max_accuracy_drop'] = maximumOverGroups(names, column(groups, 'accuracy_drop'));
    snap.disparities['max_excess_accuracy_gap'] = maximumOverGroups(names, column(groups, 'excess_accuracy_gap'));
    snap.disparities['max_flip_rate'] = maximumOverGroups(names, column(groups, 'flip_rate'));
  }
}

/** Visits every value in a fixed order (overall, then per partition: groups, then disparities). */
export function visitSnapshot(snapshot: Snapshot, visit: (estimate: Estimate) => void): void {
  for (const k in snapshot.overall) visit(snapshot.overall[k]!);
  for (const part of snapshot.partitions) {
    for (const g of part.groups) for (const k in g) visit(g[k]!);
    for (const k in part.disparities) visit(part.disparities[k]!);
  }
}

/** Same order as visitSnapshot, with a path: ['overall', metric] | [p, 'groups', g, metric] | [p, 'disparities', metric]. */
export function snapshotPaths(snapshot: Snapshot): string[] {
  const paths: string[] = [];
  for (const k in snapshot.overall) paths.push(`overall/${k}`);
  snapshot.partitions.forEach((part, p) => {
    part.groups.forEach((g, gi) => {
      for (const k in g) paths.push(`${p}/groups/${gi}/${k}`);
    });
    for (const k in part.disparities) paths.push(`${p}/disparities/${k}`);
  });
  return paths;
}
