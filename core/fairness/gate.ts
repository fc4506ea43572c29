// Rubric gate: pass | fail | insufficient-evidence per constraint and overall, each with a reason that
// cites the numbers. PURE: imports types only, so Temporal workflow code can import it.
import type { Comparator, Rubric, RubricConstraint, UncertaintyMode } from '../config/rubric.ts';
import type { DisparityValue, MetricValue, MetricValues } from './report-types.ts';

export type GateStatus = 'pass' | 'fail' | 'insufficient-evidence';

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
}

export interface GateDecision {
  rubric: string;
  status: GateStatus;
  reason: string;
  constraints: ConstraintDecision[];
}

interface EvidenceSection {
  groups: Record<string, MetricValues>;
  disparities: Record<string, DisparityValue>;
}

/** What the gate reads from a fairness report (a FairnessReport satisfies it). */
export interface GateEvidence {
  config: { ci_level: number; min_group_size: number };
  overall: MetricValues;
  attributes: Record<string, EvidenceSection & { members: string[]; group_info: Record<string, { rows: number }> }>;
  delta?: { overall: MetricValues; attributes: Record<string, EvidenceSection> };
}

const fmt = (x: number): string => {
  if (x === 0) return '0';
  const abs = Math.abs(x);
  return abs >= 1e-3 && abs < 1e6 ? String(Number(x.toPrecision(4))) : x.toExponential(3);
};

const holds = (x: number, comparator: Comparator, threshold: number): boolean =>
  comparator === '<='
    ? x <= threshold
    : comparator === '<'
      ? x < threshold
      : comparator === '>='
        ? x >= threshold
        : x > threshold;

/** For an upper-bound constraint the upper CI end is the unfavourable one; for a lower bound, the lower end. */
const upperBound = (comparator: Comparator): boolean => comparator === '<=' || comparator === '<';

function findAttribute(evidence: GateEvidence, c: RubricConstraint): string | undefined {
  if (c.attribute !== undefined) return c.attribute in evidence.attributes ? c.attribute : undefined;
  if (c.intersection === undefined) return undefined;
  const wanted = [...c.intersection].sort().join('\u0000');
  return Object.keys(evidence.attributes).find(
    (key) => [...evidence.attributes[key]!.members].sort().join('\u0000') === wanted,
  );
}

const describeTarget = (c: RubricConstraint): string => {
  const where = c.attribute ?? c.intersection?.join('&');
  return where === undefined ? c.metric : `${c.metric} on ${where}`;
};

/** One value to judge: the metric value, its CI and the groups that set it. */
interface Candidate {
  value: number;
  ci: [number, number] | null;
  groups: string[];
}

