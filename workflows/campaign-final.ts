// How the campaign's path ends before finalize: post-training quantization of the last good model (kept only if its
// gate passes) and the export of the deployable artifact, gated on its re-loaded bytes.
import { ApplicationFailure, CancellationScope, patched } from '@temporalio/workflow';
import { defaultExportFormats } from '../core/config/campaign.ts';
import { EXPORT_PATCH, TERMINAL_PATCH, type AcceptedModel, type CampaignExport } from './campaign-api.ts';
import {
  decide,
  describeSummary,
  evaluateAndGate,
  gateDigest,
  gateReason,
  lineage,
  refreshDashboard,
  type CampaignRun,
} from './campaign-run.ts';

/** Quantizes the last good model; the final model is the quantized one when its gate passes, else the float one. */
export async function quantizeLastGood(run: CampaignRun): Promise<{ final: AcceptedModel; quantized: boolean }> {
  const { state, config, campaignId, prefix, identity } = run;
  const { heavy } = run.proxies;
  const dataset = run.dataset!;
  let final = state.lastGood!;
  let quantized = false;
  if (config.compression.quantize.enabled && !run.abortRequest) {
    state.phase = 'quantize';
    state.currentStep = 'quantize';
    const q = await heavy.quantize({
      ...identity('quantize'),
      dataset,
      from: state.lastGood!.checkpoint,
      plan: config.compression.quantize,
    });
    run.checkpoints.push(q.checkpoint);
    const { evaluated, gate } = await evaluateAndGate(run, 'quantize', q.checkpoint, 'all');
    if (gate.decision.status === 'pass') {
      final = { checkpoint: q.checkpoint, milestone: state.lastGood!.milestone, summary: evaluated.summary };
      quantized = true;
    } else {
      const reject = async () => {
        await run.bookkeeping().markRejected({ campaignId, prefix, candidate: q.checkpoint, reason: gateReason(gate) });
        state.rejected.push(q.checkpoint.stepKey);
      };
      // Like a milestone's rollback, the rejection is compensation: a cancellation must not cut it short.
      if (patched(TERMINAL_PATCH)) await CancellationScope.nonCancellable(reject);
      else await reject();
    }
    await decide(run, {
      kind: 'quantize',
      milestone: null,
      attempt: null,
      message: `${config.compression.quantize.precision} post-training quantization (max weight error ${q.maxAbsWeightError.toExponential(2)}): ${describeSummary(evaluated.summary)}; gate ${gate.decision.status}${quantized ? '' : ' — keeping the float model'}`,
      checkpoint: q.checkpoint,
      gate: gateDigest(gate),
      summary: evaluated.summary,
    });
  }
  return { final, quantized };
}

/**
 * Writes the deployable formats and gates the shipped one on its re-loaded bytes (campaigns before EXPORT_PATCH had
 * none). A failing export stops the campaign unless a reviewer approved the model it exports.
 */
export async function exportFinal(run: CampaignRun, final: AcceptedModel): Promise<CampaignExport | undefined> {
  const { state, config, identity } = run;
  const { heavy } = run.proxies;
  const dataset = run.dataset!;
  const baseline = run.baseline!;
  let exported: CampaignExport | undefined;
  // `export: []` asks for no deployable format; every campaign before it had at least one, so no patch is needed.
  const formats = config.export ?? defaultExportFormats(config.compression.criterion);
  if (!run.abortRequest && formats.length > 0 && patched(EXPORT_PATCH)) {
    state.phase = 'finalize';
    state.currentStep = 'export';
    const ex = await heavy.exportModel({
      ...identity('export'),
      dataset,
      from: final.checkpoint,
      dense: baseline.checkpoint,
      formats,
      split: config.evaluation.split,
    });
    run.checkpoints.push(ex.shipped);
    const { evaluated, gate } = await evaluateAndGate(run, 'export', ex.shipped, 'all');
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
  return exported;
}

/**
 * Ends the campaign as failed (GateFailed, not retried). Since TERMINAL_PATCH the ending is on record first, out of
 * reach of cancellation: a `fail` line in the decision log naming the last good model, lineage.json with status
 * failed, and the dashboard.
 */
export async function failCampaign(run: CampaignRun, reason: string): Promise<never> {
  const { state } = run;
  if (patched(TERMINAL_PATCH)) {
    await CancellationScope.nonCancellable(async () => {
      await decide(run, {
        kind: 'fail',
        milestone: state.milestone,
        attempt: state.attempt,
        message: `failed: ${reason}. The last good model is ${state.lastGood?.checkpoint.stepKey ?? 'none'}`,
        checkpoint: state.lastGood?.checkpoint,
      });
      await lineage(run, 'failed');
      await refreshDashboard(run);
    });
  }
  state.phase = 'failed';
  throw ApplicationFailure.nonRetryable(reason, 'GateFailed');
}
