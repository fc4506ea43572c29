// `fairshrink pause | resume | abort <campaignId>` (signals) and `fairshrink review <campaignId> ...`
// (the `review` Update, whose validator in workflows/campaign.ts is the one judge of a review: its
// refusal is shown as one line, and nothing changes in the campaign).
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ReviewInput } from '../../core/campaign/contracts.ts';
import { abortSignal, pauseSignal, resumeSignal, reviewUpdate } from '../../workflows/campaign.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';
import {
  CampaignCommandError,
  campaignIdArgument,
  commonFlags,
  defaultActor,
  describeCampaign,
  onCampaign,
  parseCommandArgs,
  reportingFailures,
  withCampaignClient,
  withinDeadline,
  type CampaignClient,
  type CampaignWorkflowType,
  type CommandContext,
} from './campaign.ts';
import { parseNumberFlag } from './campaign-format.ts';

export type ControlAction = 'pause' | 'resume' | 'abort';

export const controlHelp: Record<ControlAction, string> = {
  pause: `fairshrink pause <campaignId> [--reason <text>] [--by <name>] [--json]

Ask a running campaign to pause. The step running now finishes; the campaign then waits at the next
step boundary until \`fairshrink resume\` (or \`fairshrink abort\`). The state query shows paused at once.
A multi-seed campaign (\`seeds\` in its file) forwards the pause to every seed's campaign still running.

Exit codes: 0 signal sent, 1 the campaign is not running (or Temporal unreachable), 2 bad usage or no such campaign.

Examples:
  fairshrink pause german-pass-3f2a9c1d0b7e --reason "cluster maintenance" --by ana`,
  resume: `fairshrink resume <campaignId> [--by <name>] [--json]

Let a paused campaign continue from where it waited (a multi-seed campaign forwards it to every seed's campaign).

Exit codes: 0 signal sent, 1 the campaign is not running (or Temporal unreachable), 2 bad usage or no such campaign.

Examples:
  fairshrink resume german-pass-3f2a9c1d0b7e --by ana`,
  abort: `fairshrink abort <campaignId> --reason <text> [--by <name>] [--json]

Stop a campaign at its last good model: at the next step boundary it skips the remaining milestones
and quantization, writes lineage and the decision log ("aborted by <name>: <reason>") and ends with
status "aborted". Nothing is deleted. A multi-seed campaign forwards the abort to every seed's campaign,
waits for them, writes seeds.json and ends "aborted".

Exit codes: 0 signal sent, 1 the campaign is not running (or Temporal unreachable), 2 bad usage or no such campaign.

Examples:
  fairshrink abort german-pass-3f2a9c1d0b7e --reason "wrong data set version" --by ana`,
};

export const reviewHelp = `fairshrink review <campaignId> approve|reject|adjust --reviewer <name> --reason <text>
                  [--sparsity x] [--epsilon y] [--json]

Answer a campaign that waits for human review after a failed gate (\`fairshrink status\` shows it):
  approve   accept the candidate despite the gate (the gate's rejection note stays on record)
  reject    stop the campaign at its last good model
  adjust    retry the milestone at --sparsity x (in [0, 1)) and/or with constrained fine-tuning at
            --epsilon y (in [0, 1])
A multi-seed campaign's seeds are reviewed one by one, by their own ids (<id>-seed-<seed>).
The campaign checks the review before taking it (is a review pending? are the values in range?);
a refused review changes nothing and its reason is printed as one line.

Exit codes: 0 review accepted, 2 bad usage, no such campaign, a campaign that is not running or that
refused the review, 1 Temporal unreachable or no worker answered.

Examples:
  fairshrink review german-review-3f2a9c1d0b7e approve --reviewer ana --reason "drop within noise on 200 rows"
  fairshrink review german-review-3f2a9c1d0b7e adjust --reviewer ana --reason "back off" --sparsity 0.6
  fairshrink review german-review-3f2a9c1d0b7e reject --reviewer bo --reason "balanced accuracy collapsed"`;

/** How long a worker gets to validate and accept a review. */
const UPDATE_DEADLINE_MS = 30_000;

/**
 * The handle of a running campaign. A closed one is an error with `closedExit`: a signal to a closed campaign is a
 * failed send (1); a review names a campaign that has nothing to review, so the input is the problem (2).
 */
async function runningCampaign(
  c: CampaignClient,
  campaignId: string,
  action: string,
  closedExit: number,
  accepted: readonly CampaignWorkflowType[] = ['compressionCampaign'],
) {
  const { handle, description } = await describeCampaign(c, campaignId, accepted);
  if (description.status.name !== 'RUNNING') {
    throw new CampaignCommandError(
      `campaign ${campaignId} is ${description.status.name.toLowerCase()}; there is nothing to ${action}`,
      `\`fairshrink status ${campaignId}\` shows how it ended`,
      closedExit,
    );
  }
  return handle;
}

