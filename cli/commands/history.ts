// `fairshrink history <campaignId>` exports a campaign's workflow history as JSON (Temporal's own
// format, as `temporal workflow show -o json` prints it, wrapped as { workflowId, history } like the
// golden histories in tests/replay/histories/; a campaign that continued as new has one history per
// run, exported as { workflowId, runs: [{ runId, history }, ...] }, oldest first); `fairshrink replay
// <file>` replays every run of such a file against the workflow code in this checkout, which is how
// to tell whether a code change breaks running or recorded campaigns.
import { readFile, writeFile } from 'node:fs/promises';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { bundleWorkflows, installRuntime } from '../../workers/worker.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';
import {
  CampaignCommandError,
  campaignIdArgument,
  commonFlags,
  describeCampaign,
  parseCommandArgs,
  reportingFailures,
  withCampaignClient,
  type CampaignClient,
  type CommandContext,
} from './campaign.ts';

export const historyHelp = `fairshrink history <campaignId> [--out <file.json>] [--json]

Export the campaign's workflow history as JSON: { "workflowId": ..., "history": ... } with the history
in Temporal's JSON format (the one \`temporal workflow show -o json\` prints). A campaign that continued
as new at milestone boundaries has one history per run; all of them are exported, oldest first, as
{ "workflowId": ..., "runs": [{ "runId": ..., "history": ... }, ...] }. Every input, result, heartbeat,
signal and review is in it; artifacts appear as { uri, sha256, bytes } refs. Without --out the JSON
goes to stdout.

  --out    write the file here instead of stdout
  --json   with --out, print { workflowId, file, events, runs } when done

Exit codes: 0 exported, 2 bad usage or no such campaign, 1 Temporal unreachable or the file cannot be written.

Examples:
  fairshrink history german-pass-3f2a9c1d0b7e --out german-pass.history.json
  fairshrink history german-pass-3f2a9c1d0b7e | jq '.history.events | length'   # one run`;

export const replayHelp = `fairshrink replay <history.json> [--json]

Replay a workflow history file against the workflow code of this checkout (bundled as the worker
bundles it). Deterministic means: the code issues the same commands (activities, timers, search
attribute updates, ...) in the same order as the recorded run, so campaigns recorded or still running
with the old code continue correctly with this code. Takes the file \`fairshrink history\` writes
({ workflowId, history } or, for a campaign that continued as new, { workflowId, runs }: every run is
replayed) or a bare history (\`temporal workflow show -o json\`).

Exit codes: 0 deterministic (every run), 1 nondeterminism (the message says which run and which event
differs), 2 the file is missing or not a history.

Examples:
  fairshrink replay german-pass.history.json
  fairshrink replay audit/german-pass-3f2a9c1d0b7e/history.json --json`;

/** One run of a campaign (a campaign continues as new at milestone boundaries): its id and history. */
export interface StoredRun {
  runId: string;
  history: unknown;
}

/** A history file: one run as { workflowId, history }, several runs as { workflowId, runs } (oldest first). */
export type StoredHistory = { workflowId: string; history: unknown } | { workflowId: string; runs: StoredRun[] };

/** A run read from a file: its runId is unknown for the single-run and the bare formats. */
export interface HistoryRun {
  runId: string | undefined;
  history: unknown;
}

/**
 * Every run of the campaign's current chain, oldest first, each history in Temporal's JSON encoding:
 * from the first run (describe → firstRunId) along each run's ContinuedAsNew event to the next run.
 */
export async function exportRuns(c: CampaignClient, campaignId: string): Promise<StoredRun[]> {
  const { description } = await describeCampaign(c, campaignId);
  const firstRunId = description.raw.workflowExecutionInfo?.firstRunId || description.runId;
  const runs: StoredRun[] = [];
  const seen = new Set<string>();
  for (let runId: string | undefined = firstRunId; runId && !seen.has(runId);) {
    seen.add(runId);
    const history = await c.client.workflow.getHandle(campaignId, runId).fetchHistory();
    runs.push({ runId, history: JSON.parse(historyToJSON(history)) as unknown });
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId || undefined;
  }
  return runs;
}

