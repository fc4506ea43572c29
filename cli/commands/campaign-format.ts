// How campaign commands put things into words: progress bars, sparsities, decision-log lines, the
// state line of `watch` and `status`, and aligned tables. Pure functions of plain values.
import type { DecisionEntry, GateStatus, StepProgress } from '../../core/campaign/contracts.ts';
import type { CampaignState } from '../../workflows/campaign.ts';
import { UsageError } from '../io.ts';

/** `[#########-----------]` for done/total; clamps to the bar, an unknown total draws an empty bar. */
export function progressBar(done: number, total: number, width = 20): string {
  const fraction = total > 0 && Number.isFinite(done) ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

export const percent = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`;

/** Loss with four significant digits; `n/a` when the step reported none (NaN or infinite). */
export function formatLoss(loss: number): string {
  if (!Number.isFinite(loss)) return 'n/a';
  return Math.abs(loss) >= 1e-3 || loss === 0 ? loss.toFixed(4) : loss.toExponential(2);
}

/** `milestone-1/attempt-0/finetune  epoch 3/8 [#######-------------] 38% loss 0.4123` */
export function formatStepProgress(progress: StepProgress, opts: { attempt?: number; width?: number } = {}): string {
  const { stepKey, epoch, epochs, loss } = progress;
  const share = epochs > 0 ? Math.round((Math.min(epoch, epochs) / epochs) * 100) : 0;
  const retry = opts.attempt !== undefined && opts.attempt > 1 ? ` (activity attempt ${opts.attempt})` : '';
  return `${stepKey}  epoch ${epoch}/${epochs} ${progressBar(epoch, epochs, opts.width)} ${share}% loss ${formatLoss(loss)}${retry}`;
}

/** `milestone 2/4 · target 50.0% · milestone-2/attempt-0/finetune` (or the phase outside milestones). */
export function formatStateLine(
  state: Pick<CampaignState, 'phase' | 'milestone' | 'milestones' | 'targetSparsity' | 'currentStep' | 'paused'>,
): string {
  const parts: string[] = [];
  if (state.phase === 'milestone' || state.phase === 'awaiting-review') {
    parts.push(`milestone ${state.milestone}/${state.milestones}`);
    if (state.targetSparsity !== null) parts.push(`target ${percent(state.targetSparsity)}`);
  } else {
    parts.push(state.phase);
  }
  if (state.currentStep && state.currentStep !== state.phase) parts.push(state.currentStep);
  if (state.phase === 'awaiting-review') parts.push('waiting for a review');
  if (state.paused) parts.push('PAUSED');
  return parts.join(' · ');
}

const STATUS_WORD: Record<GateStatus, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  'insufficient-evidence': 'INSUFFICIENT EVIDENCE',
};
export const gateWord = (status: GateStatus): string => STATUS_WORD[status] ?? String(status).toUpperCase();

/** One decision-log entry as lines: the message, and for a gate each constraint's verdict and reason. */
export function formatDecision(entry: DecisionEntry): string[] {
  const label = entry.kind === 'rollback' ? 'ROLLBACK' : entry.kind;
  const lines = [`#${entry.seq} ${label}: ${entry.message}`];
  if (entry.gate) {
    for (const c of entry.gate.constraints) lines.push(`    ${gateWord(c.status)} ${c.id}: ${c.reason}`);
  }
  return lines;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Plain decimal notation, as a person types it: no hex (`0x10`), no blanks, no `Infinity`. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A number flag: a decimal number, or a usage problem naming the flag with an example that fits it. */
export function parseNumberFlag(name: string, raw: string | undefined, example: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!DECIMAL.test(raw.trim()))
    throw new UsageError(`--${name} must be a number, got "${raw}"`, `e.g. --${name} ${example}`);
  return Number(raw);
}
