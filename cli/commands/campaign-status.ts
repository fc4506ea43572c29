// `fairshrink status <campaignId>`: one look at a campaign. A running campaign answers the `state`
// query (asked with a deadline, so a campaign without a worker still gets a summary from Temporal's
// description and search attributes); a closed one is summarised from its result or failure.
import { type WorkflowExecutionDescription } from '@temporalio/client';
import type { CampaignInput, ExportedFormat } from '../../core/campaign/contracts.ts';
import { campaignOutcome, describeFinalModel, formatBytes, type CampaignOutcome } from '../../core/campaign/summary.ts';
import {
  scheduleTargets,
  searchAttributes,
  stateQuery,
  type CampaignResult,
  type CampaignState,
  type MilestoneRecord,
} from '../../workflows/campaign.ts';
import { EXIT, type CliIo } from '../io.ts';
import {
  campaignIdArgument,
  campaignInputOf,
  commonFlags,
  describeCampaign,
  parseCommandArgs,
  pendingSteps,
  QUERY_DEADLINE_MS,
  reportingFailures,
  withCampaignClient,
  withinDeadline,
  type CampaignHandle,
  type CommandContext,
  type PendingStep,
} from './campaign.ts';
import { formatStateLine, formatStepProgress, formatTable, gateWord, percent } from './campaign-format.ts';
import { campaignFailure, type CampaignFailure } from './campaign-failure.ts';
import { collectSeedCampaignsStatus, formatSeedCampaignsStatus } from './seed-campaigns-status.ts';

export { campaignFailure, closedReason, type CampaignFailure } from './campaign-failure.ts';
export {
  collectSeedCampaignsStatus,
  formatSeedCampaignsStatus,
  spreadLines,
  type SeedCampaignsStatus,
} from './seed-campaigns-status.ts';

export const campaignStatusHelp = `fairshrink status <campaignId> [--json]

One summary of a campaign: its Temporal status, milestone k/N and target sparsity, the step running
now (with epoch and loss from its last heartbeat), the last good model, the last gate, a pending
review, and every milestone attempt so far. A closed campaign is summarised from its result (or
failure): the final model, its held-out verdict (on the test split no gate saw), and every export
format's bytes on disk and measured latency next to the dense float32 model's. A multi-seed campaign
(\`seeds\` in its file) shows a table of its seeds (seed, status, final sparsity, accuracy, worst group,
held-out verdict), the spread of the final models' metrics across seeds, and the seed rule's verdicts.
Without a campaign id, \`fairshrink status\` shows the local stack instead.

  --json   the summary as one JSON object

Exit codes: 0 summary shown, 2 no such campaign or bad usage, 1 Temporal unreachable.

Examples:
  fairshrink status german-pass-3f2a9c1d0b7e
  fairshrink status german-pass-3f2a9c1d0b7e --json | jq .state.milestone`;

export interface CampaignStatus {
  campaignId: string;
  status: string;
  taskQueue: string;
  startTime: string;
  closeTime: string | null;
  searchAttributes: {
    milestone: number | null;
    sparsity: number | null;
    gateStatus: string | null;
    /** Null for campaigns started before the CampaignStatus search attribute. */
    campaignStatus: string | null;
  };
  /** The `state` query's answer while running; null when closed or when no worker answered in time. */
  state: CampaignState | null;
  stateUnavailable: string | null;
  pending: PendingStep[];
  result: CampaignResult | null;
  /** A completed campaign's final sparsity against the schedule's last target, in one headline. */
  outcome: CampaignOutcome | null;
  failure: CampaignFailure | null;
}

export async function collectCampaignStatus(
  handle: CampaignHandle,
  description: WorkflowExecutionDescription,
  query: (call: () => Promise<CampaignState>) => Promise<CampaignState | undefined>,
  asked: () => Promise<CampaignInput>,
): Promise<CampaignStatus> {
  const sa = description.typedSearchAttributes;
  const status: CampaignStatus = {
    campaignId: description.workflowId,
    status: description.status.name,
    taskQueue: description.taskQueue,
    startTime: description.startTime.toISOString(),
    closeTime: description.closeTime?.toISOString() ?? null,
    searchAttributes: {
      milestone: sa.get(searchAttributes.milestone) ?? null,
      sparsity: sa.get(searchAttributes.sparsity) ?? null,
      gateStatus: sa.get(searchAttributes.gateStatus) ?? null,
      campaignStatus: sa.get(searchAttributes.campaignStatus) ?? null,
    },
    state: null,
    stateUnavailable: null,
    pending: pendingSteps(description),
    result: null,
    outcome: null,
    failure: null,
  };
  if (description.status.name === 'RUNNING') {
    const state = await query(() => handle.query(stateQuery));
    if (state) status.state = state;
    else
      status.stateUnavailable = `no worker answered the state query within ${QUERY_DEADLINE_MS / 1000} s (is a worker polling task queue ${description.taskQueue}?)`;
  } else if (description.status.name === 'COMPLETED') {
    status.result = await handle.result();
    status.outcome = campaignOutcome(status.result, askedSparsity(await asked()));
  } else {
    status.failure = await handle.result().then(
      () => null,
      (err: unknown) => campaignFailure(err),
    );
  }
  return status;
}

/** The sparsity a campaign file asks for: its schedule's last target. */
export const askedSparsity = (input: CampaignInput): number => scheduleTargets(input.config).at(-1) ?? 0;

function attemptRows(attempts: MilestoneRecord[]): string[][] {
  return attempts.map((a) => [
    `${a.milestone}`,
    `${a.attempt}`,
    percent(a.targetSparsity),
    percent(a.achievedSparsity),
    gateWord(a.status),
    a.reason,
  ]);
}

