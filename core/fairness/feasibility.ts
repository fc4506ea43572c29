// Pre-flight feasibility: for each rubric constraint, the smallest effect each group's rows can resolve (the minimum
// detectable effect, MDE) against the room the threshold leaves, so a constraint that cannot pass at the planned
// sample size is known before a long campaign, with the rows each group would need. Pure: labels and group names of
// the rows the gates will judge in, a plain report out.
import type { Comparator, Rubric, RubricConstraint } from '../config/rubric.ts';
import { normalQuantile } from './power.ts';

/** The rates whose sampling variance is known before a model exists, and the rows each is a share of. */
const RATE_BASES = {
  accuracy: 'rows',
  selection_rate: 'rows',
  base_rate: 'rows',
  true_positive_rate: 'positives',
  false_negative_rate: 'positives',
  false_positive_rate: 'negatives',
  true_negative_rate: 'negatives',
  balanced_accuracy: 'balanced',
} as const;
type RateName = keyof typeof RATE_BASES;
const isRate = (m: string): m is RateName => m in RATE_BASES;

/** Fairlearn / AIF360 disparities by the rate(s) they compare and how two rates combine. */
const NAMED_DISPARITIES: Record<string, { rates: RateName[]; combine: 'worst' | 'mean'; ratio: boolean }> = {
  demographic_parity_difference: { rates: ['selection_rate'], combine: 'worst', ratio: false },
  statistical_parity_difference: { rates: ['selection_rate'], combine: 'worst', ratio: false },
  equal_opportunity_difference: { rates: ['true_positive_rate'], combine: 'worst', ratio: false },
  aif360_equal_opportunity_difference: { rates: ['true_positive_rate'], combine: 'worst', ratio: false },
  equalized_odds_difference: { rates: ['true_positive_rate', 'false_positive_rate'], combine: 'worst', ratio: false },
  equalized_odds_difference_mean: {
    rates: ['true_positive_rate', 'false_positive_rate'],
    combine: 'mean',
    ratio: false,
  },
  average_odds_difference: { rates: ['true_positive_rate', 'false_positive_rate'], combine: 'mean', ratio: false },
  demographic_parity_ratio: { rates: ['selection_rate'], combine: 'worst', ratio: true },
  disparate_impact: { rates: ['selection_rate'], combine: 'worst', ratio: true },
  equal_opportunity_ratio: { rates: ['true_positive_rate'], combine: 'worst', ratio: true },
  equalized_odds_ratio: { rates: ['true_positive_rate', 'false_positive_rate'], combine: 'worst', ratio: true },
};

/** How a constraint's statistic varies with a group's rows. */
type Plan =
  | { kind: 'rate'; rates: RateName[] } // one group's rate against the threshold (max/min over groups, overall)
  | { kind: 'difference' | 'ratio'; rates: RateName[]; combine: 'worst' | 'mean'; toOverall: boolean }
  | { kind: 'paired'; rates: RateName[]; excess: boolean } // a change vs the dense model, group by group
  | { kind: 'paired-difference'; rates: RateName[]; combine: 'worst' | 'mean'; toOverall: boolean };

function planOf(c: RubricConstraint): Plan | string {
  const m = c.metric;
  const relative = c.relative_to === 'reference';
  if (m === 'accuracy_drop' || m === 'max_accuracy_drop') return { kind: 'paired', rates: ['accuracy'], excess: false };
  if (m === 'excess_accuracy_gap' || m === 'max_excess_accuracy_gap')
    return { kind: 'paired', rates: ['accuracy'], excess: true };
  const grouped = c.attribute !== undefined || c.intersection !== undefined;
  if (!grouped || c.aggregation !== 'value') {
    if (!isRate(m)) return `${m} has no planning variance before a model exists (only rates do)`;
    return relative ? { kind: 'paired', rates: [m], excess: false } : { kind: 'rate', rates: [m] };
  }
  if (m === 'worst_group_accuracy') {
    return relative ? { kind: 'paired', rates: ['accuracy'], excess: false } : { kind: 'rate', rates: ['accuracy'] };
  }
  const toOverall = m.endsWith('_to_overall');
  const base = toOverall ? m.slice(0, -'_to_overall'.length) : m;
  let shape = NAMED_DISPARITIES[base];
  if (shape === undefined) {
    const generic = /^(.*)_(difference|ratio)$/.exec(base);
    if (generic !== null && isRate(generic[1]!))
      shape = { rates: [generic[1]], combine: 'worst', ratio: generic[2] === 'ratio' };
  }
  if (shape === undefined) return `${m} is not a difference or ratio of rates, so it has no planning variance`;
  if (!relative)
    return { kind: shape.ratio ? 'ratio' : 'difference', rates: shape.rates, combine: shape.combine, toOverall };
  if (shape.ratio) return `a change in ${m} relative to the reference has no planning variance here`;
  return { kind: 'paired-difference', rates: shape.rates, combine: shape.combine, toOverall };
}

