// `fairshrink promote`: put a campaign's model into service as a versioned deployment. The monitor commands that
// re-audit it are cli/commands/monitor.ts; both only talk to Temporal and S3.
import { readFile } from 'node:fs/promises';
import { deploymentFromCampaign, readCampaignDataset } from '../../core/monitoring/promotion.ts';
import { promote, validateDeploymentName } from '../../core/monitoring/registry.ts';
import { parseRubricText, RubricError, type Rubric } from '../../core/config/rubric.ts';
import { parseJsonBytes } from '../../core/storage/json.ts';
import type { CampaignResult } from '../../workflows/campaign.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';
import {
  CampaignCommandError,
  campaignIdArgument,
  campaignInputOf,
  commonFlags,
  defaultActor,
  describeCampaign,
  openStore,
  parseCommandArgs,
  reportingFailures,
  withCampaignClient,
  type CommandContext,
} from './campaign.ts';

export const promoteHelp = `fairshrink promote <campaignId> --name <deployment> [--model final|baseline]
                   [--rubric <rubric.yaml>] [--note <text>] [--by <name>] [--json]

Put a finished campaign's model into service as the next version of a deployment
(deployments/<name>/v<N>.json in S3, immutable; current.json points to it). The record keeps what a
later audit needs to judge the model the same way: checkpoint, dense reference, encoded data set,
rubric, evaluation plan, and the model's report at promotion. Earlier versions stay; promoting the
version that already serves again changes nothing.

  --model final     the campaign's final model (default); baseline: its dense model
  --rubric file     judge audits with this rubric instead of the campaign's

Exit codes: 0 promoted (or already current), 1 Temporal or S3 unreachable, 2 bad usage, no such
campaign, or a campaign that did not finish.

Examples:
  fairshrink promote german-pass-3f2a9c1d0b7e --name credit-scoring --by ana --note "Q4 release"
  fairshrink promote german-pass-3f2a9c1d0b7e --name credit-scoring --model baseline`;

export function deploymentName(value: string | undefined, command: string): string {
  if (value === undefined) throw new UsageError(`${command} needs a deployment name`, `fairshrink monitor --help`);
  try {
    return validateDeploymentName(value);
  } catch (err) {
    throw new UsageError((err as Error).message, 'names use lower-case letters, digits and "-", e.g. credit-scoring');
  }
}

// ---- promote ---------------------------------------------------------------------------------

export async function promoteCommand(argv: string[], io: CliIo, context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('promote', argv, {
    ...commonFlags,
    name: { type: 'string' },
    model: { type: 'string' },
    rubric: { type: 'string' },
    note: { type: 'string' },
    by: { type: 'string' },
  });
  if (values.help) {
    io.stdout(promoteHelp);
    return EXIT.ok;
  }
  const campaignId = campaignIdArgument('promote', positionals, 'fairshrink promote <campaignId> --name <deployment>');
  if (values.name === undefined) {
    throw new UsageError('promote needs --name <deployment>', `fairshrink promote ${campaignId} --name credit-scoring`);
  }
  const name = deploymentName(values.name, 'promote');
  const model = values.model ?? 'final';
  if (model !== 'final' && model !== 'baseline') {
    throw new UsageError(
      `--model must be final or baseline, got "${model}"`,
      `fairshrink promote ${campaignId} --name ${name} --model final`,
    );
  }
  const rubric = values.rubric === undefined ? undefined : await readRubric(values.rubric);
  return reportingFailures(io, context, () =>
    withCampaignClient(async (c) => {
      const { handle, description } = await describeCampaign(c, campaignId);
      if (description.status.name !== 'COMPLETED') {
        throw new CampaignCommandError(
          `campaign ${campaignId} is ${description.status.name.toLowerCase()}: only a finished campaign can be promoted`,
          `\`fairshrink watch ${campaignId}\` follows it to the end`,
          EXIT.usage,
        );
      }
      const result = (await handle.result()) as CampaignResult;
      if (result.status !== 'completed' && result.status !== 'stopped') {
        throw new CampaignCommandError(
          `campaign ${campaignId} ended ${result.status} (${result.reason}): only a completed or stopped campaign can be promoted`,
          'promote a campaign that finished (`fairshrink list --query \'CampaignStatus IN ("completed", "stopped")\'`), or run this one again',
          EXIT.usage,
        );
      }
      const campaign = await campaignInputOf(c, campaignId);
      const store = openStore(c.settings);
      const lineage = parseJsonBytes<unknown>(await store.get(result.lineage), result.lineage.uri);
      // What is gated is what is shipped: a campaign's export, judged on its re-loaded bytes, serves when it passed.
      const shipped = result.export?.gate === 'pass' ? result.export : undefined;
      const chosen =
        model === 'baseline'
          ? { ...result, final: result.baseline }
          : shipped === undefined
            ? result
            : { ...result, final: { checkpoint: shipped.checkpoint, summary: shipped.summary } };
      const record = deploymentFromCampaign({
        campaign: rubric === undefined ? campaign : { ...campaign, rubric },
        result: chosen,
        lineage,
        dataset: await readCampaignDataset(store, campaign),
        name,
        promotedBy: values.by ?? defaultActor() ?? 'unknown',
        note: values.note ?? '',
      });
      const promoted = await promote(store, record, new Date().toISOString());
      const v = promoted.version;
      if (values.json) io.stdout(JSON.stringify({ ...promoted, ref: promoted.ref }, null, 2));
      else {
        io.stdout(
          promoted.alreadyCurrent
            ? `${name} v${v.version} already serves ${v.source.campaignId} ${v.checkpoint.stepKey}; nothing changed`
            : `promoted ${campaignId} ${v.checkpoint.stepKey} (${(v.checkpoint.sparsity * 100).toFixed(1)}% sparse${v.checkpoint.int8 ? ', int8' : ''}${v.checkpoint.export ? `, ${v.checkpoint.export.format} export` : ''}) as ${name} v${v.version}; it serves now`,
        );
        io.stdout(`record: ${promoted.ref.uri}  sha256 ${promoted.ref.sha256}`);
      }
      return EXIT.ok;
    }),
  );
}

/** The --rubric file: unreadable or invalid is a usage error listing each problem. */
export async function readRubric(file: string): Promise<Rubric> {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await readInput(file, '--rubric: '));
  try {
    return parseRubricText(text, file);
  } catch (err) {
    if (!(err instanceof RubricError)) throw err;
    const problems = err.problems.length > 0 ? err.problems : [err.message];
    throw new UsageError(`--rubric: ${problems.join('\n')}`, 'start from examples/rubric.yaml');
  }
}

/** A file named on the command line; `what` prefixes the error (e.g. "--rubric: "). */
export async function readInput(file: string, what = ''): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (err) {
    throw new UsageError(`${what}cannot read ${file}: ${(err as Error).message}`, 'check the path');
  }
}