/** The stored form of a campaign's runs: the single-run format when there is one, the multi-run one otherwise. */
export function storedHistory(workflowId: string, runs: StoredRun[]): StoredHistory {
  return runs.length === 1 ? { workflowId, history: runs[0]!.history } : { workflowId, runs };
}

/** The campaign's history as stored JSON (every run), with Temporal's JSON encoding. */
export async function exportHistory(c: CampaignClient, campaignId: string): Promise<StoredHistory> {
  return storedHistory(campaignId, await exportRuns(c, campaignId));
}

export const historyFileText = (stored: StoredHistory): string => `${JSON.stringify(stored, null, 1)}\n`;

const eventCount = (history: unknown) => (history as { events?: unknown[] } | null)?.events?.length ?? 0;

export async function historyCommand(argv: string[], io: CliIo, context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('history', argv, {
    ...commonFlags,
    out: { type: 'string', short: 'o' },
  });
  if (values.help) {
    io.stdout(historyHelp);
    return EXIT.ok;
  }
  const campaignId = campaignIdArgument('history', positionals, 'fairshrink history <campaignId> --out history.json');
  return reportingFailures(io, context, () =>
    withCampaignClient(async (c) => {
      const stored = await exportHistory(c, campaignId);
      const text = historyFileText(stored);
      if (values.out === undefined) {
        io.stdout(text);
        return EXIT.ok;
      }
      try {
        await writeFile(values.out, text);
      } catch (err) {
        throw new CampaignCommandError(
          `cannot write ${values.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          'check that the folder exists and is writable',
        );
      }
      const runs = 'runs' in stored ? stored.runs.length : 1;
      const events =
        'runs' in stored ? stored.runs.reduce((n, r) => n + eventCount(r.history), 0) : eventCount(stored.history);
      io.stdout(
        values.json
          ? JSON.stringify({ workflowId: campaignId, file: values.out, events, runs })
          : `wrote ${events} events${runs > 1 ? ` in ${runs} runs` : ''} of ${campaignId} to ${values.out}`,
      );
      return EXIT.ok;
    }),
  );
}

const hasEvents = (history: unknown) => Array.isArray((history as { events?: unknown } | null)?.events);

/**
 * Any stored format: { workflowId, runs: [{ runId, history }, ...] } (a campaign that continued as new),
 * { workflowId, history } or a bare history ({ events: [...] }).
 */
export function parseHistoryRuns(text: string, file: string): { workflowId: string | undefined; runs: HistoryRun[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `${file} is not JSON: ${(err as Error).message}`,
      'give a file written by `fairshrink history`',
    );
  }
  const record = (parsed ?? {}) as Record<string, unknown>;
  if (typeof record.workflowId === 'string' && Array.isArray(record.runs)) {
    if (record.runs.length === 0) {
      throw new UsageError(`${file} has an empty "runs" list`, 'give a file written by `fairshrink history`');
    }
    const runs = (record.runs as unknown[]).map((run, i) => {
      const r = (run ?? {}) as Record<string, unknown>;
      if (typeof r.runId !== 'string' || !hasEvents(r.history)) {
        throw new UsageError(
          `${file} run ${i + 1} is not a workflow history: no "runId" or no "history.events" list`,
          'give a file written by `fairshrink history`',
        );
      }
      return { runId: r.runId, history: r.history };
    });
    return { workflowId: record.workflowId, runs };
  }
  const wrapped = typeof record.workflowId === 'string' && record.history !== undefined;
  const history = wrapped ? record.history : parsed;
  if (!hasEvents(history)) {
    throw new UsageError(
      `${file} is not a workflow history: no "events" list`,
      'give a file written by `fairshrink history` or `temporal workflow show -o json`',
    );
  }
  return { workflowId: wrapped ? (record.workflowId as string) : undefined, runs: [{ runId: undefined, history }] };
}

/** A single-run file: { workflowId, history } or a bare history (a multi-run file is refused: use parseHistoryRuns). */
export function parseHistoryFile(text: string, file: string): { workflowId: string | undefined; history: unknown } {
  const { workflowId, runs } = parseHistoryRuns(text, file);
  if (runs.length !== 1) {
    throw new UsageError(`${file} holds ${runs.length} runs, not one history`, 'read it with parseHistoryRuns');
  }
  return { workflowId, history: runs[0]!.history };
}

/** How a run is named in messages: "run 1 of 2 (<runId>)", or nothing for a single-run file. */
export const runLabel = (runs: readonly HistoryRun[], i: number): string =>
  runs.length === 1 && runs[0]!.runId === undefined
    ? ''
    : `run ${i + 1} of ${runs.length}${runs[i]!.runId ? ` (${runs[i]!.runId})` : ''}`;

let bundle: Promise<{ code: string }> | undefined;

/** The workflow code of this checkout, bundled once per process (webpack takes seconds). */
export function workflowCodeBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflows();
  bundle.catch(() => (bundle = undefined));
  return bundle;
}

export type ReplayOutcome =
  { deterministic: true; events: number } | { deterministic: false; events: number; message: string };

export type RunReplayOutcome = { runId: string | null } & ReplayOutcome;

/** Replays every run (each under the campaign's real workflowId), in order; one outcome per run. */
export async function replayRuns(
  runs: readonly HistoryRun[],
  workflowId: string | undefined,
): Promise<RunReplayOutcome[]> {
  const outcomes: RunReplayOutcome[] = [];
  for (const run of runs)
    outcomes.push({ runId: run.runId ?? null, ...(await replayHistory(run.history, workflowId)) });
  return outcomes;
}

/** Replays a history (Temporal JSON) against the current workflow code. */
export async function replayHistory(history: unknown, workflowId: string | undefined): Promise<ReplayOutcome> {
  let decoded;
  try {
    decoded = historyFromJSON(history);
  } catch (err) {
    throw new UsageError(
      `not a valid workflow history: ${(err as Error).message.split('\n')[0]}`,
      'give a file written by `fairshrink history`',
    );
  }
  const events = decoded.events?.length ?? 0;
  try {
    await Worker.runReplayHistory({ workflowBundle: await workflowCodeBundle() }, decoded, workflowId);
    return { deterministic: true, events };
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'DeterminismViolationError' || name === 'ReplayError') {
      return { deterministic: false, events, message: (err as Error).message };
    }
    throw err;
  }
}

export async function replayCommand(argv: string[], io: CliIo, context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('replay', argv, commonFlags);
  if (values.help) {
    io.stdout(replayHelp);
    return EXIT.ok;
  }
  const file = positionals[0];
  if (file === undefined || positionals.length > 1) {
    throw new UsageError('replay needs exactly one history file', 'fairshrink replay history.json');
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'fairshrink history <campaignId> --out history.json writes one',
    );
  }
  const { workflowId, runs } = parseHistoryRuns(text, file);
  installRuntime(context.verbose ? 'INFO' : 'WARN');
  const outcomes = await replayRuns(runs, workflowId);
  const deterministic = outcomes.every((o) => o.deterministic);
  const events = outcomes.reduce((n, o) => n + o.events, 0);
  if (values.json) {
    if (outcomes.length === 1 && runs[0]!.runId === undefined) {
      // The single-run shape as before: no run id to report (JSON.stringify drops the undefined).
      io.stdout(JSON.stringify({ file, workflowId: workflowId ?? null, ...outcomes[0]!, runId: undefined }));
    } else {
      io.stdout(JSON.stringify({ file, workflowId: workflowId ?? null, deterministic, events, runs: outcomes }));
    }
  } else if (deterministic) {
    const counted = runs.length > 1 ? `${events} events in ${runs.length} runs` : `${events} events`;
    io.stdout(
      `deterministic: ${file} (${counted}${workflowId ? ` of ${workflowId}` : ''}) replays against the current workflow code`,
    );
  } else {
    outcomes.forEach((o, i) => {
      if (o.deterministic) return;
      const label = runLabel(runs, i);
      io.stderr(`error: nondeterminism replaying ${file}${label ? ` ${label}` : ''}: ${o.message.split('\n')[0]}`);
    });
    io.stderr(
      'hint: the workflow code changed in a way this history cannot follow; guard the change with workflow.patched() or keep the old code for old campaigns',
    );
  }
  return deterministic ? EXIT.ok : EXIT.failed;
}