export function decideConstraint(rubric: Rubric, c: RubricConstraint, evidence: GateEvidence): ConstraintDecision {
  const uncertainty = c.uncertainty ?? rubric.uncertainty;
  const minGroupSize = c.min_group_size ?? rubric.min_group_size ?? evidence.config.min_group_size;
  const level = `${Math.round(evidence.config.ci_level * 100)}% CI`;
  const base = {
    id: c.id,
    comparator: c.comparator,
    threshold: c.threshold,
    uncertainty,
  };
  const undecided = (
    status: GateStatus,
    target: string,
    reason: string,
    extra: Partial<ConstraintDecision> = {},
  ): ConstraintDecision => ({
    ...base,
    status,
    target,
    reason,
    observed: null,
    ci: null,
    compared: null,
    ...extra,
  });

  const relative = c.relative_to === 'reference';
  const prefix = (path: string): string => (relative ? `delta.${path}` : path);
  const label = relative ? `${describeTarget(c)} (candidate − reference)` : describeTarget(c);
  if (relative && evidence.delta === undefined) {
    return undecided(
      'insufficient-evidence',
      prefix(c.metric),
      `${label}: the report has no reference model (pass --reference-score)`,
    );
  }
  const wantsAttribute = c.attribute !== undefined || c.intersection !== undefined;
  const attrKey = wantsAttribute ? findAttribute(evidence, c) : undefined;
  if (wantsAttribute && attrKey === undefined) {
    const asked = c.attribute ?? c.intersection!.join('&');
    return undecided(
      'insufficient-evidence',
      `attributes.${asked}`,
      `${label}: "${asked}" is not in the report (evaluated: ${Object.keys(evidence.attributes).join(', ')})`,
    );
  }

  if (attrKey !== undefined) {
    const groups = Object.keys(evidence.attributes[attrKey]!.group_info);
    if (groups.length < 2) {
      // Every row in one group (a filtered export, a constant column): no group can be compared with another.
      return undecided(
        'insufficient-evidence',
        `attributes.${attrKey}`,
        `${label}: "${attrKey}" has a single group (${groups.join(', ') || 'none'}) in the data, so there is nothing to compare; evaluate data with at least two groups`,
      );
    }
  }

  let candidate: Candidate | undefined;
  let target: string;
  if (attrKey === undefined) {
    target = prefix(`overall.${c.metric}`);
    const mv = relative ? evidence.delta!.overall[c.metric] : evidence.overall[c.metric];
    if (mv === undefined)
      return undecided('insufficient-evidence', target, `${label}: no such metric in the report (${target})`);
    if (mv.value === null)
      return undecided('insufficient-evidence', target, `${label} is undefined: ${mv.reason ?? 'no reason given'}`);
    candidate = { value: mv.value, ci: mv.ci, groups: [] };
  } else {
    const attribute = evidence.attributes[attrKey]!;
    const section: EvidenceSection = relative ? evidence.delta!.attributes[attrKey]! : attribute;
    if (c.aggregation === 'value') {
      target = prefix(`attributes.${attrKey}.disparities.${c.metric}`);
      const mv = section.disparities[c.metric];
      if (mv === undefined)
        return undecided('insufficient-evidence', target, `${label}: no such disparity in the report (${target})`);
      if (mv.value === null)
        return undecided('insufficient-evidence', target, `${label} is undefined: ${mv.reason ?? 'no reason given'}`);
      const setBy = (mv.pair ?? attribute.disparities[c.metric]?.pair ?? []).filter((g) => g in attribute.group_info);
      const excluded = mv.excluded ?? attribute.disparities[c.metric]?.excluded ?? [];
      if (excluded.length > 0 && c.undefined_groups === 'insufficient-evidence') {
        return undecided(
          'insufficient-evidence',
          target,
          `${label} = ${fmt(mv.value)} leaves out group(s) ${excluded.join(', ')} where the metric is undefined; set undefined_groups: ignore to decide without them`,
          { observed: mv.value, ci: mv.ci },
        );
      }
      candidate = { value: mv.value, ci: mv.ci, groups: setBy };
    } else {
      target = prefix(`attributes.${attrKey}.groups.*.${c.metric}`);
      const useMax = c.aggregation === 'max';
      const entries: { group: string; mv: MetricValue }[] = [];
      for (const [group, metrics] of Object.entries(section.groups)) {
        const mv = metrics[c.metric];
        if (mv === undefined)
          return undecided('insufficient-evidence', target, `${label}: no such group metric in the report (${target})`);
        if (mv.value === null) {
          if (c.undefined_groups === 'insufficient-evidence') {
            return undecided(
              'insufficient-evidence',
              target,
              `${label}: undefined for group ${group}: ${mv.reason ?? 'no reason given'}`,
            );
          }
          continue;
        }
        entries.push({ group, mv });
      }
      if (entries.length === 0)
        return undecided('insufficient-evidence', target, `${label}: undefined for every group`);
      // The group whose compared number is extreme decides: max of values (or of CI ends) for "max".
      const keyOf = (mv: MetricValue): number => {
        if (uncertainty === 'point_estimate' || mv.ci === null) return mv.value!;
        return upperBound(c.comparator) ? mv.ci[1] : mv.ci[0];
      };
      let best = entries[0]!;
      for (const e of entries) if (useMax ? keyOf(e.mv) > keyOf(best.mv) : keyOf(e.mv) < keyOf(best.mv)) best = e;
      const pickCi = (k: 0 | 1): number => {
        const ends = entries.map((e) => e.mv.ci?.[k] ?? NaN);
        return useMax ? Math.max(...ends) : Math.min(...ends);
      };
      const lo = pickCi(0);
      const hi = pickCi(1);
      candidate = {
        value: best.mv.value!,
        ci: Number.isNaN(lo) || Number.isNaN(hi) ? null : [lo, hi],
        groups: [best.group],
      };
      if (uncertainty !== 'point_estimate') {
        // Report the extreme value over groups, with the extreme CI ends (a per-group, not simultaneous, interval).
        const values = entries.map((e) => e.mv.value!);
        candidate.value = useMax ? Math.max(...values) : Math.min(...values);
      }
    }
    const small = candidate.groups.filter((g) => (attribute.group_info[g]?.rows ?? Infinity) < minGroupSize);
    if (small.length > 0) {
      const sizes = small.map((g) => `${g} (${attribute.group_info[g]!.rows} rows)`).join(', ');
      return undecided(
        'insufficient-evidence',
        target,
        `${label} = ${fmt(candidate.value)} is set by ${sizes}, below min_group_size ${minGroupSize}: too few rows to decide`,
        { observed: candidate.value, ci: candidate.ci, groups: candidate.groups },
      );
    }
  }

  const { value, ci, groups } = candidate;
  const extra = { observed: value, ci, ...(groups.length > 0 ? { groups } : {}) };
  const setBy = groups.length > 0 ? `, set by ${groups.join(' vs ')}` : '';
  const ciText = ci === null ? 'no CI' : `${level} [${fmt(ci[0])}, ${fmt(ci[1])}]`;
  const head = `${label} = ${fmt(value)} (${ciText}${setBy})`;
  const rule = `${c.comparator} ${fmt(c.threshold)}`;
  if (uncertainty === 'point_estimate') {
    const ok = holds(value, c.comparator, c.threshold);
    return {
      ...base,
      ...extra,
      target,
      compared: value,
      status: ok ? 'pass' : 'fail',
      reason: `${head}; point estimate ${fmt(value)} ${ok ? 'satisfies' : 'violates'} ${rule}`,
    };
  }
  if (ci === null) {
    return undecided(
      'insufficient-evidence',
      target,
      `${head}; the constraint uses the CI but there is none (run with --bootstrap > 0)`,
      extra,
    );
  }
  const unfavourable = upperBound(c.comparator) ? ci[1] : ci[0];
  const favourable = upperBound(c.comparator) ? ci[0] : ci[1];
  const side = upperBound(c.comparator) ? 'upper' : 'lower';
  if (holds(unfavourable, c.comparator, c.threshold)) {
    return {
      ...base,
      ...extra,
      target,
      compared: unfavourable,
      status: 'pass',
      reason: `${head}; CI ${side} bound ${fmt(unfavourable)} satisfies ${rule}`,
    };
  }
  if (uncertainty === 'ci_bound' || !holds(favourable, c.comparator, c.threshold)) {
    const why =
      uncertainty === 'ci_bound'
        ? `CI ${side} bound ${fmt(unfavourable)} violates ${rule}`
        : `the whole CI violates ${rule}`;
    return {
      ...base,
      ...extra,
      target,
      compared: uncertainty === 'ci_bound' ? unfavourable : favourable,
      status: 'fail',
      reason: `${head}; ${why}`,
    };
  }
  return {
    ...base,
    ...extra,
    target,
    compared: null,
    status: 'insufficient-evidence',
    reason: `${head}; the CI straddles the threshold (${rule}): collect more data or relax the constraint`,
  };
}