/** Rows of one group in the split the gates judge on. */
interface Counts {
  rows: number;
  positives: number;
}

function effectiveRows(rate: RateName, k: Counts): number {
  const negatives = k.rows - k.positives;
  switch (RATE_BASES[rate]) {
    case 'rows':
      return k.rows;
    case 'positives':
      return k.positives;
    case 'negatives':
      return negatives;
    case 'balanced':
      // (TPR + TNR) / 2: variance p(1 − p)/4 · (1/P + 1/N), i.e. p(1 − p)/n with n = 4 / (1/P + 1/N)
      return k.positives > 0 && negatives > 0 ? 4 / (1 / k.positives + 1 / negatives) : 0;
  }
}

const UPPER: readonly Comparator[] = ['<=', '<'];

export interface FeasibilityOptions {
  /** Level of the gate's two-sided CIs (the report's ci_level). */
  ciLevel: number;
  /** Chance of passing when the true value sits an MDE inside the threshold. Default 0.8. */
  power?: number;
  /** Planned share of rows whose correctness changes between the dense and the compressed model. Default 0.05. */
  discordance?: number;
  /** Groups with fewer rows are not judged on their own (the report's min_group_size). */
  minGroupSize: number;
  /** Name of the split the rows come from, for messages. */
  split: string;
}

export interface GroupFeasibility {
  group: string;
  rows: number;
  /** Smallest true distance inside the threshold that passes with the given power; null with `reason` when none. */
  mde: number | null;
  /** true: the group can pass; false: it cannot at its planned rows; null: not judged (below min_group_size). */
  feasible: boolean | null;
  /** Rows of this split the group would need for mde ≤ headroom (other groups as planned); null when unreachable. */
  neededRows?: number | null;
  reason?: string;
}

export type FeasibilityStatus = 'feasible' | 'infeasible' | 'not-checked';

export interface ConstraintFeasibility {
  id: string;
  /** e.g. `equalized_odds_difference on sex` */
  target: string;
  comparator: Comparator;
  threshold: number;
  status: FeasibilityStatus;
  reason: string;
  /** Most favourable true value (0 for differences and changes, 1 for ratios, the end of [0, 1] for a rate). */
  ideal?: number;
  /** Distance from the ideal to the threshold, on the passing side. */
  headroom?: number;
  method?: string;
  groups: GroupFeasibility[];
}

export interface FeasibilityReport {
  split: string;
  rows: number;
  ci_level: number;
  power: number;
  discordance: number;
  min_group_size: number;
  constraints: ConstraintFeasibility[];
}

export interface FeasibilityInput {
  /** 0/1 label per row of the split the gates judge on. */
  labels: ArrayLike<number>;
  /** Sensitive attribute → group name per row. */
  groups: Record<string, readonly string[]>;
}

const METHODS: Record<Plan['kind'], string> = {
  rate: 'one proportion, normal approximation (Chow, Shao & Wang 2008, §4.1)',
  difference: 'two proportions, normal approximation (Fleiss, Levin & Paik 2003, ch. 4)',
  ratio: 'log ratio of two proportions, delta method (Katz et al. 1978)',
  paired: 'paired proportions, normal approximation (Connor 1987)',
  'paired-difference': 'paired proportions in each of two groups, normal approximation (Connor 1987)',
};

