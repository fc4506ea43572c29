// Everything the campaign report shows, gathered from S3 into one plain object: the decision log, the lineage
// manifest, and for every evaluated step (baseline, each milestone attempt, quantize) the metrics the charts need
// (read from report.json), its gate decision (gate.json), its deployed size (the evaluate step's result.json), its
// reliability bins (calibration.json) and measured latency (latency.json), and its checkpoint. A running campaign
// simply has fewer steps; a rejected attempt is kept and marked rejected; campaigns evaluated before calibration.json
// and latency.json existed are read without them (with a note).
import type { CheckpointRef, DecisionEntry, MetricSummary, SizeSummary } from '../campaign/contracts.ts';
import { readDecisionLog } from '../campaign/decision-log.ts';
import { campaignOutcome } from '../campaign/summary.ts';
import type { ReliabilityData } from '../fairness/calibration-curve.ts';
import type { GateDecision } from '../fairness/gate.ts';
import type { FairnessReport, MetricValue, MetricValues } from '../fairness/report-types.ts';
import type { ArtifactRef } from '../storage/ref.ts';
import { readHeldOutSection, readShippedSection, type HeldOutSection, type ShippedSection } from './final-sections.ts';

/** Step key of the held-out evaluation (workflows/campaign.ts judgeHeldOut). */
const HELD_OUT_STEP = 'held-out';

/** The storage a report needs; core/storage's ArtifactStore satisfies it. */
export interface ReportStore {
  bucket: string;
  uriOf(key: string): string;
  list(prefix: string): Promise<{ key: string; bytes: number }[]>;
  getByKey(key: string): Promise<{ bytes: Uint8Array; ref: ArtifactRef }>;
  put(
    key: string,
    bytes: Uint8Array,
    opts?: { contentType?: string; mode?: 'immutable' | 'mutable' },
  ): Promise<ArtifactRef>;
}

/** A metric as the report gives it: undefined values stay null, with the report's reason. */
export interface MetricPoint {
  value: number | null;
  ci: [number, number] | null;
  reason?: string;
}

/** Metrics of one model section, restricted to the metrics the report charts. */
export interface SectionMetrics {
  overall: Record<string, MetricPoint>;
  /** attribute → group → metric → point. */
  groups: Record<string, Record<string, Record<string, MetricPoint>>>;
}

/** The evaluate step's calibration.json: reliability bins of the evaluated model and of its reference (the dense baseline). */
export interface StepCalibration {
  split: string;
  bins: number;
  candidate: ReliabilityData;
  /** null when the step was not compared with a reference (the baseline itself). */
  reference: ReliabilityData | null;
}

/** The evaluate step's latency.json: measured wall-clock inference time (varies between runs; never gated on). */
export interface StepLatency {
  msPer1000Rows: number;
  /** Rows per timed call and number of timed calls (the median is reported). */
  rowsPerCall: number;
  repeats: number;
  forward: string;
  backend: string;
}

export type StepKind = 'baseline' | 'milestone' | 'quantize';
/** accepted: became (or stayed) the last good model; rejected: its gate failed and it was rolled back; pending: no verdict yet. */
export type StepOutcome = 'accepted' | 'rejected' | 'pending';

export interface EvaluatedStep {
  /** "baseline", "milestone-2/attempt-1" or "quantize": the folder holding evaluate/ and gate/. */
  stepKey: string;
  kind: StepKind;
  milestone: number | null;
  attempt: number | null;
  /** Short axis label: "baseline", "M2.1", "int8". */
  label: string;
  /** Achieved sparsity of the evaluated checkpoint, when its step result was found. */
  sparsity: number | null;
  targetSparsity: number | null;
  outcome: StepOutcome;
  rejectionReasons: string[];
  rows: number;
  size: SizeSummary | null;
  /** Reliability bins from calibration.json; null for steps evaluated before it was written. */
  calibration: StepCalibration | null;
  /** Measured inference latency from latency.json; null for steps evaluated before it was written. */
  latency: StepLatency | null;
  summary: MetricSummary | null;
  checkpoint: CheckpointRef | null;
  candidate: SectionMetrics;
  /** Candidate − reference (the dense baseline), for steps evaluated against it. */
  delta: SectionMetrics | null;
  /** Groups per attribute with their row counts on the evaluation split. */
  groupRows: Record<string, Record<string, number>>;
  ciLevel: number;
  gate: GateDecision | null;
  /** Paths (relative to the campaign folder) of the files this step was read from. */
  sources: string[];
}

