// Regenerates tests/unit/report/fixtures/german-report.json (gatherCampaignData of a real campaign run). Skipped unless
// FAIRSHRINK_CAPTURE_REPORT_FIXTURE=1:
//   FAIRSHRINK_CAPTURE_REPORT_FIXTURE=1 npx vitest run --project integration tests/e2e/capture-report-fixture.test.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { gatherCampaignData } from '../../core/report/campaign-data.ts';
import { campaignInput, campaignWorker, startCampaign } from '../helpers/campaign.ts';
import { connectTemporal, testStore } from '../helpers/services.ts';

const capture = process.env.FAIRSHRINK_CAPTURE_REPORT_FIXTURE === '1';
const store = testStore();
afterAll(() => store.destroy());

describe.skipIf(!capture)('report fixture capture', () => {
  it('runs the german-report campaign and dumps its S3 folder', async () => {
    const temporal = await connectTemporal();
    try {
      const id = `german-report-${Date.now().toString(36)}`;
      const taskQueue = `${id}-q`;
      const worker = await campaignWorker(temporal.nativeConnection, taskQueue, store);
      const file = fileURLToPath(new URL('./fixtures/german-report.yaml', import.meta.url));
      const started = Date.now();
      const handle = await startCampaign(temporal.client, await campaignInput(file, store, id), taskQueue);
      const result = await worker.runUntil(handle.result());
      console.log(`campaign ${id} ${result.status} in ${Date.now() - started} ms`);
      const data = await gatherCampaignData(store, { campaignId: id, prefix: 'campaigns' });
      const out = fileURLToPath(new URL('../unit/report/fixtures/german-report.json', import.meta.url));
      writeFileSync(out, `${JSON.stringify(data, null, 2)}\n`);
      expect(data.steps.length).toBeGreaterThan(0);
    } finally {
      await temporal.close();
    }
  });
});
