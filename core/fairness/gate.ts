// Rubric gate: pass | fail | insufficient-evidence per constraint and overall, each with a reason that
// cites the numbers. PURE: imports types only, so Temporal workflow code can import it.
import type { Comparator, Rubric, RubricConstraint, SmallGroupPolicy, UncertaintyMode } from '../config/rubric.ts';
import type { ConstraintDecision, GateDecision, SmallGroup } from './gate-types.ts';
import type {
  GroupsAndDisparities,
  MetricValue,
  MetricValues,
  SmallGroupPool,
  SmallGroupView,
} from './report-types.ts';

export type { ConstraintDecision, GateDecision, GateStatus, SmallGroup } from './gate-types.ts';

interface EvidenceSection extends GroupsAndDisparities {
  small_group_views?: Record<string, SmallGroupView>;
}

/** What the gate reads from a fairness report (a FairnessReport satisfies it). */
export interface GateEvidence {
  config: { ci_level: number; min_group_size: number };
  overall: MetricValues;
  attributes: Record<
    string,
    EvidenceSection & {
      members: string[];
      group_info: Record<string, { rows: number }>;
      small_group_pools?: Record<string, SmallGroupPool>;
    }
  >;
  delta?: { overall: MetricValues; attributes: Record<string, EvidenceSection> };
}

export const DEFAULT_SMALL_GROUP_POLICY: SmallGroupPolicy = 'insufficient';

/** The minimum group size a constraint applies: its own, else the rubric's, else the report's. */
export const minGroupSizeOf = (rubric: Rubric, c: RubricConstraint, reportMinimum: number): number =>
  c.min_group_size ?? rubric.min_group_size ?? reportMinimum;