/** lineage.json as core/campaign/decisions.ts writes it (the parts the report shows). */
export interface LineageManifest {
  format: string;
  campaignId: string;
  name: string;
  status: 'running' | 'completed' | 'stopped' | 'failed';
  config: { sha256: string; seed: number };
  data: {
    spec?: ArtifactRef;
    sources?: { path: string; ref: ArtifactRef }[];
    datasetId?: string;
    rawSha256?: string;
    specSha256?: string;
    rows?: { train: number; validation: number; test: number };
    features?: number;
  };
  code: { gitCommit: string | null; gitDirty: boolean | null; lockfileSha256: string | null };
  seedTree: { root: number; derivation: string; steps: { stepKey: string; seeds: Record<string, number> }[] };
  environment: Record<string, string | number | boolean | null>;
  checkpoints: {
    stepKey: string;
    sha256: Record<string, string>;
    sparsity: number;
    parameters: number;
    nonzeros: number;
  }[];
  finalCheckpoint?: { stepKey: string; sha256: Record<string, string>; sparsity: number };
  heldOut?: { split: string; checkpoint: string; status: string };
}

export type CampaignStatus = 'running' | 'completed' | 'stopped' | 'failed';

export interface CampaignData {
  format: 'fairshrink.campaign-report-data';
  version: 1;
  campaignId: string;
  prefix: string;
  name: string | null;
  status: CampaignStatus;
  /** The model the campaign ends with (or, while running, the last good one). */
  final: { stepKey: string; sparsity: number; quantized: boolean } | null;
  /** Rubric name and its constraints, from the gate decisions found. */
  rubric: { name: string; constraints: RubricConstraintInfo[] } | null;
  steps: EvaluatedStep[];
  /** Stored bytes and measured latency per export format (null before the export step; absent in older data). */
  shipped?: ShippedSection | null;
  /** The final model's verdict on the held-out split (null without one; absent in older data). */
  heldOut?: HeldOutSection | null;
  decisions: DecisionEntry[];
  lineage: LineageManifest | null;
  /**
   * What the campaign reached against what it asked for, once it ended (`stopped at 65.6% of 90.0%: …`); the asked
   * sparsity is the caller's (the campaign file's schedule) or else the highest target the decision log attempted.
   */
  outcome?: { headline: string; short: boolean };
  /** Why the campaign failed, from Temporal (the failing step's own message), when the caller knows it. */
  failure?: string;
  /** Things the report could not find, in words (e.g. a step still running). */
  notes: string[];
}

export interface RubricConstraintInfo {
  id: string;
  metric: string;
  /** 'overall', or the attribute the constraint looks at. */
  scope: string;
  section: 'candidate' | 'delta';
  /** 'overall' value, a disparity of an attribute, or max/min over an attribute's groups. */
  kind: 'overall' | 'disparity' | 'groups';
  comparator: string;
  threshold: number;
}

/** Group metrics every report charts: accuracy, TPR/FPR, calibration (ECE) and the excess accuracy gap ψ_g. */
export const CHARTED_METRICS = [
  'accuracy',
  'true_positive_rate',
  'false_positive_rate',
  'ece',
  'excess_accuracy_gap',
  'accuracy_drop',
] as const;

/**
 * The group metric(s) behind a disparity, so a rubric constraint on a disparity can be charted per group.
 * Names follow docs/fairness.md (Fairlearn and AIF360 definitions).
 */