export async function controlCommand(
  action: ControlAction,
  argv: string[],
  io: CliIo,
  context: CommandContext,
): Promise<number> {
  const { values, positionals } = parseCommandArgs(action, argv, {
    ...commonFlags,
    reason: { type: 'string' },
    by: { type: 'string' },
  });
  if (values.help) {
    io.stdout(controlHelp[action]);
    return EXIT.ok;
  }
  const campaignId = campaignIdArgument(action, positionals, `fairshrink ${action} <campaignId>`);
  const by = values.by ?? defaultActor();
  const reason = values.reason?.trim();
  if (action === 'abort' && !reason) {
    throw new UsageError(
      'abort needs --reason: the decision log records why a campaign was stopped',
      `fairshrink abort ${campaignId} --reason "wrong data set"`,
    );
  }
  if (action === 'resume' && values.reason !== undefined) {
    throw new UsageError('resume takes no --reason', `fairshrink resume ${campaignId} --by <name>`);
  }
  return reportingFailures(io, context, () =>
    withCampaignClient(async (c) => {
      // A multi-seed campaign's parent forwards pause, resume and abort to every seed's campaign (workflows/seeds.ts).
      const handle = await runningCampaign(c, campaignId, action, EXIT.failed, [
        'compressionCampaign',
        'seedCampaigns',
      ]);
      await onCampaign(c, campaignId, async () => {
        if (action === 'pause')
          await handle.signal(pauseSignal, { ...(by ? { by } : {}), ...(reason ? { reason } : {}) });
        else if (action === 'resume') await handle.signal(resumeSignal, by ? { by } : {});
        else await handle.signal(abortSignal, { ...(by ? { by } : {}), reason: reason! });
      });
      const effect = {
        pause: 'the running step finishes, then the campaign waits at the next step boundary until resumed',
        resume: 'the campaign continues from where it waited',
        abort: 'the campaign stops at the next step boundary and ends at its last good model',
      }[action];
      io.stdout(
        values.json
          ? JSON.stringify({ campaignId, signal: action, by: by ?? null, reason: reason ?? null })
          : `${action} sent to ${campaignId}${by ? ` by ${by}` : ''}: ${effect}`,
      );
      return EXIT.ok;
    }),
  );
}

export interface ReviewArguments {
  campaignId: string;
  review: ReviewInput;
  json: boolean;
}

/** Parses `review` arguments; shape problems are usage errors, range checks are the workflow validator's. */
export function parseReviewArguments(argv: string[]): ReviewArguments | 'help' {
  const { values, positionals } = parseCommandArgs('review', argv, {
    ...commonFlags,
    reviewer: { type: 'string' },
    reason: { type: 'string' },
    sparsity: { type: 'string' },
    epsilon: { type: 'string' },
  });
  if (values.help) return 'help';
  const example = 'fairshrink review <campaignId> approve --reviewer ana --reason "within noise"';
  const campaignId = campaignIdArgument('review', positionals, example);
  const action = positionals[1];
  if (action !== 'approve' && action !== 'reject' && action !== 'adjust') {
    throw new UsageError(
      action === undefined
        ? 'review needs an action: approve, reject or adjust'
        : `unknown review action "${action}": use approve, reject or adjust`,
      example,
    );
  }
  if (positionals.length > 2)
    throw new UsageError(`unexpected argument "${positionals[2]}"`, 'quote a --reason with spaces');
  if (values.reviewer === undefined) throw new UsageError('review needs --reviewer: who decides', example);
  if (values.reason === undefined) throw new UsageError('review needs --reason: why', example);
  const sparsity = parseNumberFlag('sparsity', values.sparsity, '0.6');
  const epsilon = parseNumberFlag('epsilon', values.epsilon, '0.01');
  if (action !== 'adjust' && (sparsity !== undefined || epsilon !== undefined)) {
    throw new UsageError(
      `--sparsity and --epsilon go with adjust, not ${action}`,
      'fairshrink review <id> adjust --sparsity 0.6 ...',
    );
  }
  const review: ReviewInput = {
    reviewer: values.reviewer,
    reason: values.reason,
    action,
    ...(sparsity === undefined ? {} : { sparsity }),
    ...(epsilon === undefined ? {} : { epsilon }),
  };
  return { campaignId, review, json: values.json ?? false };
}

/** The validator's message: the client puts it in WorkflowUpdateFailedError's cause. */
export function updateRefusal(err: unknown): string | undefined {
  if (!(err instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = err.cause as Error | undefined;
  return cause?.message ?? err.message;
}

export async function reviewCommand(argv: string[], io: CliIo, context: CommandContext): Promise<number> {
  const parsed = parseReviewArguments(argv);
  if (parsed === 'help') {
    io.stdout(reviewHelp);
    return EXIT.ok;
  }
  const { campaignId, review, json } = parsed;
  return reportingFailures(io, context, () =>
    withCampaignClient(async (c) => {
      const handle = await runningCampaign(c, campaignId, 'review', EXIT.usage);
      let outcome;
      try {
        outcome = await withinDeadline(c, UPDATE_DEADLINE_MS, () =>
          onCampaign(c, campaignId, () => handle.executeUpdate(reviewUpdate, { args: [review] })),
        );
      } catch (err) {
        const refusal = updateRefusal(err);
        if (refusal === undefined) throw err;
        throw new CampaignCommandError(
          `the campaign refused the review: ${refusal}`,
          /no review is pending/.test(refusal)
            ? `\`fairshrink status ${campaignId}\` shows whether the campaign waits for a review`
            : 'fix the value named above and send the review again; nothing was changed',
          EXIT.usage,
        );
      }
      if (outcome === undefined) {
        throw new CampaignCommandError(
          `no worker took the review within ${UPDATE_DEADLINE_MS / 1000} s`,
          "start a worker (`fairshrink worker`) on the campaign's task queue and send the review again",
        );
      }
      io.stdout(
        json
          ? JSON.stringify({ campaignId, ...outcome, reviewer: review.reviewer })
          : `review accepted: ${outcome.action} for milestone ${outcome.milestone} of ${campaignId} by ${review.reviewer}`,
      );
      return EXIT.ok;
    }),
  );
}
