// `fairshrink run` of a campaign file with `seeds: [...]` (docs/architecture.md#seeds): start or attach to the parent
// workflow that runs one campaign per seed, and with --watch wait for every seed and print the status.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { CampaignInput } from '../../core/campaign/contracts.ts';
import { seedCampaignsInputOf } from '../../core/config/campaign-file.ts';
import type { compressionCampaign, CampaignOptions } from '../../workflows/campaign.ts';
import { seedCampaigns } from '../../workflows/seeds.ts';
import { EXIT, type CliIo } from '../io.ts';
import type { CampaignClient } from './campaign.ts';
import { collectSeedCampaignsStatus, formatSeedCampaignsStatus } from './seed-campaigns-status.ts';

/**
 * Starts (or attaches to) a multi-seed campaign's parent. With watch, waits for every seed and prints the status:
 * exit 0 when the seed rule passed, 1 when it did not.
 */
export async function startSeedCampaigns(
  c: CampaignClient,
  input: CampaignInput,
  options: CampaignOptions,
  flags: { watch: boolean; json: boolean },
  io: CliIo,
): Promise<number> {
  const { settings, client } = c;
  const parent = seedCampaignsInputOf(input);
  const childIds = parent.children.map((child) => child.campaignId);
  try {
    await client.workflow.start(seedCampaigns, {
      taskQueue: settings.temporal.taskQueue,
      workflowId: parent.campaignId,
      args: [parent, options],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    if (!flags.json)
      io.stdout(
        `started campaign ${parent.campaignId} on task queue ${settings.temporal.taskQueue}: ${childIds.length} seeds (rule ${parent.rule}) as ${childIds.join(', ')}`,
      );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const description = await client.workflow.getHandle(parent.campaignId).describe();
    if (!flags.json) io.stdout(`campaign ${parent.campaignId} already exists (${description.status.name}); attaching`);
  }
  if (!flags.watch) {
    if (flags.json) io.stdout(JSON.stringify({ campaignId: parent.campaignId, seeds: childIds }));
    return EXIT.ok;
  }
  const handle = client.workflow.getHandle<typeof compressionCampaign>(parent.campaignId);
  if (!flags.json)
    io.stdout(`waiting for ${childIds.length} seeds; \`fairshrink watch <seed campaign id>\` follows one`);
  await handle.result().catch(() => undefined);
  const status = await collectSeedCampaignsStatus(c, handle, await handle.describe(), (call) => call());
  io.stdout(flags.json ? JSON.stringify(status, null, 2) : formatSeedCampaignsStatus(status));
  return status.result?.verdict.status === 'pass' ? EXIT.ok : EXIT.failed;
}
