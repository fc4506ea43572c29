// The COMPAS example through the real Temporal server and real S3: the data set comes from the pinned registry
// package (not a repository path), ProPublica's filter runs inside the worker's prepare step, and the lineage
// records how many rows each filter step kept.
import { describe, expect, it } from 'vitest';
import { campaignInput, campaignWorker, fixtureCampaign, startCampaign } from '../helpers/campaign.ts';
import { uniqueId, useTemporalAndStore } from '../helpers/services.ts';

const { temporal: connection, store } = useTemporalAndStore();

describe('COMPAS campaign', () => {
  it('runs to completion on the pinned data set, with the filter counts in its lineage', async () => {
    const id = uniqueId('compas-small');
    const taskQueue = uniqueId('compas-q');
    const input = await campaignInput(fixtureCampaign('compas-small'), store, id);
    expect(input.datasetSources.map((s) => [s.path, s.ref.sha256])).toEqual([
      [
        'dataset:compas/compas-scores-two-years.csv',
        'c451db85908b2f7fef1d83203bedf6b71ecda0d5af468d82ae62178f91d0cc7d',
      ],
    ]);
    const worker = await campaignWorker(connection().nativeConnection, taskQueue, store);
    const handle = await startCampaign(connection().client, input, taskQueue);
    const result = await worker.runUntil(handle.result());

    expect(result.status).toBe('completed');
    expect(result.milestones.map((m) => [m.milestone, m.status])).toEqual([[1, 'pass']]);
    const lineage = JSON.parse(Buffer.from(await store.get(result.lineage)).toString()) as {
      data: { rows: Record<string, number>; filter: { predicate: string; rowsIn: number; rowsOut: number }[] };
    };
    expect(lineage.data.filter.map((f) => [f.predicate, f.rowsIn, f.rowsOut])).toEqual([
      ['days_b_screening_arrest in [-30, 30]', 7214, 6172],
      ['is_recid not in {-1}', 6172, 6172],
      ["c_charge_degree not in {'O'}", 6172, 6172],
      ["score_text not in {'N/A'}", 6172, 6172],
      ["race in {'African-American', 'Caucasian'}", 6172, 5278],
    ]);
    expect(lineage.data.rows).toEqual({ train: 3167, validation: 1056, test: 1055 });
  });
});
