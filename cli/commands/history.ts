// `fairshrink history <campaignId>` exports a campaign's workflow history as JSON (Temporal's own
// format, as `temporal workflow show -o json` prints it, wrapped as { workflowId, history } like the
// golden histories in tests/replay/histories/); `fairshrink replay <file>` replays such a file against
// the workflow code in this checkout, which is how to tell whether a code change breaks running or
// recorded campaigns.
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

Export the campaign's workflow history (its latest run) as JSON: { "workflowId": ..., "history": ... }
with the history in Temporal's JSON format (the one \`temporal workflow show -o json\` prints). Every
input, result, heartbeat, signal and review is in it; artifacts appear as { uri, sha256, bytes } refs.
Without --out the JSON goes to stdout.

  --out    write the file here instead of stdout
  --json   with --out, print { workflowId, file, events } when done

Exit codes: 0 exported, 2 bad usage or no such campaign, 1 Temporal unreachable or the file cannot be written.

Examples:
  fairshrink history german-pass-3f2a9c1d0b7e --out german-pass.history.json
  fairshrink history german-pass-3f2a9c1d0b7e | jq '.history.events | length'`;

export const replayHelp = `fairshrink replay <history.json> [--json]

Replay a workflow history file against the workflow code of this checkout (bundled as the worker
bundles it). Deterministic means: the code issues the same commands (activities, timers, search
attribute updates, ...) in the same order as the recorded run, so campaigns recorded or still running
with the old code continue correctly with this code. Takes the file \`fairshrink history\` writes
({ workflowId, history }) or a bare history (\`temporal workflow show -o json\`).

Exit codes: 0 deterministic, 1 nondeterminism (the message says which event differs), 2 the file is
missing or not a history.

Examples:
  fairshrink replay german-pass.history.json
  fairshrink replay audit/german-pass-3f2a9c1d0b7e/history.json --json`;

export interface StoredHistory {
  workflowId: string;
  history: unknown;
}

/** The campaign's history as stored JSON: { workflowId, history } with Temporal's JSON encoding. */
export async function exportHistory(c: CampaignClient, campaignId: string): Promise<StoredHistory> {
  const { handle } = await describeCampaign(c, campaignId);
  const history = await handle.fetchHistory();
  return { workflowId: campaignId, history: JSON.parse(historyToJSON(history)) as unknown };
}

export const historyFileText = (stored: StoredHistory): string => `${JSON.stringify(stored, null, 1)}\n`;

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
      const events = (stored.history as { events?: unknown[] }).events?.length ?? 0;
      io.stdout(
        values.json
          ? JSON.stringify({ workflowId: campaignId, file: values.out, events })
          : `wrote ${events} events of ${campaignId} to ${values.out}`,
      );
      return EXIT.ok;
    }),
  );
}

/** Either stored format: { workflowId, history } or a bare history ({ events: [...] }). */
export function parseHistoryFile(text: string, file: string): { workflowId: string | undefined; history: unknown } {
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
  const wrapped = typeof record.workflowId === 'string' && record.history !== undefined;
  const history = wrapped ? record.history : parsed;
  if (!Array.isArray((history as { events?: unknown } | null)?.events)) {
    throw new UsageError(
      `${file} is not a workflow history: no "events" list`,
      'give a file written by `fairshrink history` or `temporal workflow show -o json`',
    );
  }
  return { workflowId: wrapped ? (record.workflowId as string) : undefined, history };
}

let bundle: Promise<{ code: string }> | undefined;

/** The workflow code of this checkout, bundled once per process (webpack takes seconds). */
export function workflowCodeBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflows();
  bundle.catch(() => (bundle = undefined));
  return bundle;
}

export type ReplayOutcome =
  { deterministic: true; events: number } | { deterministic: false; events: number; message: string };

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
  const { workflowId, history } = parseHistoryFile(text, file);
  installRuntime(context.verbose ? 'INFO' : 'WARN');
  const outcome = await replayHistory(history, workflowId);
  if (values.json) {
    io.stdout(JSON.stringify({ file, workflowId: workflowId ?? null, ...outcome }));
  } else if (outcome.deterministic) {
    io.stdout(
      `deterministic: ${file} (${outcome.events} events${workflowId ? ` of ${workflowId}` : ''}) replays against the current workflow code`,
    );
  } else {
    io.stderr(`error: nondeterminism replaying ${file}: ${outcome.message.split('\n')[0]}`);
    io.stderr(
      'hint: the workflow code changed in a way this history cannot follow; guard the change with workflow.patched() or keep the old code for old campaigns',
    );
  }
  return outcome.deterministic ? EXIT.ok : EXIT.failed;
}
