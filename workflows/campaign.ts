// The compression campaign (docs/architecture.md): prepare → baseline → milestones (prune →
// fine-tune → evaluate → gate) → quantize → finalize. Deterministic orchestration only; every
// computation is an activity whose inputs and outputs are small (refs, summaries, decisions).
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Activities } from '../activities/index.ts';
import {
  defaultExportFormats,
  durationMs,
  heldOutSplit,
  type CampaignConfig,
  type RetryStrategy,
} from '../core/config/campaign.ts';
import { milestoneSparsities } from '../core/compression/schedule.ts';
import type {
  ArtifactRef,
  BackendSummary,
  CampaignInput,
  CheckpointRef,
  DatasetRef,
  DecisionEntry,
  ExportedFormat,
  ExportOutput,
  FinetuneOutput,
  GateOutput,
  GateStatus,
  HeldOutVerdict,
  LineageInput,
  MetricSummary,
  PruneOutput,
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
  gateStatus: defineSearchAttributeKey('GateStatus', SearchAttributeType.KEYWORD),
};

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

type AbortRequest = { by?: string; reason: string };

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

// ---- activities -----------------------------------------------------------------------------

const nonRetryableErrorTypes = ['InvalidInput', 'InvalidConfig', 'DataError', 'GateFailed'];

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
/** Patch id of the held-out verdict: the final model judged on the test split, which no decision saw. */
export const HELD_OUT_PATCH = 'held-out-verdict';

function activities(options: CampaignOptions) {
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
  // The dashboard is a view of what S3 already holds: a few quick attempts, never blocking the campaign.
  const report = proxyActivities<Activities>({
    startToCloseTimeout: '5 minutes',
    retry: { initialInterval: '1 second', maximumAttempts: 3 },
  });
  // Bookkeeping (decision log, gate, rejection marks, lineage, dashboard) takes milliseconds: as local
  // activities it runs in the worker without a round trip through the server per call, which was most
  // of Temporal's overhead over calling the same steps in-process (bench/suites/campaign.ts).
  const local = proxyLocalActivities<Activities>({
    startToCloseTimeout: '5 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10, nonRetryableErrorTypes },
  });
  return { light, heavy, report, local };
}

// ---- helpers --------------------------------------------------------------------------------

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

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

function gateDigest(gate: GateOutput): NonNullable<DecisionEntry['gate']> {
  return {
    status: gate.decision.status,
    reason: gateReason(gate),
    constraints: gate.decision.constraints.map((c) => ({ id: c.id, status: c.status, reason: c.reason })),
  };
}

/** The gate's verdict with the reasons of the constraints that did not pass (each cites its numbers). */
function gateReason(gate: GateOutput): string {
  const open = gate.decision.constraints.filter((c) => c.status !== 'pass');
  return open.length === 0 ? gate.decision.reason : `${gate.decision.reason}: ${open.map((c) => c.reason).join('; ')}`;
}