export function decideGate(rubric: Rubric, evidence: GateEvidence): GateDecision {
  const constraints = rubric.constraints.map((c) => decideConstraint(rubric, c, evidence));
  const failed = constraints.filter((d) => d.status === 'fail');
  const unsure = constraints.filter((d) => d.status === 'insufficient-evidence');
  const total = constraints.length;
  const ids = (ds: ConstraintDecision[]): string => ds.map((d) => d.id).join(', ');
  if (failed.length > 0) {
    return {
      rubric: rubric.name,
      status: 'fail',
      reason: `${failed.length} of ${total} constraints fail (${ids(failed)})${unsure.length > 0 ? `; ${unsure.length} lack evidence (${ids(unsure)})` : ''}`,
      constraints,
    };
  }
  if (unsure.length > 0) {
    return {
      rubric: rubric.name,
      status: 'insufficient-evidence',
      reason: `no constraint fails, but ${unsure.length} of ${total} lack evidence (${ids(unsure)})`,
      constraints,
    };
  }
  return { rubric: rubric.name, status: 'pass', reason: `all ${total} constraints pass`, constraints };
}

/**
 * Levenshtein distance (Levenshtein 1966): the fewest insertions, deletions and substitutions from a to b, for "did
 * you mean" hints. Here because this module may import types only (workflow code imports it).
 */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

function suggest(name: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(3, Math.floor(name.length / 4)) ? ` (did you mean "${best}"?)` : '';
}

/**
 * Rubric/report mismatches a user should fix before trusting a gate: unknown attributes, intersections or
 * metrics (with a "did you mean"). Empty when the rubric fits the report.
 */
export function rubricReportMismatches(rubric: Rubric, evidence: GateEvidence): string[] {
  const problems: string[] = [];
  const attrs = Object.keys(evidence.attributes);
  rubric.constraints.forEach((c, i) => {
    const at = `constraints[${i}] (${c.id})`;
    if (c.attribute !== undefined && !(c.attribute in evidence.attributes)) {
      problems.push(
        `${at}: attribute "${c.attribute}" is not in the report${suggest(c.attribute, attrs)}; evaluated: ${attrs.join(', ')}. Fix: add it to --sensitive`,
      );
      return;
    }
    if (c.intersection !== undefined && findAttribute(evidence, c) === undefined) {
      problems.push(
        `${at}: intersection ${c.intersection.join('&')} is not in the report. Fix: pass --intersections and list each member in --sensitive`,
      );
      return;
    }
    const key = findAttribute(evidence, c);
    let known: string[];
    if (key === undefined) known = Object.keys(evidence.overall);
    else if (c.aggregation === 'value') known = Object.keys(evidence.attributes[key]!.disparities);
    else known = Object.keys(Object.values(evidence.attributes[key]!.groups)[0] ?? {});
    if (c.relative_to === 'reference' && evidence.delta === undefined) {
      problems.push(`${at}: relative_to reference needs reference scores. Fix: pass --reference-score <column>`);
      return;
    }
    if (!known.includes(c.metric)) {
      const kind = key === undefined ? 'overall metric' : c.aggregation === 'value' ? 'disparity' : 'group metric';
      problems.push(
        `${at}: "${c.metric}" is not a ${kind} in the report${suggest(c.metric, known)}. Fix: see docs/fairness.md for metric names`,
      );
    }
  });
  return problems;
}
