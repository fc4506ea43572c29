// One run of the campaign workflow as a context object: its config, activity proxies, the state its query returns,
// the signals received, and the small steps every part of the campaign repeats (log a decision, write the lineage,
// evaluate and gate a candidate, judge the held-out split, refresh the dashboard, stop at a step boundary).
// Deterministic code only; the parts of the campaign (campaign.ts, campaign-milestone.ts, campaign-final.ts) share it.
import {
  condition,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { CampaignConfig } from '../core/config/campaign.ts';
import type {
  BackendSummary,
  CampaignInput,
  CheckpointRef,
  DatasetRef,
  DecisionEntry,
  GateOutput,
  HeldOutVerdict,
  LineageInput,
  MetricSummary,
  ReviewInput,
  StepIdentity,
} from '../core/campaign/contracts.ts';
import {
  CAMPAIGN_STATUS_PATCH,
  DASHBOARD_PATCH,
  HEARTBEATED_DATA_STEPS_PATCH,
  HEARTBEATED_REPORT_PATCH,
  LOCAL_BOOKKEEPING_PATCH,
  REPORT_OFF_WORKFLOW_PROCESS_PATCH,
  scheduleTargets,
  searchAttributes,
  type AbortRequest,
  type AcceptedModel,
  type CampaignCarry,
  type CampaignOptions,
  type CampaignState,
  type CampaignStatus,
} from './campaign-api.ts';

// ---- activities -----------------------------------------------------------------------------

const nonRetryableErrorTypes = ['InvalidInput', 'InvalidConfig', 'DataError', 'GateFailed'];

export function activities(options: CampaignOptions) {
  const taskQueue = options.computeTaskQueue ?? workflowInfo().taskQueue;
  const light = proxyActivities<Activities>({
    startToCloseTimeout: '10 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10, nonRetryableErrorTypes },
  });
  const heavy = proxyActivities<Activities>({
    taskQueue,
    startToCloseTimeout: '4 hours',
    heartbeatTimeout: options.heartbeatTimeout ?? '1 minute',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes },
  });
  // Loading the data set and evaluating: on the compute queue, heartbeated by the activity adapter while they run.
  // A fixed heartbeat timeout rather than the campaign's (tests set 5 s): the fairness engine computes for seconds
  // without yielding, and the point is noticing a dead worker within a minute instead of 10 (HEARTBEATED_DATA_STEPS_PATCH).
  const data = proxyActivities<Activities>({
    taskQueue,
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes },
  });
  // The dashboard is a view of what S3 already holds: a few quick attempts, never blocking the campaign. A regular
  // activity, so the forked worker layout renders it in its compute process (REPORT_OFF_WORKFLOW_PROCESS_PATCH).
  const report = proxyActivities<Activities>({
    startToCloseTimeout: '5 minutes',
    retry: { initialInterval: '1 second', maximumAttempts: 3 },
  });
  // The same, heartbeated (HEARTBEATED_REPORT_PATCH): a worker that dies mid-render is noticed within a minute.
  const reportHeartbeated = proxyActivities<Activities>({
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '1 second', maximumAttempts: 3 },
  });
  // Bookkeeping (decision log, gate, rejection marks, lineage) takes milliseconds: as local activities it
  // runs in the worker without a round trip through the server per call, which was most of Temporal's
  // overhead over calling the same steps in-process (bench/suites/campaign.ts). The dashboard render was
  // bookkeeping too until REPORT_OFF_WORKFLOW_PROCESS_PATCH: it is not cheap (charts to SVG).
  const local = proxyLocalActivities<Activities>({
    startToCloseTimeout: '5 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10, nonRetryableErrorTypes },
  });
  return { light, heavy, data, report, reportHeartbeated, local };
}

// ---- words ----------------------------------------------------------------------------------

export const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function gateDigest(gate: GateOutput): NonNullable<DecisionEntry['gate']> {
  return {
    status: gate.decision.status,
    reason: gateReason(gate),
    constraints: gate.decision.constraints.map((c) => ({ id: c.id, status: c.status, reason: c.reason })),
  };
}

/** The gate's verdict with the reasons of the constraints that did not pass (each cites its numbers). */
export function gateReason(gate: GateOutput): string {
  const open = gate.decision.constraints.filter((c) => c.status !== 'pass');
  return open.length === 0 ? gate.decision.reason : `${gate.decision.reason}: ${open.map((c) => c.reason).join('; ')}`;
}

export function describeSummary(summary: MetricSummary): string {
  const parts: string[] = [];
  if (summary.accuracy !== null) parts.push(`accuracy ${summary.accuracy.toFixed(4)}`);
  if (summary.worstGroupAccuracy) {
    const w = summary.worstGroupAccuracy;
    parts.push(`worst group ${w.attribute}=${w.group} ${w.value.toFixed(4)}`);
  }
  if (summary.maxExcessAccuracyGap) {
    const g = summary.maxExcessAccuracyGap;
    parts.push(`max ψ ${g.value.toFixed(4)} (${g.attribute}=${g.group})`);
  }
  return parts.join(', ');
}

