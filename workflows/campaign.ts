// The compression campaign (docs/architecture.md): prepare → baseline → milestones (prune → fine-tune → evaluate →
// gate) → quantize → export → held-out verdict → finalize. Deterministic orchestration only; every computation is an
// activity whose inputs and outputs are small (refs, summaries, decisions). The parts live beside this file:
// campaign-api.ts (messages, types, patch ids), campaign-run.ts (the run's context and shared steps),
// campaign-review.ts (signals, the review update and its validator), campaign-milestone.ts (one milestone's attempts)
// and campaign-final.ts (quantize and export).
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  patched,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { heldOutSplit } from '../core/config/campaign.ts';
import type { CampaignInput } from '../core/campaign/contracts.ts';
import { completedReason } from '../core/campaign/summary.ts';
import {
  HELD_OUT_PATCH,
  SHORT_OF_TARGET_PATCH,
  SIGNALS_ACROSS_RUNS_PATCH,
  TERMINAL_PATCH,
  searchAttributes,
  type CampaignCarry,
  type CampaignOptions,
  type CampaignResult,
} from './campaign-api.ts';
import { exportFinal, failCampaign, quantizeLastGood } from './campaign-final.ts';
import { runMilestone } from './campaign-milestone.ts';
import { installHandlers } from './campaign-review.ts';
import {
  abortReason,
  createRun,
  decide,
  describeSummary,
  evaluateAndGate,
  gateDigest,
  gateReason,
  judgeHeldOut,
  lineage,
  markCampaignStatus,
  refreshDashboard,
} from './campaign-run.ts';

export * from './campaign-api.ts';