/**
 * The MDE of each group for every rubric constraint. A group's MDE is z·SE, z = z_{1−(1−L)/2} + z_power (the CI bound
 * the gate compares must clear the threshold; z_power alone for point_estimate constraints), with SE at planning
 * values: the threshold for a rate, the pooled base rate (selection_rate), max(b, 1 − b) (accuracy) or 0.5 (other
 * rates) for comparisons between groups, and the planned discordance d for changes vs the dense model:
 * SE² = d/n, and d(1 − n/N)/n for the excess accuracy gap ψ (its group and overall parts share rows).
 */
export function assessFeasibility(
  rubric: Rubric,
  input: FeasibilityInput,
  options: FeasibilityOptions,
): FeasibilityReport {
  const power = options.power ?? 0.8;
  const discordance = options.discordance ?? 0.05;
  const n = input.labels.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += input.labels[i]!;
  const overall: Counts = { rows: n, positives };
  const baseRate = n > 0 ? positives / n : 0.5;

  const countsOf = (c: RubricConstraint): Map<string, Counts> | string => {
    const members = c.intersection ?? (c.attribute === undefined ? [] : [c.attribute]);
    const columns = members.map((a) => input.groups[a]);
    const missing = members.filter((_, k) => columns[k] === undefined);
    if (missing.length > 0) return `no groups for ${missing.join(', ')} in the data`;
    const out = new Map<string, Counts>();
    for (let i = 0; i < n; i++) {
      const key = columns.map((col) => col![i]!).join('&');
      const k = out.get(key) ?? { rows: 0, positives: 0 };
      k.rows++;
      k.positives += input.labels[i]!;
      out.set(key, k);
    }
    return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  };

  const constraints = rubric.constraints.map((c): ConstraintFeasibility => {
    const target = `${c.metric}${c.attribute !== undefined ? ` on ${c.attribute}` : c.intersection !== undefined ? ` on ${c.intersection.join('&')}` : ''}${c.relative_to === 'reference' ? ' (vs dense)' : ''}`;
    const head = { id: c.id, target, comparator: c.comparator, threshold: c.threshold };
    const plan = planOf(c);
    if (typeof plan === 'string') return { ...head, status: 'not-checked', reason: plan, groups: [] };
    const uncertainty = c.uncertainty ?? rubric.uncertainty;
    const z =
      (uncertainty === 'point_estimate' ? 0 : normalQuantile(1 - (1 - options.ciLevel) / 2)) + normalQuantile(power);
    const upper = UPPER.includes(c.comparator);
    const ideal = plan.kind === 'ratio' ? 1 : plan.kind === 'rate' ? (upper ? 0 : 1) : 0;
    const headroom = upper ? c.threshold - ideal : ideal - c.threshold;
    const minGroupSize = c.min_group_size ?? rubric.min_group_size ?? options.minGroupSize;
    const grouped = c.attribute !== undefined || c.intersection !== undefined;
    const counts = grouped ? countsOf(c) : new Map([['overall', overall]]);
    if (typeof counts === 'string') return { ...head, status: 'not-checked', reason: counts, groups: [] };
    const extra = { ideal, headroom, method: METHODS[plan.kind] };
    if (plan.kind === 'ratio' && upper) {
      return {
        ...head,
        ...extra,
        status: 'not-checked',
        reason: 'only lower bounds on a ratio are checked',
        groups: [],
      };
    }

    const planning = (rate: RateName, k: Counts): number => {
      if (plan.kind === 'rate') return Math.min(1, Math.max(0, c.threshold));
      const b = k.rows > 0 ? k.positives / k.rows : baseRate;
      if (rate === 'selection_rate' || rate === 'base_rate') return b;
      if (rate === 'accuracy') return Math.max(b, 1 - b);
      return 0.5;
    };
    // Pairs for comparisons between groups: every group against the largest (the largest against the next).
    const bySize = [...counts].sort(([, a], [, b]) => b.rows - a.rows).map(([g]) => g);
    const partnerOf = (g: string): string | undefined => (g === bySize[0] ? bySize[1] : bySize[0]);

    /** z·SE of group g's statistic with its counts replaced by k; a string says why there is none. */
    const mdeOf = (g: string, k: Counts): number | string => {
      const partner = partnerOf(g);
      const partnerCounts = partner === undefined ? undefined : counts.get(partner)!;
      const total: Counts = { rows: n - counts.get(g)!.rows + k.rows, positives: 0 };
      const ses: number[] = [];
      for (const rate of plan.rates) {
        const nG = effectiveRows(rate, k);
        if (nG <= 0) return `no ${RATE_BASES[rate]} in the group, so its ${rate} is undefined`;
        let variance: number;
        if (plan.kind === 'rate') {
          const p = planning(rate, k);
          variance = (p * (1 - p)) / nG;
        } else if (plan.kind === 'paired') {
          variance = (discordance / nG) * (plan.excess ? 1 - k.rows / total.rows : 1);
        } else {
          const other = plan.toOverall ? undefined : partnerCounts;
          if (!plan.toOverall && other === undefined) return 'a single group: nothing to compare it with';
          const nOther = other === undefined ? effectiveRows(rate, overall) : effectiveRows(rate, other);
          if (nOther <= 0) return `no ${RATE_BASES[rate]} in ${plan.toOverall ? 'the split' : `group ${partner}`}`;
          // g is part of the overall rows: Var(p_g − p) = p(1 − p)(1/n_g − 1/N)
          const inverse = plan.toOverall ? Math.max(1 / nG - 1 / nOther, 0) : 1 / nG + 1 / nOther;
          if (plan.kind === 'paired-difference') variance = discordance * inverse;
          else {
            const pooled =
              other === undefined ? overall : { rows: k.rows + other.rows, positives: k.positives + other.positives };
            const p = planning(rate, pooled);
            if (plan.kind === 'ratio') {
              if (p <= 0) return `planned ${rate} is 0, so the ratio is undefined`;
              variance = ((1 - p) / p) * inverse; // Var(log p̂) ≈ (1 − p)/(n p)
            } else variance = p * (1 - p) * inverse;
          }
        }
        ses.push(Math.sqrt(variance));
      }
      const combined =
        'combine' in plan && plan.combine === 'mean'
          ? Math.sqrt(ses.reduce((a, s) => a + s * s, 0)) / ses.length
          : Math.max(...ses);
      if (plan.kind === 'ratio') return upper ? Math.exp(z * combined) - 1 : 1 - Math.exp(-z * combined);
      return z * combined;
    };

    const neededRows = (g: string, k: Counts): number | null => {
      const scaled = (rows: number): Counts => ({ rows, positives: Math.round((k.positives / k.rows) * rows) });
      const ok = (rows: number): boolean => {
        const m = mdeOf(g, scaled(rows));
        return typeof m === 'number' && m <= headroom;
      };
      const cap = 1e9;
      let hi = Math.max(k.rows, 1);
      while (!ok(hi)) {
        if (hi >= cap) return null;
        hi = Math.min(hi * 2, cap);
      }
      let lo = Math.max(Math.floor(hi / 2), 1);
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if (ok(mid)) hi = mid;
        else lo = mid + 1;
      }
      return hi;
    };

    const betweenGroups = plan.kind !== 'rate' && plan.kind !== 'paired' && !plan.toOverall;
    const groups: GroupFeasibility[] = [];
    for (const [g, k] of counts) {
      if (betweenGroups && g === bySize[0] && k.rows >= minGroupSize) {
        // Each comparison is counted once, on the smaller group of the pair.
        groups.push({
          group: g,
          rows: k.rows,
          mde: null,
          feasible: true,
          reason: 'the group the others are compared with',
        });
        continue;
      }
      if (grouped && k.rows < minGroupSize) {
        groups.push({
          group: g,
          rows: k.rows,
          mde: null,
          feasible: null,
          reason: `below min_group_size ${minGroupSize}: too few rows to be judged`,
        });
        continue;
      }
      const m = mdeOf(g, k);
      if (typeof m === 'string') {
        groups.push({ group: g, rows: k.rows, mde: null, feasible: false, neededRows: null, reason: m });
        continue;
      }
      const feasible = headroom > 0 && m <= headroom;
      const needed = feasible || headroom <= 0 ? null : neededRows(g, k);
      groups.push({
        group: g,
        rows: k.rows,
        mde: m,
        feasible,
        ...(feasible ? {} : { neededRows: needed }),
        ...(!feasible && needed === null && headroom > 0
          ? {
              reason: betweenGroups
                ? `more rows in this group alone do not suffice: ${partnerOf(g)} (the other side) is too small`
                : 'not reachable with up to 10^9 rows',
            }
          : {}),
      });
    }

    const judged = groups.filter((g) => g.feasible !== null);
    const failing = judged.filter((g) => g.feasible === false);
    const rule = `${c.comparator} ${c.threshold}`;
    if (headroom <= 0) {
      return {
        ...head,
        ...extra,
        status: 'infeasible',
        reason: `the threshold (${rule}) leaves no room beyond the most favourable value ${ideal}`,
        groups,
      };
    }
    if (judged.length < (betweenGroups ? 2 : 1)) {
      return {
        ...head,
        ...extra,
        status: 'infeasible',
        reason: `too few groups reach min_group_size ${minGroupSize} in the ${options.split} split`,
        groups,
      };
    }
    if (failing.length > 0) {
      const worst = failing.map((g) => {
        const why = g.mde === null ? (g.reason ?? '') : `MDE ${g.mde.toFixed(3)}`;
        const need = g.neededRows ? `, needs ~${g.neededRows}` : '';
        return `${g.group} (${g.rows} rows: ${why}${need})`;
      });
      return {
        ...head,
        ...extra,
        status: 'infeasible',
        reason: `room ${headroom.toFixed(3)} inside ${rule} is smaller than what ${worst.join(', ')} can resolve`,
        groups,
      };
    }
    return {
      ...head,
      ...extra,
      status: 'feasible',
      reason: `every judged group resolves less than the room ${headroom.toFixed(3)} inside ${rule}`,
      groups,
    };
  });

  return {
    split: options.split,
    rows: n,
    ci_level: options.ciLevel,
    power,
    discordance,
    min_group_size: options.minGroupSize,
    constraints,
  };
}

