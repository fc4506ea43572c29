// The demo campaign as the campaign benches start it: its input uploaded under a fresh id, and its data set encoded
// once in a warm-up folder, so no timed run pays for encoding it.
import * as steps from '../core/campaign/index.ts';
import type { CampaignInput } from '../core/campaign/contracts.ts';
import { loadCampaignFile, prepareCampaignInput } from '../core/config/campaign-file.ts';
import type { ArtifactStore } from '../core/storage/index.ts';
import { projectRoot } from '../infra/paths.ts';

export async function warmDemoCampaign(store: ArtifactStore, idPrefix: string): Promise<CampaignInput> {
  const loaded = await loadCampaignFile(`${projectRoot}/examples/campaigns/adult-demo.yaml`);
  const stamp = Date.now().toString(36);
  const input = await prepareCampaignInput(loaded, store, { campaignId: `${idPrefix}-${stamp}`, projectRoot });
  await steps.prepareDataset(
    {
      campaignId: input.campaignId,
      prefix: 'bench-warmup',
      stepKey: 'prepare',
      seed: input.config.seed,
      spec: input.datasetSpec,
      sources: input.datasetSources,
    },
    { store },
  );
  return input;
}