// ---- the run --------------------------------------------------------------------------------

export interface CampaignRun {
  input: CampaignInput;
  config: CampaignConfig;
  campaignId: string;
  prefix: string;
  options: CampaignOptions;
  carry: CampaignCarry | undefined;
  /** Target sparsity per milestone. */
  targets: number[];
  proxies: ReturnType<typeof activities>;
  /** Bookkeeping proxies: local activities, or regular ones for campaigns started before LOCAL_BOOKKEEPING_PATCH. */
  bookkeeping(): ReturnType<typeof activities>['local'];
  dataSteps(): ReturnType<typeof activities>['data'];
  identity(stepKey: string): StepIdentity;
  /** What the `state` query returns. */
  state: CampaignState;
  /** Set by the abort signal (or carried from the previous run). */
  abortRequest: AbortRequest | null;
  /** The review update's input, until awaitReview takes it. */
  pendingReviewInput: ReviewInput | null;
  checkpoints: CheckpointRef[];
  gates: LineageInput['gates'];
  dataset: DatasetRef | undefined;
  backend: BackendSummary | null;
  baseline: AcceptedModel | undefined;
  heldOut: HeldOutVerdict | undefined;
}

export function createRun(
  input: CampaignInput,
  options: CampaignOptions,
  carry: CampaignCarry | undefined,
): CampaignRun {
  const { config, campaignId } = input;
  const prefix = config.storage.prefix;
  const seed = config.seed;
  const proxies = activities(options);
  const targets = scheduleTargets(config);
  return {
    input,
    config,
    campaignId,
    prefix,
    options,
    carry,
    targets,
    proxies,
    // Campaigns started before LOCAL_BOOKKEEPING_PATCH scheduled bookkeeping as regular activities; their
    // histories replay on that path.
    bookkeeping: () => (patched(LOCAL_BOOKKEEPING_PATCH) ? proxies.local : proxies.light),
    // prepareDataset and evaluate: heartbeated on the compute queue since HEARTBEATED_DATA_STEPS_PATCH.
    dataSteps: () => (patched(HEARTBEATED_DATA_STEPS_PATCH) ? proxies.data : proxies.light),
    identity: (stepKey: string) => ({ campaignId, prefix, stepKey, seed }),
    state: {
      campaignId,
      phase: carry ? 'milestone' : 'prepare',
      paused: carry?.paused ?? false,
      milestone: carry ? carry.nextMilestone : 0,
      milestones: targets.length,
      attempt: 0,
      targetSparsity: null,
      currentStep: null,
      lastGood: carry?.lastGood ?? null,
      lastGate: null,
      pendingReview: null,
      rejected: carry ? [...carry.rejected] : [],
      attempts: carry ? [...carry.attempts] : [],
      decisions: carry?.decisionSeq ?? 0,
      stopReason: null,
    },
    abortRequest: carry?.abortRequest ?? null,
    pendingReviewInput: null,
    checkpoints: carry ? [...carry.checkpoints] : [],
    gates: carry ? [...carry.gates] : [],
    dataset: carry?.dataset,
    backend: carry?.backend ?? null,
    baseline: carry?.baseline,
    heldOut: undefined,
  };
}

/** Appends one line to the decision log, numbered in order. */
export async function decide(run: CampaignRun, entry: Omit<DecisionEntry, 'seq'>): Promise<void> {
  run.state.decisions += 1;
  await run
    .bookkeeping()
    .appendDecision({ campaignId: run.campaignId, prefix: run.prefix, entry: { ...entry, seq: run.state.decisions } });
}

/** Writes lineage.json with everything the run knows now. */
export function lineage(run: CampaignRun, status: LineageInput['status'], finalCheckpoint?: CheckpointRef) {
  const heldOut = run.heldOut;
  return run.bookkeeping().writeLineage({
    campaign: run.input,
    dataset: run.dataset,
    backend: run.backend ?? undefined,
    checkpoints: run.checkpoints,
    gates: run.gates,
    finalCheckpoint,
    ...(heldOut === undefined
      ? {}
      : {
          heldOut: {
            split: heldOut.split,
            stepKey: heldOut.stepKey,
            checkpoint: heldOut.checkpoint,
            status: heldOut.status,
            report: heldOut.report,
            decision: heldOut.decision,
          },
        }),
    status,
  });
}