export function groupMetricsBehind(metric: string): string[] {
  const named: Record<string, string[]> = {
    max_excess_accuracy_gap: ['excess_accuracy_gap'],
    max_accuracy_drop: ['accuracy_drop'],
    max_flip_rate: ['flip_rate'],
    worst_group_accuracy: ['accuracy'],
    ece_gap: ['ece'],
    statistical_parity_difference: ['selection_rate'],
    disparate_impact: ['selection_rate'],
    aif360_equal_opportunity_difference: ['true_positive_rate'],
    average_odds_difference: ['true_positive_rate', 'false_positive_rate'],
  };
  if (named[metric]) return named[metric];
  const base = metric.replace(/_(difference|ratio)(_mean)?(_to_overall)?$/, '');
  if (base === metric) return [metric];
  if (base === 'demographic_parity') return ['selection_rate'];
  if (base === 'equal_opportunity') return ['true_positive_rate'];
  if (base === 'equalized_odds') return ['true_positive_rate', 'false_positive_rate'];
  return [base];
}

/** Reads a gate constraint's target ("delta.attributes.sex.groups.*.accuracy") back into what it constrains. */
export function constraintInfo(c: GateDecision['constraints'][number]): RubricConstraintInfo {
  const parts = c.target.split('.');
  const section = parts[0] === 'delta' ? 'delta' : 'candidate';
  const rest = section === 'delta' ? parts.slice(1) : parts;
  const common = { id: c.id, comparator: c.comparator, threshold: c.threshold, section } as const;
  if (rest[0] === 'attributes' && rest.length >= 4) {
    const kind = rest[2] === 'disparities' ? 'disparity' : 'groups';
    return { ...common, metric: rest[rest.length - 1]!, scope: rest[1]!, kind };
  }
  return { ...common, metric: rest[rest.length - 1] ?? c.target, scope: 'overall', kind: 'overall' };
}

const decoder = new TextDecoder();

function stepOrder(stepKey: string): [number, number] {
  if (stepKey === 'baseline') return [0, 0];
  if (stepKey === 'quantize') return [Number.MAX_SAFE_INTEGER, 0];
  const m = /^milestone-(\d+)\/attempt-(\d+)$/.exec(stepKey);
  return m ? [Number(m[1]), Number(m[2])] : [Number.MAX_SAFE_INTEGER - 1, 0];
}

function compareSteps(a: string, b: string): number {
  const [am, aa] = stepOrder(a);
  const [bm, ba] = stepOrder(b);
  return am - bm || aa - ba || a.localeCompare(b);
}

function pointOf(m: MetricValue | undefined): MetricPoint | undefined {
  if (m === undefined) return undefined;
  const finite = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  const value = finite(m.value);
  const lo = finite(m.ci?.[0]);
  const hi = finite(m.ci?.[1]);
  return {
    value,
    ci: lo === null || hi === null ? null : [lo, hi],
    ...(m.reason === undefined ? {} : { reason: m.reason }),
  };
}

function pick(values: MetricValues | undefined, metrics: ReadonlySet<string>): Record<string, MetricPoint> {
  const out: Record<string, MetricPoint> = {};
  if (values === undefined) return out;
  for (const name of [...metrics].sort()) {
    const p = pointOf(values[name]);
    if (p !== undefined) out[name] = p;
  }
  return out;
}

function sectionMetrics(
  section: { overall: MetricValues; attributes: Record<string, { groups: Record<string, MetricValues> }> },
  metrics: ReadonlySet<string>,
): SectionMetrics {
  const groups: SectionMetrics['groups'] = {};
  for (const [attribute, attr] of Object.entries(section.attributes)) {
    groups[attribute] = {};
    for (const group of Object.keys(attr.groups).sort()) groups[attribute][group] = pick(attr.groups[group], metrics);
  }
  return { overall: pick(section.overall, metrics), groups };
}

function stepIdentity(stepKey: string): Pick<EvaluatedStep, 'kind' | 'milestone' | 'attempt' | 'label'> {
  if (stepKey === 'baseline') return { kind: 'baseline', milestone: 0, attempt: 0, label: 'baseline' };
  const m = /^milestone-(\d+)\/attempt-(\d+)$/.exec(stepKey);
  if (m) {
    const milestone = Number(m[1]);
    const attempt = Number(m[2]);
    return { kind: 'milestone', milestone, attempt, label: `M${milestone}.${attempt}` };
  }
  return { kind: 'quantize', milestone: null, attempt: null, label: stepKey === 'quantize' ? 'quantized' : stepKey };
}