export async function compressionCampaign(
  input: CampaignInput,
  options: CampaignOptions = {},
  carry?: CampaignCarry,
): Promise<CampaignResult> {
  const run = createRun(input, options, carry);
  const { config, campaignId, state, targets, identity } = run;
  const { heavy } = run.proxies;
  installHandlers(run);

  try {
    // Each run says so: a run continued as new starts as `running` too (a pause it carries is marked where it holds).
    markCampaignStatus('running');

    // ---- prepare and baseline ----
    if (!carry) {
      state.phase = 'prepare';
      state.currentStep = 'prepare';
      run.dataset = await run.dataSteps().prepareDataset({
        ...identity('prepare'),
        spec: input.datasetSpec,
        sources: input.datasetSources,
      });
      upsertSearchAttributes([
        { key: searchAttributes.campaignId, value: campaignId },
        { key: searchAttributes.datasetId, value: run.dataset.datasetId },
        { key: searchAttributes.milestone, value: 0 },
        { key: searchAttributes.sparsity, value: 0 },
      ]);

      state.phase = 'baseline';
      state.currentStep = 'baseline';
      const trained = await heavy.trainBaseline({
        ...identity('baseline'),
        dataset: run.dataset,
        model: config.model,
        importedModel: input.importedModel,
      });
      run.backend = trained.backend;
      run.checkpoints.push(trained.checkpoint);
      const { evaluated, gate } = await evaluateAndGate(run, 'baseline', trained.checkpoint, 'absolute');
      upsertSearchAttributes([
        { key: searchAttributes.modelId, value: trained.checkpoint.weightsBin.sha256 },
        { key: searchAttributes.gateStatus, value: gate.decision.status },
      ]);
      await decide(run, {
        kind: 'baseline',
        milestone: 0,
        attempt: 0,
        message: `dense baseline trained (${trained.epochsRun} epochs on ${trained.backend.backend}): ${describeSummary(evaluated.summary)}; absolute gate ${gate.decision.status}`,
        checkpoint: trained.checkpoint,
        gate: gateDigest(gate),
        summary: evaluated.summary,
      });
      if (gate.decision.status !== 'pass') {
        await failCampaign(
          run,
          `the dense baseline does not meet the rubric's absolute constraints (${gate.decision.status}): ${gateReason(gate)}. ` +
            'Compression cannot start from a model that already fails; fix the model or the rubric.',
        );
      }
      run.baseline = { checkpoint: trained.checkpoint, milestone: 0, summary: evaluated.summary };
      state.lastGood = run.baseline;
    }
    if (!run.dataset || !run.baseline || !state.lastGood)
      throw ApplicationFailure.nonRetryable('campaign state lost', 'InvalidInput');

    // ---- milestones ----
    for (let k = carry?.nextMilestone ?? 1; k <= targets.length; k++) {
      const accepted = await runMilestone(run, k);
      await refreshDashboard(run);
      if (run.abortRequest || (!accepted && state.stopReason)) break;

      const milestonesThisRun = k - (carry?.nextMilestone ?? 1) + 1;
      const runIsFull = options.milestonesPerRun !== undefined && milestonesThisRun >= options.milestonesPerRun;
      if (k < targets.length && (workflowInfo().continueAsNewSuggested || runIsFull)) {
        await lineage(run, 'running');
        const carriesSignals = patched(SIGNALS_ACROSS_RUNS_PATCH);
        if (carriesSignals) {
          // Let every signal and update handler finish, and honour an abort that came in meanwhile here, in this run.
          await condition(allHandlersFinished);
          if (run.abortRequest) break;
        }
        const nextCarry: CampaignCarry = {
          dataset: run.dataset,
          backend: run.backend,
          baseline: run.baseline,
          lastGood: state.lastGood,
          nextMilestone: k + 1,
          decisionSeq: state.decisions,
          attempts: state.attempts,
          rejected: state.rejected,
          checkpoints: run.checkpoints,
          gates: run.gates,
          ...(carriesSignals ? { paused: state.paused, abortRequest: run.abortRequest } : {}),
        };
        await continueAsNew<typeof compressionCampaign>(input, options, nextCarry);
      }
    }

    if (
      !state.stopReason &&
      !config.policy.stopAtLastGood &&
      state.lastGood.milestone < targets.length &&
      !run.abortRequest
    ) {
      state.stopReason = 'the schedule did not finish';
    }
    if (state.stopReason && !config.policy.stopAtLastGood) {
      // An abort (e.g. during a review) ends the campaign as aborted, not as a failed gate (TERMINAL_PATCH).
      const abortWins = patched(TERMINAL_PATCH) && run.abortRequest !== null;
      if (!abortWins) await failCampaign(run, state.stopReason);
    }

    // ---- quantize and export ----
    const { final, quantized } = await quantizeLastGood(run);
    const exported = await exportFinal(run, final);

    // ---- held-out verdict: the final model on rows no decision saw (campaigns before HELD_OUT_PATCH had none) ----
    const finalCheckpoint = exported?.gate === 'pass' ? exported.checkpoint : final.checkpoint;
    const heldOutOn = heldOutSplit(config.evaluation);
    if (!run.abortRequest && heldOutOn !== null && patched(HELD_OUT_PATCH)) {
      state.phase = 'finalize';
      run.heldOut = await judgeHeldOut(run, finalCheckpoint, heldOutOn);
    }

    // ---- finalize ----
    state.phase = 'finalize';
    state.currentStep = 'finalize';
    const { heldOut } = run;
    const status: CampaignResult['status'] = run.abortRequest ? 'aborted' : state.stopReason ? 'stopped' : 'completed';
    const reason = run.abortRequest
      ? abortReason(run.abortRequest)
      : (state.stopReason ??
        (patched(SHORT_OF_TARGET_PATCH)
          ? completedReason(targets.length, state.attempts, final.checkpoint.sparsity, targets[targets.length - 1]!)
          : `all ${targets.length} milestones passed`));
    const lineageRef = await lineage(run, status === 'completed' ? 'completed' : 'stopped', finalCheckpoint);
    const shipped = exported?.formats.find((f) => f.format === exported.format);
    await decide(run, {
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
    // Campaigns before CAMPAIGN_STATUS_PATCH wrote their ending into GateStatus.
    if (!markCampaignStatus(status)) upsertSearchAttributes([{ key: searchAttributes.gateStatus, value: status }]);
    await refreshDashboard(run);
    state.phase = status;
    state.currentStep = null;
    return {
      campaignId,
      status,
      reason,
      final,
      baseline: run.baseline,
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
        await decide(run, {
          kind: 'stop',
          milestone: state.milestone,
          attempt: state.attempt,
          message: `cancelled during ${state.currentStep ?? state.phase}; the last good model is ${state.lastGood?.checkpoint.stepKey ?? 'none'}`,
          checkpoint: state.lastGood?.checkpoint,
        });
        await lineage(run, 'stopped', state.lastGood?.checkpoint);
        markCampaignStatus('stopped');
        await refreshDashboard(run);
      });
      state.phase = 'stopped';
    } else {
      state.phase = 'failed';
      if (!(err instanceof ContinueAsNew)) markCampaignStatus('failed');
    }
    throw err;
  }
}