/** Evaluate a candidate (against the baseline unless it is the baseline) and gate it on the rubric. */
export async function evaluateAndGate(
  run: CampaignRun,
  stepKey: string,
  candidate: CheckpointRef,
  scope: 'absolute' | 'all',
) {
  const { state } = run;
  state.currentStep = `${stepKey}/evaluate`;
  const evaluated = await run.dataSteps().evaluate({
    ...run.identity(`${stepKey}/evaluate`),
    dataset: run.dataset!,
    candidate,
    reference: scope === 'all' ? run.baseline!.checkpoint : undefined,
    plan: run.config.evaluation,
  });
  state.currentStep = `${stepKey}/gate`;
  const gate = await run.bookkeeping().gate({
    ...run.identity(`${stepKey}/gate`),
    report: evaluated.report,
    rubric: run.input.rubric,
    scope,
  });
  run.gates.push({ stepKey, status: gate.decision.status, report: evaluated.report, decision: gate.ref });
  state.lastGate = { stepKey, status: gate.decision.status, reason: gateReason(gate) };
  return { evaluated, gate };
}

/**
 * The final model and the dense baseline on the held-out split, judged with the full rubric. Kept out of `gates`
 * and `state.lastGate`: no decision reads it, it only goes on record (result, decision log, lineage).
 */
export async function judgeHeldOut(run: CampaignRun, candidate: CheckpointRef, split: 'test'): Promise<HeldOutVerdict> {
  const { state } = run;
  const stepKey = 'held-out';
  state.currentStep = `${stepKey}/evaluate`;
  const evaluated = await run.dataSteps().evaluate({
    ...run.identity(`${stepKey}/evaluate`),
    dataset: run.dataset!,
    candidate,
    reference: run.baseline!.checkpoint,
    plan: { ...run.config.evaluation, split },
  });
  state.currentStep = `${stepKey}/gate`;
  const gate = await run.bookkeeping().gate({
    ...run.identity(`${stepKey}/gate`),
    report: evaluated.report,
    rubric: run.input.rubric,
    scope: 'all',
  });
  const verdict: HeldOutVerdict = {
    split,
    stepKey,
    checkpoint: candidate.stepKey,
    status: gate.decision.status,
    reason: gateReason(gate),
    rows: run.dataset!.rows[split],
    summary: evaluated.summary,
    report: evaluated.report,
    decision: gate.ref,
  };
  await decide(run, {
    kind: 'held-out',
    milestone: null,
    attempt: null,
    message: `held-out verdict on the ${split} split (${verdict.rows} rows no gate, retry or review saw) for ${candidate.stepKey} against the dense baseline: ${verdict.status} — ${verdict.reason}; ${describeSummary(evaluated.summary)}`,
    checkpoint: candidate,
    gate: gateDigest(gate),
    summary: evaluated.summary,
  });
  return verdict;
}

/**
 * Re-render the campaign's dashboard (report.html in S3) from what S3 holds. Added after the first
 * campaigns ran: `patched` keeps their histories replayable. A render failure never fails the campaign.
 */
export async function refreshDashboard(run: CampaignRun): Promise<void> {
  if (!patched(DASHBOARD_PATCH)) return;
  try {
    await dashboardRenderer(run).renderReport({ campaignId: run.campaignId, prefix: run.prefix });
  } catch (err) {
    if (isCancellation(err)) throw err;
  }
}

/**
 * Sets the CampaignStatus search attribute. False, and nothing set, for campaigns started before CAMPAIGN_STATUS_PATCH:
 * their histories replay without it (and, at their end, wrote the ending into GateStatus instead).
 */
export function markCampaignStatus(status: CampaignStatus): boolean {
  if (!patched(CAMPAIGN_STATUS_PATCH)) return false;
  upsertSearchAttributes([{ key: searchAttributes.campaignStatus, value: status }]);
  return true;
}

/**
 * Where the dashboard renders: a regular activity (REPORT_OFF_WORKFLOW_PROCESS_PATCH), which the forked worker layout
 * runs in its compute process, off the event loop that answers queries, heartbeated since HEARTBEATED_REPORT_PATCH.
 * Campaigns between LOCAL_BOOKKEEPING_PATCH and it rendered as a local activity in the workflow process; campaigns
 * before both, as a regular activity.
 */
function dashboardRenderer(run: CampaignRun): ReturnType<typeof activities>['report'] {
  if (patched(HEARTBEATED_REPORT_PATCH)) return run.proxies.reportHeartbeated;
  if (patched(REPORT_OFF_WORKFLOW_PROCESS_PATCH)) return run.proxies.report;
  return patched(LOCAL_BOOKKEEPING_PATCH) ? run.proxies.local : run.proxies.report;
}

/** Between steps: honour pause (wait for resume); true when an abort asks the campaign to stop at its last good model. */
export async function abortRequested(run: CampaignRun): Promise<boolean> {
  if (run.state.paused) {
    const marked = markCampaignStatus('paused');
    await condition(() => !run.state.paused || run.abortRequest !== null);
    if (marked) markCampaignStatus('running');
  }
  return run.abortRequest !== null;
}

/** "aborted by <who>: <why>" */
export function abortReason(request: AbortRequest): string {
  return `aborted${request.by ? ` by ${request.by}` : ''}: ${request.reason}`;
}
