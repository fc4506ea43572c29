// Running campaigns in integration tests: start one from a fixture file on its own task queue,
// run a worker until it ends, and read what it left in S3.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import type { CampaignInput, DecisionEntry } from '../../core/campaign/contracts.ts';
import { readDecisionLog } from '../../core/campaign/decision-log.ts';
import { loadCampaignFile, prepareCampaignInput, seedCampaignsInputOf } from '../../core/config/campaign-file.ts';
import type { ArtifactStore } from '../../core/storage/index.ts';
import { projectRoot } from '../../infra/paths.ts';
import { isTransientFailure } from '../../cli/commands/watch-contact.ts';
import { compressionCampaign, stateQuery, type CampaignOptions, type CampaignState } from '../../workflows/campaign.ts';
import { seedCampaigns } from '../../workflows/seeds.ts';
import { workflowBundle } from './services.ts';

export const fixtureCampaign = (name: string) =>
  fileURLToPath(new URL(`../fixtures/campaigns/${name}.yaml`, import.meta.url));

export async function campaignInput(file: string, store: ArtifactStore, campaignId: string): Promise<CampaignInput> {
  return prepareCampaignInput(await loadCampaignFile(file), store, { campaignId, projectRoot });
}

export async function startCampaign(
  client: Client,
  input: CampaignInput,
  taskQueue: string,
  options: CampaignOptions = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof compressionCampaign>> {
  return client.workflow.start(compressionCampaign, {
    taskQueue,
    workflowId: input.campaignId,
    args: [input, options],
  });
}

export async function campaignWorker(
  connection: NativeConnection,
  taskQueue: string,
  store: ArtifactStore,
  interceptors?: WorkerOptions['interceptors'],
) {
  return Worker.create({
    connection,
    namespace: 'fairshrink',
    taskQueue,
    workflowBundle: workflowBundle(),
    activities: createActivities({ store }),
    maxConcurrentActivityTaskExecutions: 1,
    ...(interceptors === undefined ? {} : { interceptors }),
  });
}

/**
 * Activity interceptors that hold every call of one activity type until the test releases it: a test can then act
 * (signal, query) while the campaign is known to be inside that step, instead of racing against it.
 */
export function activityGate(activityType: string) {
  let entered!: () => void;
  let release!: () => void;
  const enteredPromise = new Promise<void>((r) => (entered = r));
  const released = new Promise<void>((r) => (release = r));
  const interceptors: WorkerOptions['interceptors'] = {
    activity: [
      (ctx) => ({
        inbound: {
          execute: async (input, next) => {
            if (ctx.info.activityType === activityType) {
              entered();
              await released;
            }
            return next(input);
          },
        },
      }),
    ],
  };
  return { interceptors, entered: enteredPromise, release: () => release() };
}

export async function readDecisions(store: ArtifactStore, campaignId: string): Promise<DecisionEntry[]> {
  return (await readDecisionLog(store, 'campaigns', campaignId)).entries;
}

/** Sizes of every payload in a history (inputs, results, heartbeats, signals, updates, memo). */
export function payloadSizes(history: unknown): number[] {
  const sizes: number[] = [];
  const visit = (node: unknown) => {
    if (node === null || typeof node !== 'object') return;
    if (node instanceof Uint8Array) return;
    const record = node as Record<string, unknown>;
    if (record.data instanceof Uint8Array && 'metadata' in record) sizes.push(record.data.byteLength);
    for (const value of Object.values(record)) visit(value);
  };
  visit(history);
  return sizes;
}

export const projectPath = (...parts: string[]) => path.join(projectRoot, ...parts);

/** Poll the `state` query until the campaign waits for a human review. */
/**
 * The campaign's `state` query, asked again while it fails for a passing reason, for up to `timeoutMs`. A test's
 * worker runs in the test's own process (single-process layout), so on a loaded machine a query can time out
 * ("query timed out before a worker could process it") while tfjs holds the event loop; `fairshrink watch` rides
 * that out the same way (cli/commands/watch-contact.ts). Anything else, e.g. a closed workflow, is thrown.
 */
export async function queryState(
  handle: { query(query: typeof stateQuery): Promise<CampaignState> },
  timeoutMs = 120_000,
): Promise<CampaignState> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await handle.query(stateQuery);
    } catch (err) {
      if (!isTransientFailure(err) || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export async function untilReviewPending(handle: WorkflowHandle<typeof compressionCampaign>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await queryState(handle)).pendingReview) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the campaign never asked for a review');
}

/** Start a fixture campaign (tests/fixtures/campaigns/<name>.yaml) under `campaignId` on `taskQueue`. */
export async function startFixtureCampaign(
  client: Client,
  store: ArtifactStore,
  fixture: { name: string; campaignId: string; taskQueue: string; options?: CampaignOptions },
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof compressionCampaign>> {
  const input = await campaignInput(fixtureCampaign(fixture.name), store, fixture.campaignId);
  return startCampaign(client, input, fixture.taskQueue, fixture.options);
}

/** Start a multi-seed fixture campaign (its file has `seeds`): the seedCampaigns parent under `campaignId`. */
export async function startFixtureSeedCampaigns(
  client: Client,
  store: ArtifactStore,
  fixture: { name: string; campaignId: string; taskQueue: string; options?: CampaignOptions },
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof seedCampaigns>> {
  const input = await campaignInput(fixtureCampaign(fixture.name), store, fixture.campaignId);
  return client.workflow.start(seedCampaigns, {
    taskQueue: fixture.taskQueue,
    workflowId: input.campaignId,
    args: [seedCampaignsInputOf(input), fixture.options ?? {}],
  });
}