/** Where the checkpoint a step evaluated was written (its step result.json holds the CheckpointRef). */
function checkpointStepOf(stepKey: string): string {
  return /^milestone-\d+\/attempt-\d+$/.test(stepKey) ? `${stepKey}/finetune` : stepKey;
}

async function readJson<T>(store: ReportStore, key: string): Promise<T> {
  const { bytes } = await store.getByKey(key);
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch (err) {
    throw new Error(`${store.uriOf(key)} is not valid JSON: ${(err as Error).message}`);
  }
}

interface GateFile {
  decision: GateDecision;
}
interface EvaluateResultFile {
  summary?: MetricSummary;
  size?: SizeSummary;
}
interface CheckpointResultFile {
  checkpoint?: CheckpointRef;
}
interface RejectedFile {
  reasons?: string[];
}
interface CalibrationFile {
  split: string;
  bins: number;
  candidate: ReliabilityData;
  reference: ReliabilityData | null;
}
interface LatencyFile {
  msPer1000Rows: number;
  rowsPerCall: number;
  repeats: number;
  forward: string;
  backend: string;
}

/** The metrics every step keeps: the charted ones plus those the rubric's constraints look at. */
function metricsWanted(constraints: RubricConstraintInfo[]): { candidate: Set<string>; delta: Set<string> } {
  const candidate = new Set<string>(CHARTED_METRICS);
  const delta = new Set<string>();
  for (const c of constraints) {
    const target = c.section === 'delta' ? delta : candidate;
    target.add(c.metric);
    for (const m of groupMetricsBehind(c.metric)) target.add(m);
  }
  return { candidate, delta };
}

function outcomeOf(
  step: Pick<EvaluatedStep, 'kind' | 'milestone' | 'attempt' | 'stepKey'>,
  gate: GateDecision | null,
  rejected: boolean,
  decisions: DecisionEntry[],
): StepOutcome {
  if (rejected) return 'rejected';
  if (step.kind === 'milestone') {
    const about = decisions.filter((d) => d.milestone === step.milestone && d.attempt === step.attempt);
    if (about.some((d) => d.kind === 'accept' || (d.kind === 'review' && d.review?.action === 'approve')))
      return 'accepted';
    if (about.some((d) => d.kind === 'rollback')) return 'rejected';
    return 'pending';
  }
  if (gate === null) return 'pending';
  if (step.kind === 'quantize') {
    const logged = decisions.some((d) => d.kind === 'quantize');
    if (!logged) return 'pending';
  }
  return gate.status === 'pass' ? 'accepted' : 'rejected';
}

/**
 * Reads one campaign's folder (`<prefix>/<campaignId>/`) and returns everything its report shows. Steps that have not
 * been evaluated yet are simply absent; files that are missing for an evaluated step (e.g. its gate is still running)
 * leave the corresponding fields null and add a note.
 */