const ATTEMPT_HEADER = ['Milestone', 'Attempt', 'Target', 'Achieved', 'Gate', 'Reason'];

const EXPORT_HEADER = ['Format', 'Bytes', 'Gzip', 'Smaller by', 'p50 1 row', 'Batched'];

/** Every export format's bytes on disk and measured latency, then the dense float32 model's (sizes are stored bytes). */
function exportRows(e: NonNullable<CampaignResult['export']>): string[][] {
  const latency = (l: ExportedFormat['latency']) =>
    l === undefined
      ? ['-', '-']
      : [`${l.p50SingleRowMs.toFixed(3)} ms`, `${Math.round(l.batchedRowsPerSecond).toLocaleString('en-US')} rows/s`];
  return [
    ...e.formats.map((f) => [
      `${f.format}${f.format === e.format ? ' (shipped)' : ''}`,
      formatBytes(f.bytes),
      formatBytes(f.gzipBytes),
      `${f.ratioVsDense.toFixed(1)}×`,
      ...latency(f.latency),
    ]),
    ['dense float32', formatBytes(e.dense.bytes), formatBytes(e.dense.gzipBytes), '1.0×', ...latency(e.dense.latency)],
  ];
}

export function formatCampaignStatus(s: CampaignStatus): string {
  const lines = [
    `campaign ${s.campaignId}  ${s.status}  started ${s.startTime}${s.closeTime ? `  closed ${s.closeTime}` : ''}`,
  ];
  const field = (name: string, value: string) => lines.push(`${name.padEnd(10)} ${value}`);
  field('queue', s.taskQueue);
  if (s.state) {
    const st = s.state;
    field('progress', formatStateLine(st));
    for (const step of s.pending) {
      field(
        'step',
        step.progress
          ? formatStepProgress(step.progress, { attempt: step.attempt })
          : `${step.activityType} (${step.state}${step.attempt > 1 ? `, attempt ${step.attempt}` : ''})`,
      );
      if (step.lastFailure) field('', `last failure: ${step.lastFailure}`);
    }
    if (st.lastGood) {
      const accuracy = st.lastGood.summary.accuracy;
      field(
        'last good',
        `${st.lastGood.checkpoint.stepKey} at ${percent(st.lastGood.checkpoint.sparsity)} sparsity${accuracy === null ? '' : `, accuracy ${accuracy.toFixed(4)}`}`,
      );
    }
    if (st.lastGate)
      field('last gate', `${st.lastGate.stepKey}: ${gateWord(st.lastGate.status)} — ${st.lastGate.reason}`);
    if (st.pendingReview) {
      const r = st.pendingReview;
      field('review', `pending for ${r.stepKey}: ${r.reason}`);
      field(
        '',
        `answer with: fairshrink review ${s.campaignId} approve|reject|adjust --reviewer <name> --reason <why>`,
      );
    }
    if (st.rejected.length > 0) field('rejected', st.rejected.join(', '));
    field('decisions', `${st.decisions} logged`);
    if (st.attempts.length > 0) lines.push('', formatTable(ATTEMPT_HEADER, attemptRows(st.attempts)));
  } else if (s.result) {
    const r = s.result;
    field('result', s.outcome?.headline ?? `${r.status}: ${r.reason}`);
    field(
      'final',
      `${r.final.checkpoint.stepKey}: ${describeFinalModel(r.final, r.quantized, r.export?.gate === 'pass' ? r.export : undefined)}`,
    );
    if (r.heldOut)
      field(
        'held-out',
        `${gateWord(r.heldOut.status)} on the ${r.heldOut.split} split (${r.heldOut.rows} rows no gate saw): ${r.heldOut.reason}`,
      );
    field('lineage', r.lineage.uri);
    field('decisions', `${r.decisions} logged`);
    if (r.export) lines.push('', formatTable(EXPORT_HEADER, exportRows(r.export)));
    if (r.milestones.length > 0) lines.push('', formatTable(ATTEMPT_HEADER, attemptRows(r.milestones)));
  } else {
    if (s.stateUnavailable) field('state', s.stateUnavailable);
    if (s.failure) field('failure', s.failure.text);
    const sa = s.searchAttributes;
    field(
      'search',
      `Milestone ${sa.milestone ?? '-'}  Sparsity ${sa.sparsity === null ? '-' : percent(sa.sparsity)}  GateStatus ${sa.gateStatus ?? '-'}  CampaignStatus ${sa.campaignStatus ?? '-'}`,
    );
  }
  return lines.join('\n');
}

/** `fairshrink status <campaignId>`; `fairshrink status` with no id is the local stack (stack.ts). */
export async function campaignStatusCommand(argv: string[], io: CliIo, context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('status', argv, commonFlags);
  if (values.help) {
    io.stdout(campaignStatusHelp);
    return EXIT.ok;
  }
  const campaignId = campaignIdArgument('status', positionals, 'fairshrink status <campaignId>');
  return reportingFailures(io, context, () =>
    withCampaignClient(async (c) => {
      const { handle, description } = await describeCampaign(c, campaignId, ['compressionCampaign', 'seedCampaigns']);
      if (description.type === 'seedCampaigns') {
        const seeds = await collectSeedCampaignsStatus(c, handle, description, (call) =>
          withinDeadline(c, QUERY_DEADLINE_MS, call),
        );
        io.stdout(values.json ? JSON.stringify(seeds, null, 2) : formatSeedCampaignsStatus(seeds));
        return EXIT.ok;
      }
      const status = await collectCampaignStatus(
        handle,
        description,
        (call) => withinDeadline(c, QUERY_DEADLINE_MS, call),
        () => campaignInputOf(c, campaignId, description.runId),
      );
      io.stdout(values.json ? JSON.stringify(status, null, 2) : formatCampaignStatus(status));
      return EXIT.ok;
    }),
  );
}
