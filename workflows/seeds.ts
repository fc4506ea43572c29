// A campaign run once per seed (docs/architecture.md#seeds): one compressionCampaign child per seed, started together
// on the parent's task queue so workers run them in parallel; the parent waits for every child, judges the seeds by
// the campaign's seed rule (core/campaign/seeds.ts) and writes <prefix>/<id>/seeds.json. Pause, resume and abort sent
// to the parent are forwarded to every child; cancelling the parent cancels the children, which stop at their last
// good model with their lineage written. Deterministic code only (see eslint.config.js).
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  isCancellation,
  setHandler,
  startChild,
  upsertSearchAttributes,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import { judgeSeeds, type SeedCampaignsInput, type SeedEnding, type SeedsReport } from '../core/campaign/seeds.ts';
import type { SeedRule } from '../core/config/campaign.ts';
import type { ArtifactRef } from '../core/storage/ref.ts';
import {
  abortSignal,
  compressionCampaign,
  pauseSignal,
  resumeSignal,
  searchAttributes,
  type CampaignOptions,
} from './campaign.ts';
import { markCampaignStatus } from './campaign-run.ts';
import { failureReason, writeJsonArtifact } from './parent-steps.ts';

export type SeedChildStatus = 'starting' | 'running' | 'completed' | 'stopped' | 'aborted' | 'failed' | 'cancelled';

export interface SeedCampaignsState {
  campaignId: string;
  phase: 'running' | 'judging' | 'completed' | 'aborted' | 'stopped';
  paused: boolean;
  rule: SeedRule;
  children: { seed: number; campaignId: string; status: SeedChildStatus; reason: string | null }[];
  /** Signals forwarded to children that had already closed (nothing to forward to), for the record. */
  notForwarded: string[];
}

export interface SeedCampaignsResult extends SeedsReport {
  status: 'completed' | 'aborted';
  reason: string;
  /** <prefix>/<campaignId>/seeds.json */
  report: ArtifactRef;
}

export const seedCampaignsStateQuery = defineQuery<SeedCampaignsState>('state');

export async function seedCampaigns(
  input: SeedCampaignsInput,
  options: CampaignOptions = {},
): Promise<SeedCampaignsResult> {
  const { campaignId, prefix, rule, children } = input;
  const seeds = children.map((c) => c.config.seed);
  if (children.length < 2 || new Set(seeds).size !== seeds.length) {
    throw ApplicationFailure.nonRetryable(
      `a multi-seed campaign needs two or more distinct seeds, got [${seeds.join(', ')}]`,
      'InvalidInput',
    );
  }
  const state: SeedCampaignsState = {
    campaignId,
    phase: 'running',
    paused: false,
    rule,
    children: children.map((c) => ({
      seed: c.config.seed,
      campaignId: c.campaignId,
      status: 'starting',
      reason: null,
    })),
    notForwarded: [],
  };
  let abortRequest: { by?: string; reason: string } | null = null;
  const handles = new Map<string, ChildWorkflowHandle<typeof compressionCampaign>>();

  /** Send a signal on to every child still running; a child that closed meanwhile has nothing to receive it. */
  const forward = async (name: string, send: (h: ChildWorkflowHandle<typeof compressionCampaign>) => Promise<void>) => {
    for (const child of state.children) {
      const handle = handles.get(child.campaignId);
      if (!handle || child.status !== 'running') {
        state.notForwarded.push(`${name} → ${child.campaignId} (${child.status})`);
        continue;
      }
      try {
        await send(handle);
      } catch (err) {
        if (isCancellation(err)) throw err;
        state.notForwarded.push(`${name} → ${child.campaignId} (${failureReason(err)})`);
      }
    }
  };

  setHandler(seedCampaignsStateQuery, () => state);
  setHandler(pauseSignal, async (request) => {
    state.paused = true;
    await forward('pause', (h) => h.signal(pauseSignal, request));
  });
  setHandler(resumeSignal, async (request) => {
    state.paused = false;
    await forward('resume', (h) => h.signal(resumeSignal, request));
  });
  setHandler(abortSignal, async (request) => {
    abortRequest = request;
    await forward('abort', (h) => h.signal(abortSignal, request));
  });

  upsertSearchAttributes([{ key: searchAttributes.campaignId, value: campaignId }]);
  markCampaignStatus('running');

  let cancelled: unknown = null;
  const endings: SeedEnding[] = await Promise.all(
    children.map(async (child, i): Promise<SeedEnding> => {
      const row = state.children[i]!;
      const seed = child.config.seed;
      try {
        const handle = await startChild(compressionCampaign, {
          workflowId: child.campaignId,
          args: [child, options],
          // A parent that is terminated or times out asks its children to stop at their last good model.
          parentClosePolicy: 'REQUEST_CANCEL',
        });
        handles.set(child.campaignId, handle);
        row.status = 'running';
        // An abort that came in while this child was starting reaches it now.
        if (abortRequest) await handle.signal(abortSignal, abortRequest);
        else if (state.paused) await handle.signal(pauseSignal, {});
        const result = await handle.result();
        row.status = result.status;
        row.reason = result.reason;
        return { seed, campaignId: child.campaignId, ended: 'result', result };
      } catch (err) {
        const ended = isCancellation(err) ? 'cancelled' : 'failed';
        if (ended === 'cancelled' && cancelled === null) cancelled = err;
        row.status = ended;
        row.reason = failureReason(err);
        return { seed, campaignId: child.campaignId, ended, reason: row.reason };
      }
    }),
  );

  // The report goes on record even when the parent is being cancelled.
  return CancellationScope.nonCancellable(async () => {
    state.phase = 'judging';
    const report = judgeSeeds(campaignId, rule, endings);
    const ref = await writeJsonArtifact({
      key: `${prefix}/${campaignId}/seeds.json`,
      document: { ...report, configSha256: input.configSha256 },
    });
    await condition(allHandlersFinished);
    const aborted = abortRequest as { by?: string; reason: string } | null;
    if (cancelled !== null) {
      state.phase = 'stopped';
      // Parents before CAMPAIGN_STATUS_PATCH wrote their ending into GateStatus.
      if (!markCampaignStatus('stopped'))
        upsertSearchAttributes([{ key: searchAttributes.gateStatus, value: 'stopped' }]);
      throw cancelled;
    }
    const status: SeedCampaignsResult['status'] = aborted ? 'aborted' : 'completed';
    const reason = aborted
      ? `aborted${aborted.by ? ` by ${aborted.by}` : ''}: ${aborted.reason}`
      : `${children.length} seeds ran; seed rule ${rule}: ${report.verdict.status}`;
    state.phase = status;
    // GateStatus: the seed rule's verdict, a gate's verdict over the seeds; CampaignStatus: how the parent ended.
    upsertSearchAttributes([{ key: searchAttributes.gateStatus, value: report.verdict.status }]);
    markCampaignStatus(status);
    return { ...report, status, reason, report: ref };
  });
}
