// The campaign workflow's public face: its messages (signals, query, update), search attributes, the state a query
// returns, the result, what continueAsNew carries, options and the patch ids old histories depend on. Clients (CLI,
// tests) import these; the workflow itself lives in campaign.ts.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { CampaignConfig } from '../core/config/campaign.ts';
import { milestoneSparsities } from '../core/compression/schedule.ts';
import type {
  ArtifactRef,
  BackendSummary,
  CheckpointRef,
  DatasetRef,
  ExportedFormat,
  ExportOutput,
  GateStatus,
  HeldOutVerdict,
  LineageInput,
  MetricSummary,
  ReviewInput,
} from '../core/campaign/contracts.ts';

// ---- messages -------------------------------------------------------------------------------

export const pauseSignal = defineSignal<[{ by?: string; reason?: string }?]>('pause');
export const resumeSignal = defineSignal<[{ by?: string }?]>('resume');
export const abortSignal = defineSignal<[{ by?: string; reason: string }]>('abort');
export const stateQuery = defineQuery<CampaignState>('state');
export const reviewUpdate = defineUpdate<ReviewOutcome, [ReviewInput]>('review');

export const searchAttributes = {
  campaignId: defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD),
  modelId: defineSearchAttributeKey('ModelId', SearchAttributeType.KEYWORD),
  datasetId: defineSearchAttributeKey('DatasetId', SearchAttributeType.KEYWORD),
  milestone: defineSearchAttributeKey('Milestone', SearchAttributeType.INT),
  sparsity: defineSearchAttributeKey('Sparsity', SearchAttributeType.DOUBLE),
  /** The verdict of the latest gate (baseline or milestone): pass, fail or insufficient-evidence. */
  gateStatus: defineSearchAttributeKey('GateStatus', SearchAttributeType.KEYWORD),
  /** Where the campaign stands (CAMPAIGN_STATUS_PATCH); before it, GateStatus also took the campaign's ending. */
  campaignStatus: defineSearchAttributeKey('CampaignStatus', SearchAttributeType.KEYWORD),
};

/**
 * The CampaignStatus search attribute: `running` from the start (and again after a pause or a review), `paused` while
 * a pause holds the campaign at a step boundary, `awaiting-review` while a failed gate waits for a reviewer, then the
 * ending: `completed`, `stopped` (stopped at the last good model, or cancelled), `aborted` or `failed`.
 */
export type CampaignStatus = 'running' | 'paused' | 'awaiting-review' | 'completed' | 'stopped' | 'aborted' | 'failed';

// ---- state ----------------------------------------------------------------------------------

export type CampaignPhase =
  | 'prepare'
  | 'baseline'
  | 'milestone'
  | 'awaiting-review'
  | 'quantize'
  | 'finalize'
  | 'completed'
  | 'stopped'
  | 'aborted'
  | 'failed';

export interface AcceptedModel {
  checkpoint: CheckpointRef;
  milestone: number;
  summary: MetricSummary;
  /** The reviewer who accepted this model although its gate did not pass (absent when the gate passed). */
  approvedBy?: string;
}

export interface MilestoneRecord {
  milestone: number;
  attempt: number;
  stepKey: string;
  targetSparsity: number;
  achievedSparsity: number;
  constrained: boolean;
  status: GateStatus;
  reason: string;
  summary: MetricSummary;
  resumedFromEpoch: number;
}

export interface CampaignState {
  campaignId: string;
  phase: CampaignPhase;
  paused: boolean;
  milestone: number;
  milestones: number;
  attempt: number;
  targetSparsity: number | null;
  currentStep: string | null;
  lastGood: AcceptedModel | null;
  lastGate: { stepKey: string; status: GateStatus; reason: string } | null;
  pendingReview: { milestone: number; attempt: number; stepKey: string; reason: string } | null;
  rejected: string[];
  attempts: MilestoneRecord[];
  decisions: number;
  stopReason: string | null;
}

export interface ReviewOutcome {
  accepted: true;
  milestone: number;
  action: ReviewInput['action'];
}

export interface CampaignResult {
  campaignId: string;
  status: 'completed' | 'stopped' | 'aborted';
  reason: string;
  final: AcceptedModel;
  baseline: AcceptedModel;
  quantized: boolean;
  milestones: MilestoneRecord[];
  lineage: ArtifactRef;
  decisions: number;
  /** The deployable export (EXPORT_PATCH; absent in older campaigns): what promote ships and monitor scores. */
  export?: CampaignExport;
  /** The final model's verdict on the held-out split (HELD_OUT_PATCH; absent when aborted or `heldOut: none`). */
  heldOut?: HeldOutVerdict;
}

/** The campaign's exports and the final gate's verdict on the shipped one, judged on its re-loaded bytes. */
export interface CampaignExport {
  /** The shipped export as a checkpoint (its predictions come from the export files). */
  checkpoint: CheckpointRef;
  format: ExportedFormat['format'];
  gate: GateStatus;
  summary: MetricSummary;
  formats: ExportedFormat[];
  dense: ExportOutput['dense'];
  /** campaigns/<id>/export/sizes.json */
  sizes: ArtifactRef;
}

