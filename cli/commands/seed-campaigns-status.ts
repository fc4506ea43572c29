// `fairshrink status` of a multi-seed campaign (docs/architecture.md#seeds): the parent's state or result, each
// seed's campaign, and the spread across seeds.
import { type WorkflowExecutionDescription } from '@temporalio/client';
import { searchAttributes } from '../../workflows/campaign.ts';
import { seedCampaignsStateQuery, type SeedCampaignsResult, type SeedCampaignsState } from '../../workflows/seeds.ts';
import { formatSpread, type SeedRecord, type SeedSpread } from '../../core/campaign/seeds.ts';
import { QUERY_DEADLINE_MS, type CampaignClient, type CampaignHandle } from './campaign.ts';
import { formatTable, gateWord, percent } from './campaign-format.ts';

import { campaignFailure, type CampaignFailure } from './campaign-failure.ts';

/** `fairshrink status` of a multi-seed campaign: the parent's state or result, and each seed's campaign. */
export interface SeedCampaignsStatus {
  kind: 'seeds';
  campaignId: string;
  status: string;
  taskQueue: string;
  startTime: string;
  closeTime: string | null;
  /** The parent's `state` query while running; null when closed or when no worker answered in time. */
  state: SeedCampaignsState | null;
  stateUnavailable: string | null;
  /** While running: each seed's campaign as Temporal describes it (status, milestone and sparsity reached). */
  children: { seed: number; campaignId: string; status: string; milestone: number | null; sparsity: number | null }[];
  result: SeedCampaignsResult | null;
  failure: CampaignFailure | null;
}

export async function collectSeedCampaignsStatus(
  c: CampaignClient,
  handle: CampaignHandle,
  description: WorkflowExecutionDescription,
  query: (call: () => Promise<SeedCampaignsState>) => Promise<SeedCampaignsState | undefined>,
): Promise<SeedCampaignsStatus> {
  const status: SeedCampaignsStatus = {
    kind: 'seeds',
    campaignId: description.workflowId,
    status: description.status.name,
    taskQueue: description.taskQueue,
    startTime: description.startTime.toISOString(),
    closeTime: description.closeTime?.toISOString() ?? null,
    state: null,
    stateUnavailable: null,
    children: [],
    result: null,
    failure: null,
  };
  if (description.status.name === 'RUNNING') {
    const state = await query(() => handle.query(seedCampaignsStateQuery));
    if (!state) {
      status.stateUnavailable = `no worker answered the state query within ${QUERY_DEADLINE_MS / 1000} s (is a worker polling task queue ${description.taskQueue}?)`;
      return status;
    }
    status.state = state;
    for (const child of state.children) {
      let described: WorkflowExecutionDescription | undefined;
      try {
        described = await c.client.workflow.getHandle(child.campaignId).describe();
      } catch {
        described = undefined; // not started yet
      }
      const sa = described?.typedSearchAttributes;
      status.children.push({
        seed: child.seed,
        campaignId: child.campaignId,
        status: described?.status.name ?? 'NOT STARTED',
        milestone: sa?.get(searchAttributes.milestone) ?? null,
        sparsity: sa?.get(searchAttributes.sparsity) ?? null,
      });
    }
  } else if (description.status.name === 'COMPLETED') {
    status.result = (await handle.result()) as unknown as SeedCampaignsResult;
  } else {
    status.failure = await handle.result().then(
      () => null,
      (err: unknown) => campaignFailure(err),
    );
  }
  return status;
}

const SEED_HEADER = ['Seed', 'Campaign', 'Status', 'Final sparsity', 'Accuracy', 'Worst group', 'Held-out'];

function seedRows(seeds: SeedRecord[]): string[][] {
  return seeds.map((s) => {
    const worst = s.summary?.worstGroupAccuracy;
    return [
      `${s.seed}`,
      s.campaignId,
      s.passed ? s.status : `${s.status} (${s.finalGate === null ? 'no final gate' : `final gate ${s.finalGate}`})`,
      s.finalSparsity === null ? '-' : `${percent(s.finalSparsity)}${s.quantized ? ' int8' : ''}`,
      s.summary === null || s.summary.accuracy === null ? '-' : s.summary.accuracy.toFixed(4),
      worst ? `${worst.attribute}=${worst.group} ${worst.value.toFixed(4)}` : '-',
      s.heldOut.status === 'none' ? `none (${s.heldOut.reason})` : gateWord(s.heldOut.status),
    ];
  });
}

/** The spread lines: accuracy, worst-group accuracy, max ψ and each attribute's EOD across seeds. */
export function spreadLines(spread: SeedSpread): string[] {
  return [
    formatSpread('accuracy', spread.accuracy),
    formatSpread('worst-group accuracy', spread.worstGroupAccuracy),
    formatSpread('max ψ', spread.maxExcessAccuracyGap),
    ...Object.entries(spread.equalizedOddsDifference).map(([attribute, s]) => formatSpread(`EOD ${attribute}`, s)),
  ];
}

export function formatSeedCampaignsStatus(s: SeedCampaignsStatus): string {
  const lines = [
    `campaign ${s.campaignId}  ${s.status}  started ${s.startTime}${s.closeTime ? `  closed ${s.closeTime}` : ''}`,
  ];
  const field = (name: string, value: string) => lines.push(`${name.padEnd(10)} ${value}`);
  field('queue', s.taskQueue);
  if (s.state) {
    field(
      'seeds',
      `${s.state.children.length} (rule ${s.state.rule}), each its own campaign${s.state.paused ? ' · PAUSED' : ''}`,
    );
    lines.push(
      '',
      formatTable(
        ['Seed', 'Campaign', 'Status', 'Milestone', 'Sparsity'],
        s.children.map((c) => [
          `${c.seed}`,
          c.campaignId,
          c.status,
          c.milestone === null ? '-' : `${c.milestone}`,
          c.sparsity === null ? '-' : percent(c.sparsity),
        ]),
      ),
    );
  } else if (s.result) {
    const r = s.result;
    field('result', `${r.status}: ${r.reason}`);
    field('verdict', `${gateWord(r.verdict.status)} (rule ${r.rule}): ${r.verdict.reason}`);
    field(
      'held-out',
      r.heldOut.status === 'none'
        ? `none: ${r.heldOut.reason}`
        : `${gateWord(r.heldOut.status)} (rule ${r.rule}): ${r.heldOut.reason}`,
    );
    spreadLines(r.spread).forEach((line, i) => field(i === 0 ? 'spread' : '', line));
    field('report', r.report.uri);
    lines.push('', formatTable(SEED_HEADER, seedRows(r.seeds)));
  } else {
    if (s.stateUnavailable) field('state', s.stateUnavailable);
    if (s.failure) field('failure', s.failure.text);
  }
  return lines.join('\n');
}
