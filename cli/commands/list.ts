// `fairshrink list`: campaigns from Temporal visibility, filtered by a search-attribute query.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { searchAttributes, type compressionCampaign } from '../../workflows/campaign.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';
import {
  commonFlags,
  parseCommandArgs,
  reportingFailures,
  withCampaignClient,
  type CommandContext,
} from './campaign.ts';
import { formatTable, parseNumberFlag, percent } from './campaign-format.ts';

export const listHelp = `fairshrink list [--query '<visibility query>'] [--limit N] [--json]

Campaigns in the namespace, newest first, from Temporal visibility: CampaignId, Status (the workflow's),
CampaignStatus (running, paused, awaiting-review, completed, stopped, aborted or failed), Milestone,
Target (the sparsity its latest milestone attempt aimed at), Sparsity (the final model's, once the
campaign has a result), GateStatus (the latest gate's verdict: pass, fail or insufficient-evidence) and
start time. --query narrows the list with Temporal's visibility query language over the campaign search
attributes (CampaignId, ModelId, DatasetId, Milestone, Sparsity, GateStatus, CampaignStatus) and the
built-in ones (ExecutionStatus, StartTime, ...); it is ANDed with WorkflowType = "compressionCampaign".
Campaigns started before CampaignStatus existed have none (their ending is in GateStatus). Visibility is
eventually consistent: a campaign started a moment ago may take a second to appear.

  --query   e.g. 'GateStatus = "fail"', 'CampaignStatus = "awaiting-review"' or
            'Sparsity >= 0.5 AND ExecutionStatus = "Running"'
  --limit   at most N campaigns (default 50)
  --json    one JSON array

Exit codes: 0 listed (also when none match), 2 bad usage or a query the server rejects, 1 Temporal unreachable.

Examples:
  fairshrink list
  fairshrink list --query 'ExecutionStatus = "Running"' --limit 10
  fairshrink list --query 'CampaignStatus IN ("completed", "stopped")'
  fairshrink list --query 'CampaignId STARTS_WITH "adult-demo"' --json`;

export interface CampaignListing {
  campaignId: string;
  runId: string;
  status: string;
  /** Where the campaign stands (the CampaignStatus search attribute); null for campaigns started before it. */
  campaignStatus: string | null;
  milestone: number | null;
  /** The sparsity the latest milestone attempt aimed at (the Sparsity search attribute). */
  targetSparsity: number | null;
  /** The final model's sparsity, from the campaign's result; null until it has one. */
  sparsity: number | null;
  /** The latest gate's verdict (GateStatus; campaigns before CampaignStatus also ended with their status here). */
  gateStatus: string | null;
  startTime: string;
  closeTime: string | null;
  taskQueue: string;
}

/** gRPC status INVALID_ARGUMENT (grpc/doc/statuscodes.md): the server's answer to a query it cannot parse. */
const GRPC_INVALID_ARGUMENT = 3;

/** The visibility query: campaigns only, and the user's condition (parenthesised, so its OR stays inside). */
export function campaignListQuery(userQuery: string | undefined): string {
  const base = 'WorkflowType = "compressionCampaign"';
  const extra = userQuery?.trim();
  return extra ? `${base} AND (${extra})` : base;
}

export function listingOf(info: WorkflowExecutionInfo): CampaignListing {
  const sa = info.typedSearchAttributes;
  return {
    campaignId: sa.get(searchAttributes.campaignId) ?? info.workflowId,
    runId: info.runId,
    status: info.status.name,
    campaignStatus: sa.get(searchAttributes.campaignStatus) ?? null,
    milestone: sa.get(searchAttributes.milestone) ?? null,
    targetSparsity: sa.get(searchAttributes.sparsity) ?? null,
    sparsity: null,
    gateStatus: sa.get(searchAttributes.gateStatus) ?? null,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString() ?? null,
    taskQueue: info.taskQueue,
  };
}

/**
 * Fills in each completed campaign's final sparsity from its result (the close event of its history). Visibility
 * only holds the last attempted target, which a campaign that bisected or stopped early never reached.
 */
export async function withFinalSparsity(client: Client, rows: CampaignListing[]): Promise<CampaignListing[]> {
  return Promise.all(
    rows.map(async (row) => {
      if (row.status !== 'COMPLETED') return row;
      const result = await client.workflow.getHandle<typeof compressionCampaign>(row.campaignId, row.runId).result();
      return { ...row, sparsity: result.final.checkpoint.sparsity };
    }),
  );
}

export function formatListing(rows: CampaignListing[]): string {
  if (rows.length === 0) return 'no campaigns match';
  return formatTable(
    ['CampaignId', 'Status', 'CampaignStatus', 'Milestone', 'Target', 'Sparsity', 'GateStatus', 'Started'],
    rows.map((r) => [
      r.campaignId,
      r.status,
      r.campaignStatus ?? '-',
      r.milestone === null ? '-' : String(r.milestone),
      r.targetSparsity === null ? '-' : percent(r.targetSparsity),
      r.sparsity === null ? '-' : percent(r.sparsity),
      r.gateStatus ?? '-',
      r.startTime,
    ]),
  );
}

export async function listCommand(argv: string[], io: CliIo, context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('list', argv, {
    ...commonFlags,
    query: { type: 'string', short: 'q' },
    limit: { type: 'string', short: 'n' },
  });
  if (values.help) {
    io.stdout(listHelp);
    return EXIT.ok;
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `unexpected argument "${positionals[0]}"`,
      `fairshrink list --query 'CampaignId = "${positionals[0]}"'`,
    );
  }
  const limit = parseNumberFlag('limit', values.limit, '20') ?? 50;
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a whole number ≥ 1, got ${limit}`, 'e.g. --limit 20');
  const query = campaignListQuery(values.query);
  return reportingFailures(io, context, () =>
    withCampaignClient(async (c) => {
      const rows: CampaignListing[] = [];
      try {
        for await (const info of c.client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
          rows.push(listingOf(info));
          if (rows.length >= limit) break;
        }
      } catch (err) {
        // The client wraps the server's answer ("Failed to list workflows"); its cause carries the gRPC status.
        const cause = (err as { cause?: { code?: unknown; details?: unknown; message?: unknown } }).cause;
        const detail = String(cause?.details ?? cause?.message ?? (err as Error).message).split('\n')[0]!;
        const rejected = cause?.code === GRPC_INVALID_ARGUMENT || /invalid|syntax|not defined/i.test(detail);
        if (values.query !== undefined && rejected) {
          throw new UsageError(
            `the server rejected the query ${JSON.stringify(values.query)}: ${detail}`,
            'string values need double quotes, e.g. --query \'GateStatus = "fail"\'',
          );
        }
        throw err;
      }
      const listed = await withFinalSparsity(c.client, rows);
      io.stdout(values.json ? JSON.stringify(listed, null, 2) : formatListing(listed));
      return EXIT.ok;
    }),
  );
}