/** Carried across continueAsNew: refs and small records only. */
export interface CampaignCarry {
  dataset: DatasetRef;
  backend: BackendSummary | null;
  baseline: AcceptedModel;
  lastGood: AcceptedModel;
  nextMilestone: number;
  decisionSeq: number;
  attempts: MilestoneRecord[];
  rejected: string[];
  checkpoints: CheckpointRef[];
  gates: LineageInput['gates'];
  /** Signals that arrived before the run ended (SIGNALS_ACROSS_RUNS_PATCH); absent in older carries. */
  paused?: boolean;
  abortRequest?: AbortRequest | null;
}

export type AbortRequest = { by?: string; reason: string };

export interface CampaignOptions {
  /** Activities of compute-heavy steps go here (default: the workflow's own task queue). */
  computeTaskQueue?: string;
  /** Heartbeat timeout of long steps: how soon a dead worker's step is retried elsewhere. */
  heartbeatTimeout?: string;
  /**
   * Continue as new after this many milestones in one run, to bound history size; default: only
   * when the server suggests it. The carried state is refs and small records only.
   */
  milestonesPerRun?: number;
}

// ---- patch ids ------------------------------------------------------------------------------

/** Patch id of the per-milestone dashboard refresh (see refreshDashboard). */
export const DASHBOARD_PATCH = 'dashboard-after-each-milestone';
/** Patch id of running bookkeeping steps as local activities (see activities()). */
export const LOCAL_BOOKKEEPING_PATCH = 'bookkeeping-as-local-activities';
/** Patch id of the export step and the final gate on the re-loaded export (docs/export.md). */
export const EXPORT_PATCH = 'export-artifact';
/**
 * Patch id of carrying pause and abort across continueAsNew, after every running handler has finished: before it, a
 * pause at a milestone boundary was dropped by the next run and an abort during the run's last lineage write was lost.
 */
export const SIGNALS_ACROSS_RUNS_PATCH = 'signals-across-continue-as-new';
/**
 * Patch id of a completed campaign saying when it stopped short of its target: before it, a campaign whose gates
 * bisected its last milestone below the target still gave the reason "all N milestones passed".
 */
export const SHORT_OF_TARGET_PATCH = 'completed-short-of-target-reason';
/** Patch id of the held-out verdict: the final model judged on the test split, which no decision saw. */
export const HELD_OUT_PATCH = 'held-out-verdict';
/**
 * Patch id of recording every ending: before it, a campaign that failed its gates (GateFailed) wrote no final decision
 * and no lineage, an abort during a review with stopAtLastGood: false ended as GateFailed, and rejecting the quantized
 * model could be cut short by a cancellation.
 */
export const TERMINAL_PATCH = 'terminal-step-every-ending';
/**
 * Patch id of the CampaignStatus search attribute: before it, a campaign's ending (completed, stopped, aborted) was
 * written into GateStatus, and no attribute said that a campaign was paused, awaiting review or failed.
 */
export const CAMPAIGN_STATUS_PATCH = 'campaign-status-attribute';
/**
 * Patch id of rendering the dashboard as a regular activity: as a local activity (LOCAL_BOOKKEEPING_PATCH) the chart
 * rendering ran in the process that runs workflow tasks and answers queries, even with `fairshrink worker`'s forked
 * layout, whose compute process takes every regular activity.
 */
export const REPORT_OFF_WORKFLOW_PROCESS_PATCH = 'report-off-workflow-process';
/**
 * prepareDataset and evaluate run with the compute steps' options: on the compute task queue, with a heartbeat
 * timeout, so a worker that dies in one is noticed within the heartbeat timeout instead of their old 10-minute
 * start-to-close timeout. Before it they ran on the workflow's queue without heartbeats.
 */
export const HEARTBEATED_DATA_STEPS_PATCH = 'heartbeated-data-steps';
/**
 * The dashboard render heartbeats (every 2 s, activities/report.ts) under a 1-minute heartbeat timeout: before it, a
 * worker that died mid-render held the campaign for the render's 5-minute start-to-close timeout.
 */
export const HEARTBEATED_REPORT_PATCH = 'heartbeated-report';

/** Target sparsity per milestone from the schedule (core/compression/schedule.ts, Zhu & Gupta 2017). */
export function scheduleTargets(config: CampaignConfig): number[] {
  const schedule = config.compression.schedule;
  if (schedule.kind === 'list') return [...schedule.sparsities];
  if (schedule.kind === 'constant') {
    return milestoneSparsities({ kind: 'constant', finalSparsity: schedule.sparsity, milestones: schedule.milestones });
  }
  return milestoneSparsities({
    kind: 'polynomial',
    finalSparsity: schedule.finalSparsity,
    initialSparsity: schedule.initialSparsity,
    milestones: schedule.milestones,
    power: schedule.power,
  });
}