/** One line per infeasible constraint, naming the groups and the rows each would need. */
export function feasibilityWarnings(report: FeasibilityReport, rubric: Rubric): string[] {
  return report.constraints.flatMap((f) => {
    if (f.status !== 'infeasible') return [];
    const index = rubric.constraints.findIndex((c) => c.id === f.id);
    return [
      `rubric.constraints[${index}] (${f.id}): ${f.target} ${f.comparator} ${f.threshold} cannot pass on the ${report.split} split: ${f.reason}`,
    ];
  });
}

const pad = (cells: string[][]): string[] => {
  const widths = cells[0]!.map((_, j) => Math.max(...cells.map((row) => row[j]!.length)));
  return cells.map((row) =>
    row
      .map((cell, j) => cell.padEnd(widths[j]!))
      .join('  ')
      .trimEnd(),
  );
};

/** The report as a table: one row per constraint and group. */
export function formatFeasibility(report: FeasibilityReport): string[] {
  const rows: string[][] = [['constraint', 'target', 'rule', 'group', 'rows', 'MDE', 'room', 'verdict']];
  for (const f of report.constraints) {
    const rule = `${f.comparator} ${f.threshold}`;
    const room = f.headroom === undefined ? '' : f.headroom.toFixed(3);
    if (f.groups.length === 0) {
      rows.push([f.id, f.target, rule, '', '', '', room, `not checked: ${f.reason}`]);
      continue;
    }
    for (const g of f.groups) {
      const verdict =
        g.feasible === null
          ? (g.reason ?? 'not judged')
          : g.feasible
            ? 'ok'
            : g.neededRows
              ? `cannot pass: needs ~${g.neededRows} rows`
              : `cannot pass${g.reason ? `: ${g.reason}` : ''}`;
      rows.push([
        f.id,
        f.target,
        rule,
        g.group,
        String(g.rows),
        g.mde === null ? '-' : g.mde.toFixed(3),
        room,
        verdict,
      ]);
    }
  }
  return [
    `feasibility on the ${report.split} split (${report.rows} rows): ${Math.round(report.ci_level * 100)}% CI, power ${Math.round(report.power * 100)}%, planned discordance ${report.discordance} for changes vs dense`,
    ...pad(rows),
  ];
}
