// Which disparities are a max or min over groups, and over which components: the plan that lets the report give
// them the simultaneous interval (simultaneousInterval in bootstrap.ts) instead of a percentile interval of the
// resampled max, which sits above the estimate and under-covers near 0 (docs/fairness.md, Uncertainty).
import type { ExtremeShape } from './bootstrap.ts';
import type { Partition } from './groups.ts';

/** One component c_k of a max/min statistic: the value in slot `plus`, minus the value in slot `minus` if given. */
export interface MaxTypeComponent {
  plus: number;
  minus?: number;
}

export interface MaxTypePlan {
  shape: ExtremeShape;
  components: MaxTypeComponent[];
}

/** Named difference disparities and the group metric they are the difference of (snapshot.ts). */
const NAMED_DIFFERENCES: Record<string, readonly string[]> = {
  demographic_parity: ['selection_rate'],
  equal_opportunity: ['true_positive_rate'],
  // worst case of the two rates: the max over both sets of comparisons
  equalized_odds: ['true_positive_rate', 'false_positive_rate'],
};

/** Max/min over groups of one group metric (snapshot.ts, addReferenceComparisons). */
const OVER_GROUPS: Record<string, { shape: ExtremeShape; metric: string }> = {
  worst_group_accuracy: { shape: 'min', metric: 'accuracy' },
  max_accuracy_drop: { shape: 'max', metric: 'accuracy_drop' },
  max_excess_accuracy_gap: { shape: 'max', metric: 'excess_accuracy_gap' },
  max_flip_rate: { shape: 'max', metric: 'flip_rate' },
};

/**
 * The max/min-type disparities of a snapshot, by slot (the order of snapshotPaths), with their components' slots:
 * `m_difference` (and the named ones built on it, `ece_gap`) is max |m_g − m_h| over pairs of groups,
 * `m_difference_to_overall` max |m_g − m_overall| over groups, `equalized_odds_difference` the max over the TPR and
 * FPR comparisons together, `worst_group_accuracy` min_g accuracy_g, `max_*` max_g of the group value. Ratios, means
 * and the AIF360 privileged-vs-rest disparities are not in the plan (they keep the percentile interval).
 * @param bases metrics that get generic disparities (disparityBaseMetrics)
 */
export function maxTypePlans(
  paths: readonly string[],
  partitions: readonly Partition[],
  bases: readonly string[],
): Map<number, MaxTypePlan> {
  const slotOf = new Map(paths.map((path, slot) => [path, slot]));
  const plans = new Map<number, MaxTypePlan>();
  for (let i = 0; i + 1 < partitions.length; i++) {
    const partition = partitions[i + 1]!;
    // An 'adequate' view's disparities leave out its pooled group, the last one.
    const groups = partition.view?.kind === 'adequate' ? partition.view.pooled : partition.groupNames.length;
    const group = (g: number, m: string): number | undefined => slotOf.get(`${i}/groups/${g}/${m}`);
    const pairs = (m: string): (MaxTypeComponent | undefined)[] => {
      const out: (MaxTypeComponent | undefined)[] = [];
      for (let g = 0; g < groups; g++) {
        for (let h = g + 1; h < groups; h++) {
          const plus = group(g, m);
          const minus = group(h, m);
          out.push(plus === undefined || minus === undefined ? undefined : { plus, minus });
        }
      }
      return out;
    };
    const toOverall = (m: string): (MaxTypeComponent | undefined)[] => {
      const minus = slotOf.get(`overall/${m}`);
      return Array.from({ length: groups }, (_, g) => {
        const plus = group(g, m);
        return plus === undefined || minus === undefined ? undefined : { plus, minus };
      });
    };
    const add = (key: string, shape: ExtremeShape, components: (MaxTypeComponent | undefined)[]): void => {
      const slot = slotOf.get(`${i}/disparities/${key}`);
      // A missing slot means the snapshot lacks that value: the disparity keeps its percentile interval.
      if (slot === undefined || components.some((c) => c === undefined)) return;
      plans.set(slot, { shape, components: components as MaxTypeComponent[] });
    };
    for (const m of bases) {
      add(`${m}_difference`, 'max-abs', pairs(m));
      add(`${m}_difference_to_overall`, 'max-abs', toOverall(m));
    }
    for (const [name, metrics] of Object.entries(NAMED_DIFFERENCES)) {
      add(`${name}_difference`, 'max-abs', metrics.flatMap(pairs));
      add(`${name}_difference_to_overall`, 'max-abs', metrics.flatMap(toOverall));
    }
    add('ece_gap', 'max-abs', pairs('ece'));
    for (const [key, { shape, metric }] of Object.entries(OVER_GROUPS)) {
      add(
        key,
        shape,
        Array.from({ length: groups }, (_, g) => {
          const plus = group(g, metric);
          return plus === undefined ? undefined : { plus };
        }),
      );
    }
  }
  return plans;
}
