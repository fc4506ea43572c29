// `fairshrink status` of a closed campaign: the held-out verdict and every export format's stored bytes and
// measured latency next to the dense float32 model's.
import { describe, expect, it } from 'vitest';
import { formatCampaignStatus, type CampaignStatus } from '../../../cli/commands/campaign-status.ts';
import type { CheckpointRef, MetricSummary } from '../../../core/campaign/contracts.ts';
import type { CampaignResult } from '../../../workflows/campaign.ts';

const ref = (name: string) => ({ uri: `s3://b/campaigns/c/${name}`, sha256: '0'.repeat(64), bytes: 10 });
const checkpoint: CheckpointRef = {
  stepKey: 'quantize',
  modelJson: ref('quantize/model.json'),
  weightsBin: ref('quantize/weights.bin'),
  sparsity: 0.95,
  parameters: 1000,
  nonzeros: 50,
};
const summary: MetricSummary = {
  rows: 200,
  accuracy: 0.84,
  balancedAccuracy: 0.75,
  worstGroupAccuracy: { attribute: 'sex', group: 'Female', value: 0.8 },
  attributes: {},
  maxExcessAccuracyGap: null,
  flipRate: null,
};
const latency = (ms: number, rowsPerSecond: number) => ({
  p50SingleRowMs: ms,
  batchedRowsPerSecond: rowsPerSecond,
  batchRows: 200,
});

function closed(result: Partial<CampaignResult>): CampaignStatus {
  return {
    campaignId: 'c',
    status: 'COMPLETED',
    taskQueue: 'q',
    startTime: '2026-12-01T00:00:00.000Z',
    closeTime: '2026-12-01T00:10:00.000Z',
    searchAttributes: { milestone: 2, sparsity: 0.95, gateStatus: 'pass', campaignStatus: 'completed' },
    state: null,
    stateUnavailable: null,
    pending: [],
    result: {
      campaignId: 'c',
      status: 'completed',
      reason: 'all 2 milestones passed',
      final: { checkpoint, milestone: 2, summary },
      baseline: { checkpoint: { ...checkpoint, stepKey: 'baseline', sparsity: 0 }, milestone: 0, summary },
      quantized: true,
      milestones: [],
      lineage: ref('lineage.json'),
      decisions: 9,
      ...result,
    },
    outcome: null,
    failure: null,
  };
}

describe('formatCampaignStatus of a closed campaign', () => {
  it('shows the held-out verdict and a table of export formats with bytes on disk and latency', () => {
    const text = formatCampaignStatus(
      closed({
        heldOut: {
          split: 'test',
          stepKey: 'held-out',
          checkpoint: 'export',
          status: 'fail',
          reason: 'eod-sex: 0.12 > 0.10',
          rows: 202,
          summary,
          report: ref('held-out/evaluate/report.json'),
          decision: ref('held-out/gate/gate.json'),
        },
        export: {
          checkpoint: { ...checkpoint, stepKey: 'export' },
          format: 'sparse-int8',
          gate: 'pass',
          summary,
          sizes: ref('export/sizes.json'),
          dense: { bytes: 40_000, gzipBytes: 36_000, latency: latency(0.5, 300_000) },
          formats: [
            {
              format: 'sparse-int8',
              files: [],
              bytes: 2000,
              gzipBytes: 1500,
              ratioVsDense: 20,
              maxAbsPredictionDifference: 0,
              latency: latency(0.25, 400_000),
            },
            {
              format: 'tfjs-standard',
              files: [],
              bytes: 12_000,
              gzipBytes: 5000,
              ratioVsDense: 40_000 / 12_000,
              maxAbsPredictionDifference: 0.002,
            },
          ],
        },
      }),
    );
    expect(text).toMatch(/^held-out\s+FAIL on the test split \(202 rows no gate saw\): eod-sex: 0\.12 > 0\.10$/m);
    expect(text).toMatch(/^Format\s+Bytes\s+Gzip\s+Smaller by\s+p50 1 row\s+Batched$/m);
    expect(text).toMatch(/^sparse-int8 \(shipped\)\s+2\.0 kB\s+1\.5 kB\s+20\.0×\s+0\.250 ms\s+400,000 rows\/s$/m);
    expect(text).toMatch(/^tfjs-standard\s+12\.0 kB\s+5\.0 kB\s+3\.3×\s+-\s+-$/m);
    expect(text).toMatch(/^dense float32\s+40\.0 kB\s+36\.0 kB\s+1\.0×\s+0\.500 ms\s+300,000 rows\/s$/m);
  });

  it('leaves both out for campaigns that ended before exports and held-out verdicts existed', () => {
    const text = formatCampaignStatus(closed({}));
    expect(text).not.toMatch(/held-out|Format/);
    expect(text).toMatch(/^decisions\s+9 logged$/m);
  });
});
