// A campaign through the real Temporal server and S3 with its worker on the tensorflow backend: it completes, and
// its lineage records the backend, the TensorFlow version and the device the checkpoints were trained on.
import { describe, expect, it } from 'vitest';
import { loadBackendManifest } from '../../infra/tfjs-node.ts';
import { campaignInput, campaignWorker, fixtureCampaign, startCampaign } from '../helpers/campaign.ts';
import { uniqueId, useTemporalAndStore } from '../helpers/services.ts';

const { temporal: connection, store } = useTemporalAndStore();

describe('campaign on the tensorflow backend', () => {
  it('completes and records backend, TensorFlow version and device in its lineage', async () => {
    expect(process.env.FAIRSHRINK_TFJS_BACKEND).toBe('tensorflow');
    const id = uniqueId('german-pass-tf');
    const taskQueue = uniqueId('campaign-tf-q');
    const worker = await campaignWorker(connection().nativeConnection, taskQueue, store);
    const handle = await startCampaign(
      connection().client,
      await campaignInput(fixtureCampaign('german-pass'), store, id),
      taskQueue,
    );
    const result = await worker.runUntil(handle.result());
    expect(result.status).toBe('completed');
    expect(result.milestones.every((m) => m.status === 'pass')).toBe(true);

    const lineage = JSON.parse(Buffer.from(await store.get(result.lineage)).toString()) as {
      environment: Record<string, unknown>;
    };
    expect(lineage.environment).toMatchObject({
      backend: 'tensorflow',
      tensorflowVersion: loadBackendManifest().tensorflow.tensorflowVersion,
      device: 'cpu',
    });
  });
});