function describeSummary(summary: MetricSummary): string {
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

// ---- the workflow ---------------------------------------------------------------------------

export async function compressionCampaign(
  input: CampaignInput,
  options: CampaignOptions = {},
  carry?: CampaignCarry,
): Promise<CampaignResult> {
  const { config, campaignId } = input;
  const prefix = config.storage.prefix;
  const seed = config.seed;
  const identity = (stepKey: string) => ({ campaignId, prefix, stepKey, seed });
  const proxies = activities(options);
  const { light, heavy } = proxies;
  // Campaigns started before LOCAL_BOOKKEEPING_PATCH scheduled bookkeeping as regular activities; their
  // histories replay on that path.
  const bookkeeping = () => (patched(LOCAL_BOOKKEEPING_PATCH) ? proxies.local : proxies.light);
  const targets = scheduleTargets(config);

  const state: CampaignState = {
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
  };
  let abortRequest: AbortRequest | null = carry?.abortRequest ?? null;
  let pendingReviewInput: ReviewInput | null = null;
  const checkpoints: CheckpointRef[] = carry ? [...carry.checkpoints] : [];
  const gates: LineageInput['gates'] = carry ? [...carry.gates] : [];

  setHandler(stateQuery, () => state);
  setHandler(pauseSignal, () => {
    state.paused = true;
  });
  setHandler(resumeSignal, () => {
    state.paused = false;
  });
  setHandler(abortSignal, (request) => {
    abortRequest = request;
  });
  setHandler(
    reviewUpdate,
    (review) => {
      pendingReviewInput = review;
      return { accepted: true, milestone: state.milestone, action: review.action };
    },
    {
      validator: (review) => {
        if (!state.pendingReview) throw new Error('no review is pending: the campaign is not waiting for one');
        // A second review while the first is being applied would silently replace it: refuse it instead.
        if (pendingReviewInput !== null) {
          throw new Error(
            `a review (${pendingReviewInput.action} by ${pendingReviewInput.reviewer}) is already being applied; check the campaign's status and review again if another one is requested`,
          );
        }
        if (!review || typeof review.reviewer !== 'string' || review.reviewer.trim() === '') {
          throw new Error('reviewer is required: say who reviews (e.g. --reviewer alice)');
        }
        if (typeof review.reason !== 'string' || review.reason.trim() === '') {
          throw new Error('reason is required: say why (e.g. --reason "gap within noise")');
        }
        if (!['approve', 'reject', 'adjust'].includes(review.action)) {
          throw new Error(`action must be approve, reject or adjust, got "${String(review.action)}"`);
        }
        if (review.action === 'adjust') {
          if (review.sparsity === undefined && review.epsilon === undefined) {
            throw new Error('adjust needs a new sparsity and/or epsilon');
          }
          if (review.sparsity !== undefined && !(review.sparsity >= 0 && review.sparsity < 1)) {
            throw new Error(`sparsity must be in [0, 1), got ${review.sparsity}`);
          }
          if (review.epsilon !== undefined && !(review.epsilon >= 0 && review.epsilon <= 1)) {
            throw new Error(`epsilon must be in [0, 1], got ${review.epsilon}`);
          }
        }
      },
    },
  );

  const decide = async (entry: Omit<DecisionEntry, 'seq'>): Promise<void> => {
    state.decisions += 1;
    await bookkeeping().appendDecision({ campaignId, prefix, entry: { ...entry, seq: state.decisions } });
  };

  let dataset = carry?.dataset;
  let backend = carry?.backend ?? null;
  let baseline = carry?.baseline;

  let heldOut: HeldOutVerdict | undefined;
  const lineage = (status: LineageInput['status'], finalCheckpoint?: CheckpointRef) =>
    bookkeeping().writeLineage({
      campaign: input,
      dataset,
      backend: backend ?? undefined,
      checkpoints,
      gates,
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

  /** Evaluate a candidate (against the baseline unless it is the baseline) and gate it on the rubric. */
  const evaluateAndGate = async (stepKey: string, candidate: CheckpointRef, scope: 'absolute' | 'all') => {
    state.currentStep = `${stepKey}/evaluate`;
    const evaluated = await light.evaluate({
      ...identity(`${stepKey}/evaluate`),
      dataset: dataset!,
      candidate,
      reference: scope === 'all' ? baseline!.checkpoint : undefined,
      plan: config.evaluation,
    });
    state.currentStep = `${stepKey}/gate`;
    const gate = await bookkeeping().gate({
      ...identity(`${stepKey}/gate`),
      report: evaluated.report,
      rubric: input.rubric,
      scope,
    });
    gates.push({ stepKey, status: gate.decision.status, report: evaluated.report, decision: gate.ref });
    state.lastGate = { stepKey, status: gate.decision.status, reason: gateReason(gate) };
    return { evaluated, gate };
  };

  /**
   * The final model and the dense baseline on the held-out split, judged with the full rubric. Kept out of `gates`
   * and `state.lastGate`: no decision reads it, it only goes on record (result, decision log, lineage).
   */
  const judgeHeldOut = async (candidate: CheckpointRef, split: 'test'): Promise<HeldOutVerdict> => {
    const stepKey = 'held-out';
    state.currentStep = `${stepKey}/evaluate`;
    const evaluated = await light.evaluate({
      ...identity(`${stepKey}/evaluate`),
      dataset: dataset!,
      candidate,
      reference: baseline!.checkpoint,
      plan: { ...config.evaluation, split },
    });
    state.currentStep = `${stepKey}/gate`;
    const gate = await bookkeeping().gate({
      ...identity(`${stepKey}/gate`),
      report: evaluated.report,
      rubric: input.rubric,
      scope: 'all',
    });
    const verdict: HeldOutVerdict = {
      split,
      stepKey,
      checkpoint: candidate.stepKey,
      status: gate.decision.status,
      reason: gateReason(gate),
      rows: dataset!.rows[split],
      summary: evaluated.summary,
      report: evaluated.report,
      decision: gate.ref,
    };
    await decide({
      kind: 'held-out',
      milestone: null,
      attempt: null,
      message: `held-out verdict on the ${split} split (${verdict.rows} rows no gate, retry or review saw) for ${candidate.stepKey} against the dense baseline: ${verdict.status} — ${verdict.reason}; ${describeSummary(evaluated.summary)}`,
      checkpoint: candidate,
      gate: gateDigest(gate),
      summary: evaluated.summary,
    });
    return verdict;
  };

  /**
   * Re-render the campaign's dashboard (report.html in S3) from what S3 holds. Added after the first
   * campaigns ran: `patched` keeps their histories replayable. A render failure never fails the campaign.
   */
  const refreshDashboard = async (): Promise<void> => {
    if (!patched(DASHBOARD_PATCH)) return;
    try {
      await (patched(LOCAL_BOOKKEEPING_PATCH) ? proxies.local : proxies.report).renderReport({ campaignId, prefix });
    } catch (err) {
      if (isCancellation(err)) throw err;
    }
  };

  /** Between steps: honour pause (wait for resume) and abort (stop at the last good model). */
  const checkpointBoundary = async (): Promise<boolean> => {
    if (state.paused) await condition(() => !state.paused || abortRequest !== null);
    return abortRequest !== null;
  };

  try {
    // ---- prepare and baseline ----
    if (!carry) {
      state.phase = 'prepare';
      state.currentStep = 'prepare';
      dataset = await light.prepareDataset({
        ...identity('prepare'),
        spec: input.datasetSpec,
        sources: input.datasetSources,
      });
      upsertSearchAttributes([
        { key: searchAttributes.campaignId, value: campaignId },
        { key: searchAttributes.datasetId, value: dataset.datasetId },
        { key: searchAttributes.milestone, value: 0 },
        { key: searchAttributes.sparsity, value: 0 },
      ]);

      state.phase = 'baseline';
      state.currentStep = 'baseline';
      const trained = await heavy.trainBaseline({
        ...identity('baseline'),
        dataset,
        model: config.model,
        importedModel: input.importedModel,
      });
      backend = trained.backend;
      checkpoints.push(trained.checkpoint);
      const { evaluated, gate } = await evaluateAndGate('baseline', trained.checkpoint, 'absolute');
      upsertSearchAttributes([
        { key: searchAttributes.modelId, value: trained.checkpoint.weightsBin.sha256 },
        { key: searchAttributes.gateStatus, value: gate.decision.status },
      ]);
      await decide({
        kind: 'baseline',
        milestone: 0,
        attempt: 0,
        message: `dense baseline trained (${trained.epochsRun} epochs on ${trained.backend.backend}): ${describeSummary(evaluated.summary)}; absolute gate ${gate.decision.status}`,
        checkpoint: trained.checkpoint,
        gate: gateDigest(gate),
        summary: evaluated.summary,
      });
      if (gate.decision.status !== 'pass') {
        throw ApplicationFailure.nonRetryable(
          `the dense baseline does not meet the rubric's absolute constraints (${gate.decision.status}): ${gateReason(gate)}. ` +
            'Compression cannot start from a model that already fails; fix the model or the rubric.',
          'GateFailed',
        );
      }
      baseline = { checkpoint: trained.checkpoint, milestone: 0, summary: evaluated.summary };
      state.lastGood = baseline;
    }
    if (!dataset || !baseline || !state.lastGood)
      throw ApplicationFailure.nonRetryable('campaign state lost', 'InvalidInput');

    // ---- milestones ----
    const policy = config.policy;
    for (let k = carry?.nextMilestone ?? 1; k <= targets.length; k++) {
      state.phase = 'milestone';
      state.milestone = k;
      let target = round4(targets[k - 1]!);
      let constrained = config.compression.finetune.constrained;
      let epsilon = config.compression.finetune.epsilon;
      let regrowFrom: CheckpointRef | null = null;
      let accepted = false;

      for (let attempt = 0; !accepted; attempt++) {
        if (await checkpointBoundary()) break;
        state.attempt = attempt;
        state.targetSparsity = target;
        const stepBase = `milestone-${k}/attempt-${attempt}`;
        upsertSearchAttributes([
          { key: searchAttributes.milestone, value: k },
          { key: searchAttributes.sparsity, value: target },
        ]);

        // prune (or regrow connections of the rejected candidate)
        state.currentStep = `${stepBase}/prune`;
        const pruned: PruneOutput = regrowFrom
          ? await heavy.regrow({
              ...identity(`${stepBase}/regrow`),
              dataset,
              from: regrowFrom,
              baseline: baseline.checkpoint,
              fraction: policy.regrowFraction,
            })
          : await heavy.prune({
              ...identity(`${stepBase}/prune`),
              dataset,
              from: state.lastGood.checkpoint,
              criterion: config.compression.criterion,
              targetSparsity: target,
            });
        regrowFrom = null;
        await decide({
          kind: 'prune',
          milestone: k,
          attempt,
          targetSparsity: target,
          message: `${pruned.checkpoint.stepKey}: ${config.compression.criterion} to ${(pruned.checkpoint.sparsity * 100).toFixed(2)}% sparsity (target ${(target * 100).toFixed(2)}%); ${pruned.layers.map((l) => `${l.name} ${(l.sparsity * 100).toFixed(1)}%`).join(', ')}`,
          checkpoint: pruned.checkpoint,
        });

        state.currentStep = `${stepBase}/finetune`;
        const tuned: FinetuneOutput = await heavy.finetune({
          ...identity(`${stepBase}/finetune`),
          dataset,
          from: pruned.checkpoint,
          reference: baseline.checkpoint,
          plan: { ...config.compression.finetune, epsilon },
          constrained,
        });
        checkpoints.push(tuned.checkpoint);

        const { evaluated, gate } = await evaluateAndGate(stepBase, tuned.checkpoint, 'all');
        upsertSearchAttributes([{ key: searchAttributes.gateStatus, value: gate.decision.status }]);
        const record: MilestoneRecord = {
          milestone: k,
          attempt,
          stepKey: stepBase,
          targetSparsity: target,
          achievedSparsity: tuned.checkpoint.sparsity,
          constrained,
          status: gate.decision.status,
          reason: gateReason(gate),
          summary: evaluated.summary,
          resumedFromEpoch: tuned.resumedFromEpoch,
        };
        state.attempts.push(record);
        await decide({
          kind: 'gate',
          milestone: k,
          attempt,
          targetSparsity: target,
          message: `${stepBase}: fine-tuned ${tuned.epochsRun} epochs${constrained ? ` with fairness constraints (ε ${epsilon})` : ''}${tuned.resumedFromEpoch > 0 ? `, resumed at epoch ${tuned.resumedFromEpoch}` : ''}; ${describeSummary(evaluated.summary)}; gate ${gate.decision.status}`,
          checkpoint: tuned.checkpoint,
          gate: gateDigest(gate),
          summary: evaluated.summary,
        });

        if (gate.decision.status === 'pass') {
          state.lastGood = { checkpoint: tuned.checkpoint, milestone: k, summary: evaluated.summary };
          accepted = true;
          await decide({
            kind: 'accept',
            milestone: k,
            attempt,
            targetSparsity: target,
            message: `milestone ${k} accepted at ${(tuned.checkpoint.sparsity * 100).toFixed(2)}% sparsity: ${tuned.checkpoint.stepKey} is the new last good model`,
            checkpoint: tuned.checkpoint,
          });
          break;
        }

        // ---- compensation: roll back to the last good model; the candidate stays, marked rejected ----
        await CancellationScope.nonCancellable(async () => {
          await bookkeeping().markRejected({
            campaignId,
            prefix,
            candidate: tuned.checkpoint,
            reason: gateReason(gate),
          });
          state.rejected.push(tuned.checkpoint.stepKey);
          await decide({
            kind: 'rollback',
            milestone: k,
            attempt,
            targetSparsity: target,
            message: `gate ${gate.decision.status} for ${stepBase}: rolled back to ${state.lastGood!.checkpoint.stepKey} (${(state.lastGood!.checkpoint.sparsity * 100).toFixed(2)}% sparsity); candidate kept and marked rejected`,
            checkpoint: state.lastGood!.checkpoint,
          });
        });

        if (attempt >= policy.retriesPerMilestone) {
          state.stopReason = `milestone ${k}: no passing model after ${attempt + 1} attempts (last gate: ${gateReason(gate)})`;
          break;
        }
        const strategy: RetryStrategy = policy.onFail[Math.min(attempt, policy.onFail.length - 1)]!;
        await sleep(durationMs(policy.backoff));

        if (strategy === 'review') {
          const outcome = await awaitReview(k, attempt, stepBase, gateReason(gate));
          if (outcome.action === 'approve') {
            // A reviewer's override: the gate's rejection note stays beside the candidate, for the record.
            state.lastGood = {
              checkpoint: tuned.checkpoint,
              milestone: k,
              summary: evaluated.summary,
              approvedBy: outcome.reviewer,
            };
            accepted = true;
            await decide({
              kind: 'accept',
              milestone: k,
              attempt,
              targetSparsity: target,
              message: `milestone ${k} accepted by reviewer ${outcome.reviewer} despite gate ${gate.decision.status}: ${tuned.checkpoint.stepKey} is the new last good model`,
              checkpoint: tuned.checkpoint,
              review: outcome,
            });
            break;
          }
          if (outcome.action === 'reject') {
            state.stopReason = `milestone ${k}: reviewer ${outcome.reviewer} rejected (${outcome.reason})`;
            break;
          }
          if (outcome.sparsity !== undefined) target = round4(outcome.sparsity);
          if (outcome.epsilon !== undefined) {
            epsilon = outcome.epsilon;
            constrained = true;
          }
        } else if (strategy === 'constrained') {
          constrained = true;
        } else if (strategy === 'bisect') {
          target = round4((state.lastGood.checkpoint.sparsity + target) / 2);
        } else {
          regrowFrom = tuned.checkpoint;
        }
        await decide({
          kind: 'retry',
          milestone: k,
          attempt: attempt + 1,
          targetSparsity: target,
          message: `retry ${attempt + 1} of milestone ${k} by "${strategy}": target ${(target * 100).toFixed(2)}%${constrained ? `, constrained fine-tuning (ε ${epsilon})` : ''}${strategy === 'regrow' ? `, regrowing ${(policy.regrowFraction * 100).toFixed(0)}% of the pruned weights` : ''}`,
        });
      }

      await refreshDashboard();
      if (abortRequest || (!accepted && state.stopReason)) break;

      const milestonesThisRun = k - (carry?.nextMilestone ?? 1) + 1;
      const runIsFull = options.milestonesPerRun !== undefined && milestonesThisRun >= options.milestonesPerRun;
      if (k < targets.length && (workflowInfo().continueAsNewSuggested || runIsFull)) {
        await lineage('running');
        const carriesSignals = patched(SIGNALS_ACROSS_RUNS_PATCH);
        if (carriesSignals) {
          // Let every signal and update handler finish, and honour an abort that came in meanwhile here, in this run.
          await condition(allHandlersFinished);
          if (abortRequest) break;
        }
        const nextCarry: CampaignCarry = {
          dataset,
          backend,
          baseline,
          lastGood: state.lastGood,
          nextMilestone: k + 1,
          decisionSeq: state.decisions,
          attempts: state.attempts,
          rejected: state.rejected,
          checkpoints,
          gates,
          ...(carriesSignals ? { paused: state.paused, abortRequest } : {}),
        };
        await continueAsNew<typeof compressionCampaign>(input, options, nextCarry);
      }
    }

    if (
      !state.stopReason &&
      !config.policy.stopAtLastGood &&
      state.lastGood.milestone < targets.length &&
      !abortRequest
    ) {
      state.stopReason = 'the schedule did not finish';
    }
    if (state.stopReason && !config.policy.stopAtLastGood) {
      throw ApplicationFailure.nonRetryable(state.stopReason, 'GateFailed');
    }

    // ---- quantize ----
    let final = state.lastGood;
    let quantized = false;
    if (config.compression.quantize.enabled && !abortRequest) {
      state.phase = 'quantize';
      state.currentStep = 'quantize';
      const q = await heavy.quantize({
        ...identity('quantize'),
        dataset,
        from: state.lastGood.checkpoint,
        plan: config.compression.quantize,
      });
      checkpoints.push(q.checkpoint);
      const { evaluated, gate } = await evaluateAndGate('quantize', q.checkpoint, 'all');
      if (gate.decision.status === 'pass') {
        final = { checkpoint: q.checkpoint, milestone: state.lastGood.milestone, summary: evaluated.summary };
        quantized = true;
      } else {
        await bookkeeping().markRejected({ campaignId, prefix, candidate: q.checkpoint, reason: gateReason(gate) });
        state.rejected.push(q.checkpoint.stepKey);
      }
      await decide({
        kind: 'quantize',
        milestone: null,
        attempt: null,
        message: `${config.compression.quantize.precision} post-training quantization (max weight error ${q.maxAbsWeightError.toExponential(2)}): ${describeSummary(evaluated.summary)}; gate ${gate.decision.status}${quantized ? '' : ' — keeping the float model'}`,
        checkpoint: q.checkpoint,
        gate: gateDigest(gate),
        summary: evaluated.summary,
      });
    }

    // ---- export: the deployable artifact, gated on its re-loaded bytes (campaigns before EXPORT_PATCH had none) ----
    let exported: CampaignExport | undefined;
    if (!abortRequest && patched(EXPORT_PATCH)) {
      state.phase = 'finalize';
      state.currentStep = 'export';
      const ex = await heavy.exportModel({
        ...identity('export'),
        dataset,
        from: final.checkpoint,
        dense: baseline.checkpoint,
        formats: config.export ?? defaultExportFormats(config.compression.criterion),
        split: config.evaluation.split,
      });
      checkpoints.push(ex.shipped);
      const { evaluated, gate } = await evaluateAndGate('export', ex.shipped, 'all');
      exported = {
        checkpoint: ex.shipped,
        format: ex.shipped.export.format,
        gate: gate.decision.status,
        summary: evaluated.summary,
        formats: ex.formats,
        dense: ex.dense,
        sizes: ex.sizes,
      };
      // A failing export stops the campaign, unless the model it exports was accepted by a reviewer despite its gate:
      // that override carries to the bytes that ship (the export reproduces the approved model), and the final
      // gate's verdict stays on record in the result, the decision log and the lineage.
      if (gate.decision.status !== 'pass' && final.approvedBy === undefined) {
        const failed = `the shipped ${exported.format} export failed the final gate (${gate.decision.status}): ${gateReason(gate)}`;
        state.stopReason = state.stopReason ? `${state.stopReason}; ${failed}` : failed;
      }
    }

    // ---- held-out verdict: the final model on rows no decision saw (campaigns before HELD_OUT_PATCH had none) ----
    const finalCheckpoint = exported?.gate === 'pass' ? exported.checkpoint : final.checkpoint;
    const heldOutOn = heldOutSplit(config.evaluation);
    if (!abortRequest && heldOutOn !== null && patched(HELD_OUT_PATCH)) {
      state.phase = 'finalize';
      heldOut = await judgeHeldOut(finalCheckpoint, heldOutOn);
    }

    // ---- finalize ----
    state.phase = 'finalize';
    state.currentStep = 'finalize';
    const status: CampaignResult['status'] = abortRequest ? 'aborted' : state.stopReason ? 'stopped' : 'completed';
    const reason = abortRequest
      ? `aborted${(abortRequest as { by?: string }).by ? ` by ${(abortRequest as { by?: string }).by}` : ''}: ${(abortRequest as { reason: string }).reason}`
      : (state.stopReason ?? `all ${targets.length} milestones passed`);
    const lineageRef = await lineage(status === 'completed' ? 'completed' : 'stopped', finalCheckpoint);
    const shipped = exported?.formats.find((f) => f.format === exported.format);
    await decide({
      kind: status === 'completed' ? 'finalize' : 'stop',
      milestone: null,
      attempt: null,
      message:
        `${status}: ${reason}. Final model ${final.checkpoint.stepKey} at ${(final.checkpoint.sparsity * 100).toFixed(2)}% sparsity${quantized ? ', int8' : ''}` +
        (exported === undefined || shipped === undefined
          ? ''
          : `; shipped as ${exported.format}: ${shipped.bytes} bytes (${shipped.ratioVsDense.toFixed(1)}× smaller than the dense float32 model's ${exported.dense.bytes}), final gate on the re-loaded export ${exported.gate}${exported.gate !== 'pass' && final.approvedBy !== undefined ? ` (shipped on reviewer ${final.approvedBy}'s approval of milestone ${final.milestone})` : ''}: ${describeSummary(exported.summary)}`) +
        (heldOut === undefined ? '' : `; held-out verdict (${heldOut.split}) ${heldOut.status}`),
      checkpoint: final.checkpoint,
      summary: exported?.gate === 'pass' ? exported.summary : final.summary,
    });
    upsertSearchAttributes([{ key: searchAttributes.gateStatus, value: status }]);
    await refreshDashboard();
    state.phase = status;
    state.currentStep = null;
    return {
      campaignId,
      status,
      reason,
      final,
      baseline,
      quantized,
      milestones: state.attempts,
      lineage: lineageRef,
      decisions: state.decisions,
      ...(exported === undefined ? {} : { export: exported }),
      ...(heldOut === undefined ? {} : { heldOut }),
    };
  } catch (err) {
    if (isCancellation(err)) {
      // A cancelled campaign still ends at its last good model, with the reason on record.
      await CancellationScope.nonCancellable(async () => {
        await decide({
          kind: 'stop',
          milestone: state.milestone,
          attempt: state.attempt,
          message: `cancelled during ${state.currentStep ?? state.phase}; the last good model is ${state.lastGood?.checkpoint.stepKey ?? 'none'}`,
          checkpoint: state.lastGood?.checkpoint,
        });
        await lineage('stopped', state.lastGood?.checkpoint);
        await refreshDashboard();
      });
      state.phase = 'stopped';
    } else {
      state.phase = 'failed';
    }
    throw err;
  }

  async function awaitReview(
    milestone: number,
    attempt: number,
    stepKey: string,
    reason: string,
  ): Promise<ReviewInput> {
    state.phase = 'awaiting-review';
    state.pendingReview = { milestone, attempt, stepKey, reason };
    await decide({
      kind: 'review-requested',
      milestone,
      attempt,
      message: `review requested for ${stepKey}: ${reason} (timeout ${config.policy.review.timeout}, then ${config.policy.review.onTimeout})`,
    });
    const reviewed = await condition(
      () => pendingReviewInput !== null || abortRequest !== null,
      durationMs(config.policy.review.timeout),
    );
    const aborted = abortRequest as { by?: string; reason: string } | null;
    const review: ReviewInput =
      reviewed && pendingReviewInput
        ? pendingReviewInput
        : aborted
          ? { reviewer: aborted.by ?? 'abort', reason: `campaign aborted: ${aborted.reason}`, action: 'reject' }
          : {
              reviewer: 'policy',
              reason: `no review within ${config.policy.review.timeout}`,
              action: config.policy.review.onTimeout,
            };
    pendingReviewInput = null;
    state.pendingReview = null;
    state.phase = 'milestone';
    await decide({
      kind: 'review',
      milestone,
      attempt,
      message: `review of ${stepKey} by ${review.reviewer}: ${review.action}${review.sparsity !== undefined ? ` sparsity ${review.sparsity}` : ''}${review.epsilon !== undefined ? ` ε ${review.epsilon}` : ''} — ${review.reason}`,
      review,
    });
    return review;
  }
}