/** Every minimum group size a rubric's constraints use (the report needs a small-group view at each). */
export function rubricMinGroupSizes(rubric: Rubric): number[] {
  const sizes = new Set<number>();
  for (const c of rubric.constraints) {
    const size = c.min_group_size ?? rubric.min_group_size;
    if (size !== undefined) sizes.add(size);
  }
  return [...sizes].sort((a, b) => a - b);
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

const listGroups = (groups: readonly SmallGroup[]): string =>
  groups.map((g) => `${g.group} (${g.rows} rows)`).join(', ');

/** One value to judge: the metric value, its CI and the groups that set it. */
interface Candidate {
  value: number;
  ci: [number, number] | null;
  groups: string[];
}

/** What every decision of one constraint shares. */
interface Judge {
  c: RubricConstraint;
  uncertainty: UncertaintyMode;
  level: string;
  label: string;
  base: Pick<ConstraintDecision, 'id' | 'comparator' | 'threshold' | 'uncertainty'>;
}

function undecided(
  j: Judge,
  target: string,
  reason: string,
  extra: Partial<ConstraintDecision> = {},
): ConstraintDecision {
  return {
    ...j.base,
    status: 'insufficient-evidence',
    target,
    reason,
    observed: null,
    ci: null,
    compared: null,
    ...extra,
  };
}

/** Compares one value (or its CI end) with the threshold. */
function judge(j: Judge, target: string, candidate: Candidate): ConstraintDecision {
  const { c, uncertainty, level, label, base } = j;
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
      j,
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

/** How bad a decision is for the constraint: fail, then undecided, then pass; among equals the worse number. */
function worse(a: ConstraintDecision, b: ConstraintDecision, c: RubricConstraint): boolean {
  const rank = (d: ConstraintDecision): number =>
    d.status === 'fail' ? 2 : d.status === 'insufficient-evidence' ? 1 : 0;
  if (rank(a) !== rank(b)) return rank(a) > rank(b);
  const x = a.compared ?? a.observed ?? 0;
  const y = b.compared ?? b.observed ?? 0;
  return upperBound(c.comparator) ? x > y : x < y;
}

/**
 * Decides the constraint on one section (all groups, the adequate ones, or with small groups pooled). Disparities
 * are judged as they are; a group metric (aggregation max/min) is judged group by group, and the worst group
 * decides: any failing group fails the constraint.
 */
function decideOnSection(
  j: Judge,
  section: GroupsAndDisparities,
  path: string,
  pairFallback: GroupsAndDisparities,
): ConstraintDecision {
  const { c, label } = j;
  if (c.aggregation === 'value') {
    const target = `${path}.disparities.${c.metric}`;
    const mv = section.disparities[c.metric];
    if (mv === undefined) return undecided(j, target, `${label}: no such disparity in the report (${target})`);
    if (mv.value === null) return undecided(j, target, `${label} is undefined: ${mv.reason ?? 'no reason given'}`);
    const setBy = (mv.pair ?? pairFallback.disparities[c.metric]?.pair ?? []).filter((g) => g !== 'overall');
    const excluded = mv.excluded ?? [];
    if (excluded.length > 0 && c.undefined_groups === 'insufficient-evidence') {
      return undecided(
        j,
        target,
        `${label} = ${fmt(mv.value)} leaves out group(s) ${excluded.join(', ')} where the metric is undefined; set undefined_groups: ignore to decide without them`,
        { observed: mv.value, ci: mv.ci },
      );
    }
    return judge(j, target, { value: mv.value, ci: mv.ci, groups: setBy });
  }
  const target = `${path}.groups.*.${c.metric}`;
  let decision: ConstraintDecision | undefined;
  for (const [group, metrics] of Object.entries(section.groups)) {
    const mv: MetricValue | undefined = metrics[c.metric];
    if (mv === undefined) return undecided(j, target, `${label}: no such group metric in the report (${target})`);
    if (mv.value === null) {
      if (c.undefined_groups === 'insufficient-evidence') {
        return undecided(j, target, `${label}: undefined for group ${group}: ${mv.reason ?? 'no reason given'}`);
      }
      continue;
    }
    const d = judge(j, target, { value: mv.value, ci: mv.ci, groups: [group] });
    if (decision === undefined || worse(d, decision, c)) decision = d;
  }
  return decision ?? undecided(j, target, `${label}: undefined for every group`);
}

const setByAny = (d: ConstraintDecision, small: readonly SmallGroup[]): boolean =>
  (d.groups ?? []).some((g) => small.some((s) => s.group === g));

/** Adds the small-group facts to a decision, and a sentence about them to its reason. */
function withSmallGroups(
  d: ConstraintDecision,
  facts: Pick<ConstraintDecision, 'small_groups' | 'min_group_size' | 'below_minimum' | 'pooled_group'>,
  note: string,
): ConstraintDecision {
  return { ...d, ...facts, reason: note === '' ? d.reason : `${d.reason}; ${note}` };
}

export function decideConstraint(rubric: Rubric, c: RubricConstraint, evidence: GateEvidence): ConstraintDecision {
  const uncertainty = c.uncertainty ?? rubric.uncertainty;
  const minGroupSize = minGroupSizeOf(rubric, c, evidence.config.min_group_size);
  const relative = c.relative_to === 'reference';
  const prefix = (path: string): string => (relative ? `delta.${path}` : path);
  const label = relative ? `${describeTarget(c)} (candidate − reference)` : describeTarget(c);
  const j: Judge = {
    c,
    uncertainty,
    level: `${Math.round(evidence.config.ci_level * 100)}% CI`,
    label,
    base: { id: c.id, comparator: c.comparator, threshold: c.threshold, uncertainty },
  };

  if (relative && evidence.delta === undefined) {
    return undecided(j, prefix(c.metric), `${label}: the report has no reference model (pass --reference-score)`);
  }
  const wantsAttribute = c.attribute !== undefined || c.intersection !== undefined;
  const attrKey = wantsAttribute ? findAttribute(evidence, c) : undefined;
  if (wantsAttribute && attrKey === undefined) {
    const asked = c.attribute ?? c.intersection!.join('&');
    return undecided(
      j,
      `attributes.${asked}`,
      `${label}: "${asked}" is not in the report (evaluated: ${Object.keys(evidence.attributes).join(', ')})`,
    );
  }

  if (attrKey === undefined) {
    const target = prefix(`overall.${c.metric}`);
    const mv = relative ? evidence.delta!.overall[c.metric] : evidence.overall[c.metric];
    if (mv === undefined) return undecided(j, target, `${label}: no such metric in the report (${target})`);
    if (mv.value === null) return undecided(j, target, `${label} is undefined: ${mv.reason ?? 'no reason given'}`);
    return judge(j, target, { value: mv.value, ci: mv.ci, groups: [] });
  }

  const attribute = evidence.attributes[attrKey]!;
  const groupNames = Object.keys(attribute.group_info);
  if (groupNames.length < 2) {
    // Every row in one group (a filtered export, a constant column): no group can be compared with another.
    return undecided(
      j,
      `attributes.${attrKey}`,
      `${label}: "${attrKey}" has a single group (${groupNames.join(', ') || 'none'}) in the data, so there is nothing to compare; evaluate data with at least two groups`,
    );
  }
  const section: EvidenceSection = relative ? evidence.delta!.attributes[attrKey]! : attribute;
  const path = prefix(`attributes.${attrKey}`);
  const policy = c.small_groups ?? rubric.small_groups ?? DEFAULT_SMALL_GROUP_POLICY;
  const small: SmallGroup[] = groupNames
    .map((group) => ({ group, rows: attribute.group_info[group]!.rows }))
    .filter((g) => g.rows < minGroupSize);
  const facts = { small_groups: policy, min_group_size: minGroupSize };
  if (small.length === 0) return withSmallGroups(decideOnSection(j, section, path, attribute), facts, '');

  const below = { ...facts, below_minimum: small };
  const key = String(minGroupSize);
  const view = section.small_group_views?.[key];
  const listed = `${small.length === 1 ? 'group' : 'groups'} below min_group_size ${minGroupSize}: ${listGroups(small)}`;
  const adequateOnly = (): ConstraintDecision | undefined => {
    if (view !== undefined)
      return decideOnSection(j, view.adequate, `${path}.small_group_views.${key}.adequate`, attribute);
    if (c.aggregation !== 'value') {
      const adequate = Object.fromEntries(
        Object.entries(section.groups).filter(([g]) => !small.some((s) => s.group === g)),
      );
      return decideOnSection(j, { groups: adequate, disparities: {} }, path, attribute);
    }
    // An older report, or one evaluated with another min_group_size: a disparity set by adequate groups only
    // has the same value without the small ones; one set by a small group cannot be recomputed here.
    const all = decideOnSection(j, section, path, attribute);
    return setByAny(all, small) ? undefined : all;
  };
  const noView = `the report has no view of ${attrKey} without its groups below ${minGroupSize} rows (evaluate with --min-group-size ${minGroupSize}, or give the rubric's min_group_size to the evaluation)`;

  if (policy === 'exclude') {
    const d = adequateOnly();
    if (d === undefined) return undecided(j, path, `${label}: ${noView}; ${listed}`, below);
    return withSmallGroups(d, below, `excluded (not judged, never passed on their behalf) ${listed}`);
  }

  if (policy === 'pool') {
    const pool = attribute.small_group_pools?.[key];
    if (view === undefined || pool === undefined) return undecided(j, path, `${label}: ${noView}; ${listed}`, below);
    const pooled = { ...below, pooled_group: pool.pooled_group };
    const pooledPath = `${path}.small_group_views.${key}.pooled`;
    const merged = `${listGroups(small)} pooled into ${pool.pooled_group.group} (${pool.pooled_group.rows} rows)`;
    if (pool.pooled_group.rows >= minGroupSize) {
      return withSmallGroups(decideOnSection(j, view.pooled, pooledPath, attribute), pooled, merged);
    }
    // The pool is itself too small: it is the one small group, judged as under 'insufficient'.
    const adequate = adequateOnly()!;
    const all = decideOnSection(j, view.pooled, pooledPath, attribute);
    if (adequate.status === 'fail')
      return withSmallGroups(adequate, pooled, `not judged: ${merged}, still below ${minGroupSize}`);
    if (setByAny(all, [pool.pooled_group])) {
      return undecided(
        j,
        pooledPath,
        `${label}: no group at or above min_group_size ${minGroupSize} fails, but the pool of the small groups could not be judged: ${merged}, below ${minGroupSize}; collect more rows`,
        { ...pooled, observed: all.observed, ci: all.ci, ...(all.groups ? { groups: all.groups } : {}) },
      );
    }
    return withSmallGroups(adequate, pooled, `${merged} (below ${minGroupSize}) does not set the value`);
  }

  // 'insufficient': a failure among adequate groups is a failure; small groups that set the value leave it open.
  const adequate = adequateOnly();
  const all = decideOnSection(j, section, path, attribute);
  if (adequate?.status === 'fail') return withSmallGroups(adequate, below, `not judged: ${listed}`);
  if (adequate === undefined || setByAny(all, small)) {
    const judged = adequate === undefined ? noView : `no group at or above min_group_size ${minGroupSize} fails`;
    return undecided(
      j,
      all.target,
      `${label}: ${judged}, but ${small.length === 1 ? 'a group' : 'groups'} below it could not be judged: ${listGroups(small)}; set small_groups: exclude or pool, or collect more rows`,
      { ...below, observed: all.observed, ci: all.ci, ...(all.groups ? { groups: all.groups } : {}) },
    );
  }
  return withSmallGroups(adequate, below, `${listed} (${small.length === 1 ? 'does' : 'do'} not set the value)`);
}

export function decideGate(rubric: Rubric, evidence: GateEvidence): GateDecision {
  const constraints = rubric.constraints.map((c) => decideConstraint(rubric, c, evidence));
  const failed = constraints.filter((d) => d.status === 'fail');
  const unsure = constraints.filter((d) => d.status === 'insufficient-evidence');
  const total = constraints.length;
  const ids = (ds: ConstraintDecision[]): string => ds.map((d) => d.id).join(', ');
  const small_groups = rubric.small_groups ?? DEFAULT_SMALL_GROUP_POLICY;
  if (failed.length > 0) {
    return {
      rubric: rubric.name,
      small_groups,
      status: 'fail',
      reason: `${failed.length} of ${total} constraints fail (${ids(failed)})${unsure.length > 0 ? `; ${unsure.length} lack evidence (${ids(unsure)})` : ''}`,
      constraints,
    };
  }
  if (unsure.length > 0) {
    return {
      rubric: rubric.name,
      small_groups,
      status: 'insufficient-evidence',
      reason: `no constraint fails, but ${unsure.length} of ${total} lack evidence (${ids(unsure)})`,
      constraints,
    };
  }
  return { rubric: rubric.name, small_groups, status: 'pass', reason: `all ${total} constraints pass`, constraints };
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

/** ` (did you mean "x"?)` for the closest known name within a few edits, else ''. */
export function didYouMean(name: string, known: readonly string[]): string {
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
        `${at}: attribute "${c.attribute}" is not in the report${didYouMean(c.attribute, attrs)}; evaluated: ${attrs.join(', ')}. Fix: add it to --sensitive`,
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
        `${at}: "${c.metric}" is not a ${kind} in the report${didYouMean(c.metric, known)}. Fix: see docs/fairness.md for metric names`,
      );
    }
  });
  return problems;
}
