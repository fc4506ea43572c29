// `fairshrink status` of a multi-seed campaign: the seeds table (seed, status, final sparsity, accuracy, worst group,
// held-out verdict), the spread lines and the seed rule's verdicts; while running, each seed's campaign's progress.
import { describe, expect, it } from 'vitest';
import { formatSeedCampaignsStatus, type SeedCampaignsStatus } from '../../../cli/commands/campaign-status.ts';
import type { MetricSummary } from '../../../core/campaign/contracts.ts';
import { judgeSeeds, type SeedCampaignResult } from '../../../core/campaign/seeds.ts';

const ref = (name: string) => ({ uri: `s3://b/campaigns/c/${name}`, sha256: '0'.repeat(64), bytes: 10 });

const summary = (accuracy: number, worst: number): MetricSummary => ({
  rows: 200,
  accuracy,
  balancedAccuracy: accuracy,
  worstGroupAccuracy: { attribute: 'sex', group: 'female', value: worst },
  attributes: { sex: { equalizedOddsDifference: 0.1, demographicParityDifference: 0.05 } },
  maxExcessAccuracyGap: { attribute: 'sex', group: 'female', value: 0.02 },
  flipRate: null,
});

const child = (accuracy: number, worst: number, heldOut: 'pass' | 'fail'): SeedCampaignResult => ({
  status: 'completed',
  reason: 'all 2 milestones passed',
  final: { checkpoint: { stepKey: 'quantize', sparsity: 0.5 }, summary: summary(accuracy, worst) },
  quantized: true,
  lineage: ref('lineage.json'),
  export: { gate: 'pass', summary: summary(accuracy, worst) },
  heldOut: {
    split: 'test',
    status: heldOut,
    reason: `held-out ${heldOut}`,
    rows: 202,
    summary: summary(accuracy, worst),
  },
});

const base = {
  kind: 'seeds' as const,
  campaignId: 'c',
  taskQueue: 'q',
  startTime: '2026-12-01T00:00:00.000Z',
  stateUnavailable: null,
  failure: null,
};

describe('status of a multi-seed campaign', () => {
  it('shows the verdicts, the spread and a row per seed once it completed', () => {
    const report = judgeSeeds('c', 'all', [
      { seed: 0, campaignId: 'c-seed-0', ended: 'result', result: child(0.8, 0.7, 'pass') },
      { seed: 1, campaignId: 'c-seed-1', ended: 'failed', reason: 'the dense baseline does not meet the rubric' },
    ]);
    const status: SeedCampaignsStatus = {
      ...base,
      status: 'COMPLETED',
      closeTime: '2026-12-01T00:10:00.000Z',
      state: null,
      children: [],
      result: { ...report, status: 'completed', reason: '2 seeds ran; seed rule all: fail', report: ref('seeds.json') },
    };
    const lines = formatSeedCampaignsStatus(status).split('\n');
    expect(lines).toContain(
      'verdict    FAIL (rule all): 1 of 2 seeds fail: seed 1 fail (failed: the dense baseline does not meet the rubric)',
    );
    expect(lines).toContain(
      'held-out   INSUFFICIENT EVIDENCE (rule all): no seed fails, but 1 of 2 have no pass: seed 1 none (the child failed)',
    );
    expect(lines).toContain('spread     accuracy 0.8000–0.8000 (mean 0.8000, 1 seed; missing for seed 1)');
    expect(lines).toContain('           EOD sex 0.1000–0.1000 (mean 0.1000, 1 seed; missing for seed 1)');
    expect(lines).toContain('report     s3://b/campaigns/c/seeds.json');
    const table = lines.slice(lines.indexOf('') + 1);
    expect(table[0]).toMatch(/^Seed\s+Campaign\s+Status\s+Final sparsity\s+Accuracy\s+Worst group\s+Held-out$/);
    expect(table[1]).toMatch(/^0\s+c-seed-0\s+completed\s+50\.0% int8\s+0\.8000\s+sex=female 0\.7000\s+PASS$/);
    expect(table[2]).toMatch(/^1\s+c-seed-1\s+failed \(no final gate\)\s+-\s+-\s+-\s+none \(the child failed\)$/);
  });

  it("shows each seed's campaign progress while running", () => {
    const status: SeedCampaignsStatus = {
      ...base,
      status: 'RUNNING',
      closeTime: null,
      state: {
        campaignId: 'c',
        phase: 'running',
        paused: true,
        rule: 'worst',
        children: [
          { seed: 0, campaignId: 'c-seed-0', status: 'running', reason: null },
          { seed: 1, campaignId: 'c-seed-1', status: 'starting', reason: null },
        ],
        notForwarded: [],
      },
      children: [
        { seed: 0, campaignId: 'c-seed-0', status: 'RUNNING', milestone: 2, sparsity: 0.5 },
        { seed: 1, campaignId: 'c-seed-1', status: 'NOT STARTED', milestone: null, sparsity: null },
      ],
      result: null,
    };
    const lines = formatSeedCampaignsStatus(status).split('\n');
    expect(lines).toContain('seeds      2 (rule worst), each its own campaign · PAUSED');
    expect(lines.at(-2)).toMatch(/^0\s+c-seed-0\s+RUNNING\s+2\s+50\.0%$/);
    expect(lines.at(-1)).toMatch(/^1\s+c-seed-1\s+NOT STARTED\s+-\s+-$/);
  });
});
