// How far a campaign got, and what its final model is, in one line each (status, watch, demo, the dashboard).
import type { CheckpointRef, MetricSummary } from './contracts.ts';

/** The parts of a campaign's result that say how far it got (workflows/campaign.ts CampaignResult has them). */
export interface CampaignEnding {
  status: 'completed' | 'stopped' | 'aborted';
  reason: string;
  final: { checkpoint: { sparsity: number } };
  milestones: { milestone: number; targetSparsity: number; status: string; reason: string }[];
}

export interface CampaignOutcome {
  /** The final model's sparsity. */
  reached: number;
  /** The schedule's last target: what the campaign file asked for. */
  asked: number;
  /** Whether the final model is short of the asked sparsity (by more than pruning's rounding). */
  short: boolean;
  /** One line: `completed: 90.0% of 90.0% sparsity; all 3 milestones passed`, or `stopped at 65.6% of 90.0%: …`. */
  headline: string;
}

/** Pruning removes whole weights, so a reached sparsity sits within a fraction of a percentage point of its target. */
const SPARSITY_TOLERANCE = 0.005;

/** Whether a model at `reached` sparsity counts as at the `asked` target: within pruning's rounding of it, or above. */
export function reachesTarget(reached: number, asked: number): boolean {
  return reached >= asked - SPARSITY_TOLERANCE;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The last milestone attempt that did not pass: the one that sent a campaign below its target. */
const lastFailedAttempt = (attempts: CampaignEnding['milestones']) =>
  [...attempts].reverse().find((m) => m.status !== 'pass');

/**
 * What a campaign reached against what it asked for. A campaign can complete short of its target (a bisect retry
 * or a reviewer lowered a milestone's target, or quantization was rejected): the headline then says where it stopped
 * and names the last failed milestone attempt, instead of only the workflow's own reason.
 */
export function campaignOutcome(result: CampaignEnding, askedSparsity: number): CampaignOutcome {
  const reached = result.final.checkpoint.sparsity;
  const short = !reachesTarget(reached, askedSparsity);
  if (!short) {
    return {
      reached,
      asked: askedSparsity,
      short,
      headline: `${result.status}: ${pct(reached)} of ${pct(askedSparsity)} sparsity; ${result.reason}`,
    };
  }
  const failed = lastFailedAttempt(result.milestones);
  const why =
    result.status !== 'completed' || failed === undefined
      ? result.reason
      : `milestone ${failed.milestone} failed at ${pct(failed.targetSparsity)} (${failed.reason}); the campaign went on with a lower target`;
  const stoppedAt = `stopped at ${pct(reached)} of ${pct(askedSparsity)}: ${why}`;
  return {
    reached,
    asked: askedSparsity,
    short,
    headline: result.status === 'completed' ? `completed short of the target: ${stoppedAt}` : stoppedAt,
  };
}

/**
 * The reason a completed campaign gives in its result and its final decision: every milestone passed, and, when the
 * final model is short of the schedule's last target (a bisect retry or a reviewer lowered a milestone's target),
 * where it stopped and the last milestone attempt that failed, so the audit trail does not read as if it got there.
 */
export function completedReason(
  milestoneCount: number,
  attempts: CampaignEnding['milestones'],
  reached: number,
  askedSparsity: number,
): string {
  const all = `all ${milestoneCount} milestones passed`;
  if (reachesTarget(reached, askedSparsity)) return all;
  const failed = lastFailedAttempt(attempts);
  return (
    `${all}, short of the target: ${pct(reached)} of ${pct(askedSparsity)}` +
    (failed === undefined
      ? ''
      : ` (milestone ${failed.milestone} failed at ${pct(failed.targetSparsity)}; the campaign went on with a lower target)`)
  );
}

/** Bytes a deployment of the checkpoint stores: the model topology and its weights (int8 when quantized). */
export function storedBytes(checkpoint: CheckpointRef): number {
  return checkpoint.modelJson.bytes + (checkpoint.int8 ?? checkpoint.weightsBin).bytes;
}

/** `1.2 kB`, `3.4 MB`: decimal units, as file managers show sizes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** What a campaign shipped: its export format, stored bytes, and the dense float32 model's stored bytes. */
export interface ShippedExport {
  format: string;
  formats: { format: string; bytes: number }[];
  dense: { bytes: number };
}

/**
 * `accuracy 0.8412, worst group sex=female 0.7903, 90.0% sparse, int8, shipped as sparse-int8 1.7 kB (22.9× smaller
 * than dense float32 38.9 kB)`: what a finished model is. Sizes are bytes on disk: the shipped export's when the
 * campaign exported one, else the checkpoint's topology and weights.
 */
export function describeFinalModel(
  model: { checkpoint: CheckpointRef; summary: MetricSummary },
  quantized: boolean,
  shipped?: ShippedExport,
): string {
  const { accuracy, worstGroupAccuracy: worst } = model.summary;
  const file = shipped?.formats.find((f) => f.format === shipped.format);
  return [
    `accuracy ${accuracy === null ? 'undefined' : accuracy.toFixed(4)}`,
    `worst group ${worst === null ? 'undefined' : `${worst.attribute}=${worst.group} ${worst.value.toFixed(4)}`}`,
    `${pct(model.checkpoint.sparsity)} sparse${quantized ? ', int8' : ''}`,
    shipped === undefined || file === undefined
      ? `stored ${formatBytes(storedBytes(model.checkpoint))}`
      : `shipped as ${shipped.format} ${formatBytes(file.bytes)} (${(shipped.dense.bytes / file.bytes).toFixed(1)}× smaller than dense float32 ${formatBytes(shipped.dense.bytes)})`,
  ].join(', ');
}
