// `fairshrink watch <campaignId>`: a running campaign as it happens. Each poll reads three sources:
// the decision log in S3 (every gate with its per-constraint verdicts, rollbacks, retries, reviews;
// complete from the first entry, so a watch started late prints what already happened first), the
// `state` query (milestone k/N, target sparsity, current step), and the pending activity's last
// heartbeat (epoch/epochs and loss, drawn as a progress bar). When the campaign closes, watch
// exits with its result: 0 completed, 1 stopped, aborted, failed, cancelled or terminated.
// A poll that fails for a transient reason (Temporal or S3 briefly unreachable, a query that times
// out) never ends the watch: it says so once, backs off, and keeps following.
import { campaignOutcome } from '../../core/campaign/summary.ts';
import type { ArtifactStore } from '../../core/storage/index.ts';
import { scheduleTargets, stateQuery, type CampaignState } from '../../workflows/campaign.ts';
import { EXIT, processIo, UsageError } from '../io.ts';
import {
  campaignIdArgument,
  campaignInputOf,
  commonFlags,
  describeCampaign,
  openStore,
  parseCommandArgs,
  pendingSteps,
  readDecisionLog,
  reportingFailures,
  withCampaignClient,
  withinDeadline,
  type CampaignClient,
  type CommandContext,
} from './campaign.ts';
import { askedSparsity, campaignFailure } from './campaign-status.ts';
import { parseNumberFlag } from './campaign-format.ts';
import { WatchPrinter, type LiveIo, type WatchEvent, type WatchOptions } from './watch-printer.ts';
import { ContactKeeper, isTransientFailure } from './watch-contact.ts';

export const watchHelp = `fairshrink watch <campaignId> [--interval <ms>] [--json]

Follow a campaign until it ends: milestone k/N and target sparsity, the step running now with a
progress bar (epoch/epochs and loss from its heartbeats), each gate's verdict per rubric constraint
as it arrives, rollbacks, retries and reviews. Started after the campaign began, it first prints
everything that already happened (from the decision log). On a terminal the progress line redraws
in place; piped, every change is a plain line.

  --interval  how often to poll Temporal and S3, in milliseconds (default 1000)
  --json      one JSON object per line: {"type":"campaign"|"decision"|"state"|"progress"|"notice"|"result", ...}

If Temporal or S3 stops answering for a while, watch says so once, retries with back-off and keeps
following; it ends only when the campaign does. A failed campaign's result names the failing step
and its own message (e.g. a data error with its fix).

Exit codes: 0 the campaign completed, 1 it stopped, was aborted, failed, was cancelled or terminated
(or Temporal/S3 unreachable when watch starts), 2 bad usage or no such campaign.

Examples:
  fairshrink watch adult-demo-3f2a9c1d0b7e
  fairshrink watch adult-demo-3f2a9c1d0b7e --json | jq -c 'select(.type == "decision")'`;

/** A CliIo that may also draw on a terminal: `isTTY` and a raw `write` (no newline added). */

const stateKey = (s: CampaignState) =>
  JSON.stringify([s.phase, s.milestone, s.attempt, s.targetSparsity, s.currentStep, s.paused]);

/** The closing event: the result (completed, stopped, aborted) or the failure, with the exit code. */
async function closingEvent(
  c: CampaignClient,
  campaignId: string,
  asked: number,
): Promise<WatchEvent & { type: 'result' }> {
  const { handle, description } = await describeCampaign(c, campaignId);
  if (description.status.name === 'COMPLETED') {
    const result = await handle.result();
    return {
      type: 'result',
      status: result.status,
      reason: result.reason,
      headline: campaignOutcome(result, asked).headline,
      exitCode: result.status === 'completed' ? EXIT.ok : EXIT.failed,
      result,
      failure: null,
    };
  }
  const status = description.status.name.toLowerCase();
  const failure = await handle.result().then(
    () => null,
    (err: unknown) => {
      // Losing the connection while reading the result is not the campaign's failure: let the caller retry.
      if (isTransientFailure(err)) throw err;
      return campaignFailure(err);
    },
  );
  const reason = failure?.text ?? status;
  return {
    type: 'result',
    status,
    reason,
    headline: `${status}: ${reason}`,
    exitCode: EXIT.failed,
    result: null,
    failure,
  };
}

/** How long each poll's call to Temporal may take before the watch counts it as lost contact and backs off. */
export const POLL_DEADLINE_MS = 5000;