export async function gatherCampaignData(
  store: ReportStore,
  opts: {
    campaignId: string;
    prefix: string;
    /** The sparsity the campaign file asked for (its schedule's last target), when the caller has the file. */
    askedSparsity?: number;
    /** The failing step's own message, from Temporal, for a failed campaign. */
    failure?: string;
  },
): Promise<CampaignData> {
  const root = `${opts.prefix}/${opts.campaignId}/`;
  const keys = new Set((await store.list(root)).map((o) => o.key.slice(root.length)));
  if (keys.size === 0)
    throw new Error(`no campaign "${opts.campaignId}": nothing is stored under s3://${store.bucket}/${root}`);
  const notes: string[] = [];

  const decisions = (await readDecisionLog(store, opts.prefix, opts.campaignId)).entries;
  if (decisions.length === 0) notes.push('no decision log yet (no entry under decisions/ and no decisions.jsonl)');
  const lineage = keys.has('lineage.json') ? await readJson<LineageManifest>(store, `${root}lineage.json`) : null;
  if (lineage === null)
    notes.push('no lineage manifest yet (lineage.json is written after the baseline and at the end)');

  // The held-out evaluation is not a step of the campaign's path: it has its own section (final-sections.ts).
  const stepKeys = [...keys]
    .filter((k) => k.endsWith('/evaluate/report.json') && !k.startsWith(`${HELD_OUT_STEP}/`))
    .map((k) => k.slice(0, -'/evaluate/report.json'.length))
    .sort(compareSteps);

  // Gates first: the rubric's constraints decide which metrics the steps keep.
  const gates = new Map<string, GateDecision>();
  for (const stepKey of stepKeys) {
    const key = `${stepKey}/gate/gate.json`;
    if (keys.has(key)) gates.set(stepKey, (await readJson<GateFile>(store, `${root}${key}`)).decision);
  }
  const constraintsById = new Map<string, RubricConstraintInfo>();
  let rubricName: string | null = null;
  for (const gate of gates.values()) {
    rubricName ??= gate.rubric;
    for (const c of gate.constraints) if (!constraintsById.has(c.id)) constraintsById.set(c.id, constraintInfo(c));
  }
  const constraints = [...constraintsById.values()];
  const wanted = metricsWanted(constraints);

  const steps: EvaluatedStep[] = [];
  const withoutCalibration: string[] = [];
  const withoutLatency: string[] = [];
  for (const stepKey of stepKeys) {
    const identity = stepIdentity(stepKey);
    const sources = [`${stepKey}/evaluate/report.json`];
    const report = await readJson<FairnessReport>(store, `${root}${stepKey}/evaluate/report.json`);
    // Files a step may not have written (yet): read the ones there are, and cite them as sources.
    const optional = async <T>(key: string): Promise<T | undefined> => {
      if (!keys.has(key)) return undefined;
      const file = await readJson<T>(store, `${root}${key}`);
      sources.push(key);
      return file;
    };
    const evaluated = (await optional<EvaluateResultFile>(`${stepKey}/evaluate/result.json`)) ?? {};
    const calibrationFile = await optional<CalibrationFile>(`${stepKey}/evaluate/calibration.json`);
    const calibration: StepCalibration | null =
      calibrationFile === undefined
        ? null
        : {
            split: calibrationFile.split,
            bins: calibrationFile.bins,
            candidate: calibrationFile.candidate,
            reference: calibrationFile.reference ?? null,
          };
    if (calibrationFile === undefined) withoutCalibration.push(stepKey);
    const latencyFile = await optional<LatencyFile>(`${stepKey}/evaluate/latency.json`);
    const latency: StepLatency | null =
      latencyFile === undefined
        ? null
        : {
            msPer1000Rows: latencyFile.msPer1000Rows,
            rowsPerCall: latencyFile.rowsPerCall,
            repeats: latencyFile.repeats,
            forward: latencyFile.forward,
            backend: latencyFile.backend,
          };
    if (latencyFile === undefined) withoutLatency.push(stepKey);
    const checkpoint =
      (await optional<CheckpointResultFile>(`${checkpointStepOf(stepKey)}/result.json`))?.checkpoint ?? null;
    const rejectedKey = `${checkpointStepOf(stepKey)}/rejected.json`;
    const rejectionReasons = (await optional<RejectedFile>(rejectedKey))?.reasons ?? [];
    const gate = gates.get(stepKey) ?? null;
    if (gate === null) notes.push(`${stepKey}: evaluated, gate decision not written yet`);
    else sources.push(`${stepKey}/gate/gate.json`);
    const targetSparsity =
      decisions.find(
        (d) => d.milestone === identity.milestone && d.attempt === identity.attempt && d.targetSparsity !== undefined,
      )?.targetSparsity ?? null;
    const groupRows: EvaluatedStep['groupRows'] = {};
    for (const [attribute, attr] of Object.entries(report.attributes)) {
      groupRows[attribute] = Object.fromEntries(Object.entries(attr.group_info).map(([g, info]) => [g, info.rows]));
    }
    steps.push({
      stepKey,
      ...identity,
      sparsity: checkpoint?.sparsity ?? null,
      targetSparsity: identity.kind === 'milestone' ? targetSparsity : null,
      outcome: outcomeOf({ stepKey, ...identity }, gate, keys.has(rejectedKey), decisions),
      rejectionReasons,
      rows: report.rows,
      size: evaluated.size ?? null,
      calibration,
      latency,
      summary: evaluated.summary ?? null,
      checkpoint,
      candidate: sectionMetrics(report, wanted.candidate),
      delta: report.delta === undefined || wanted.delta.size === 0 ? null : sectionMetrics(report.delta, wanted.delta),
      groupRows,
      ciLevel: report.config.ci_level,
      gate,
      sources,
    });
  }
  if (steps.length === 0) notes.push('no step has been evaluated yet');
  if (withoutCalibration.length > 0)
    notes.push(
      `no reliability bins for ${withoutCalibration.join(', ')} (calibration.json is missing: evaluated before the evaluate step wrote it, or still running); their calibration is shown as ECE only`,
    );
  if (withoutLatency.length > 0)
    notes.push(
      `no latency measurement for ${withoutLatency.join(', ')} (latency.json is missing: evaluated before the evaluate step measured it, or still running)`,
    );

  const last = decisions[decisions.length - 1];
  const status: CampaignStatus =
    last?.kind === 'finalize'
      ? 'completed'
      : last?.kind === 'stop'
        ? 'stopped'
        : last?.kind === 'fail'
          ? 'failed'
          : lineage?.status === 'failed'
            ? 'failed'
            : 'running';
  const ending = [...decisions].reverse().find((d) => d.kind === 'finalize' || d.kind === 'stop');
  let final: CampaignData['final'] = null;
  if (ending?.checkpoint) {
    final = {
      stepKey: ending.checkpoint.stepKey,
      sparsity: ending.checkpoint.sparsity,
      quantized: ending.checkpoint.int8 !== undefined,
    };
  } else {
    const lastGood = [...steps].reverse().find((s) => s.outcome === 'accepted' && s.checkpoint !== null);
    if (lastGood?.checkpoint)
      final = {
        stepKey: lastGood.checkpoint.stepKey,
        sparsity: lastGood.checkpoint.sparsity,
        quantized: lastGood.checkpoint.int8 !== undefined,
      };
  }

  let outcome: CampaignData['outcome'];
  const targets = decisions.flatMap((d) => (d.targetSparsity === undefined ? [] : [d.targetSparsity]));
  const asked = opts.askedSparsity ?? (targets.length > 0 ? Math.max(...targets) : undefined);
  if (ending && final && asked !== undefined && (status === 'completed' || status === 'stopped')) {
    const milestones = steps.flatMap((s) =>
      s.kind === 'milestone' && s.gate && s.milestone !== null
        ? [
            {
              milestone: s.milestone,
              targetSparsity: s.targetSparsity ?? 0,
              status: s.gate.status,
              reason: s.gate.reason,
            },
          ]
        : [],
    );
    // The closing decision reads "<status>: <reason>. Final model …".
    const reason = ending.message.replace(/^\w+: /, '').split('. Final model')[0]!;
    const { headline, short } = campaignOutcome(
      { status, reason, final: { checkpoint: { sparsity: final.sparsity } }, milestones },
      asked,
    );
    outcome = { headline, short };
  }

  const finalStore = {
    read: async <T>(key: string): Promise<T | undefined> =>
      keys.has(key) ? await readJson<T>(store, `${root}${key}`) : undefined,
  };
  const shipped = await readShippedSection(finalStore, notes);
  const heldOut = await readHeldOutSection(finalStore, decisions, lineage);

  return {
    format: 'fairshrink.campaign-report-data',
    version: 1,
    campaignId: opts.campaignId,
    prefix: opts.prefix,
    name: lineage?.name ?? null,
    status: opts.failure === undefined ? status : 'failed',
    ...(outcome === undefined ? {} : { outcome }),
    ...(opts.failure === undefined ? {} : { failure: opts.failure }),
    final,
    rubric: rubricName === null ? null : { name: rubricName, constraints },
    steps,
    shipped,
    heldOut,
    decisions,
    lineage,
    notes,
  };
}