/** Follows a campaign until it closes; returns the exit code of its result. Usable by `run --watch`. */
export async function watchCampaign(
  c: CampaignClient,
  store: ArtifactStore,
  campaignId: string,
  io: LiveIo,
  options: WatchOptions,
): Promise<number> {
  const printer = new WatchPrinter(io, options);
  const contact = new ContactKeeper(printer, options.intervalMs);
  // Each call to Temporal gets a deadline: without one the client retries an unreachable server for ~25 s before
  // failing, and the watch would sit silent that long before saying it lost contact.
  const timed =
    <T>(call: () => Promise<T>) =>
    (): Promise<T> =>
      c.connection.withDeadline(Date.now() + POLL_DEADLINE_MS, call);
  const { handle, description: first } = await contact.poll(timed(() => describeCampaign(c, campaignId)));
  const input = await contact.poll(timed(() => campaignInputOf(c, campaignId)));
  printer.event({
    type: 'campaign',
    campaignId,
    status: first.status.name,
    startTime: first.startTime.toISOString(),
    milestones: scheduleTargets(input.config).length,
  });
  let seenSeq = 0;
  let lastState = '';
  let lastProgress = '';
  const drainDecisions = async () => {
    const { entries } = await contact.poll(() => readDecisionLog(store, input));
    for (const entry of entries) {
      if (entry.seq <= seenSeq) continue;
      seenSeq = entry.seq;
      printer.event({ type: 'decision', decision: entry });
    }
  };
  let description = first;
  while (description.status.name === 'RUNNING') {
    await drainDecisions();
    const state = await contact.poll(() => withinDeadline(c, 3000, () => handle.query(stateQuery)));
    if (state && stateKey(state) !== lastState) {
      lastState = stateKey(state);
      const { phase, milestone, milestones, attempt, targetSparsity, currentStep, paused } = state;
      printer.event({ type: 'state', phase, milestone, milestones, attempt, targetSparsity, currentStep, paused });
    }
    for (const step of pendingSteps(description)) {
      if (!step.progress) continue;
      const p = step.progress;
      // On a terminal every heartbeat redraws the bar; piped, a new line per epoch is enough.
      const key = JSON.stringify([p.stepKey, p.epoch, step.attempt, options.tty ? p.loss : null]);
      if (key === lastProgress) continue;
      lastProgress = key;
      printer.event({
        type: 'progress',
        activityType: step.activityType,
        activityAttempt: step.attempt,
        stepKey: p.stepKey,
        epoch: p.epoch,
        epochs: p.epochs,
        loss: p.loss,
      });
    }
    await new Promise((r) => setTimeout(r, options.intervalMs));
    description = (await contact.poll(timed(() => describeCampaign(c, campaignId)))).description;
  }
  await drainDecisions();
  const result = await contact.poll(timed(() => closingEvent(c, campaignId, askedSparsity(input))));
  printer.event(result);
  return result.exitCode;
}

/** Whether `io` is a terminal that can redraw: the process's own stdout when it is a TTY, or a LiveIo that says so. */
export function terminalOf(io: LiveIo): { tty: boolean; io: LiveIo } {
  if (io === processIo) {
    const tty = Boolean(process.stdout.isTTY);
    return { tty, io: { ...io, isTTY: tty, write: (text) => process.stdout.write(text) } };
  }
  return { tty: Boolean(io.isTTY && io.write), io };
}

export function parseWatchArguments(
  argv: string[],
): { campaignId: string; intervalMs: number; json: boolean } | 'help' {
  const { values, positionals } = parseCommandArgs('watch', argv, { ...commonFlags, interval: { type: 'string' } });
  if (values.help) return 'help';
  const campaignId = campaignIdArgument('watch', positionals, 'fairshrink watch <campaignId>');
  if (positionals.length > 1)
    throw new UsageError(`unexpected argument "${positionals[1]}"`, 'fairshrink watch <campaignId>');
  const intervalMs = parseNumberFlag('interval', values.interval, '1000') ?? 1000;
  if (!(intervalMs >= 50 && intervalMs <= 60_000)) {
    throw new UsageError(`--interval must be between 50 and 60000 ms, got ${intervalMs}`, 'e.g. --interval 2000');
  }
  return { campaignId, intervalMs, json: values.json ?? false };
}

export async function watchCommand(argv: string[], io: LiveIo, context: CommandContext): Promise<number> {
  const parsed = parseWatchArguments(argv);
  if (parsed === 'help') {
    io.stdout(watchHelp);
    return EXIT.ok;
  }
  const terminal = terminalOf(io);
  return reportingFailures(io, context, () =>
    withCampaignClient(async (c) => {
      const store = openStore(c.settings);
      try {
        return await watchCampaign(c, store, parsed.campaignId, terminal.io, {
          intervalMs: parsed.intervalMs,
          json: parsed.json,
          tty: terminal.tty && !parsed.json,
        });
      } finally {
        store.destroy();
      }
    }),
  );
}
