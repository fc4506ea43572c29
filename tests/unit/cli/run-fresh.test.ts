// `run` picks the run of a campaign to start or attach to: the latest one, or with --fresh a new `<id>-rN` after a
// run that closed without completing. Temporal is stood in for by a map of workflow id → status.
import { describe, expect, it } from 'vitest';
import { campaignRunId, chooseCampaignRun } from '../../../cli/commands/run.ts';

const temporal = (statuses: Record<string, string>) => {
  const asked: string[] = [];
  const statusOf = async (id: string) => {
    asked.push(id);
    return statuses[id];
  };
  return { statusOf, asked };
};

describe('run --fresh', () => {
  it('names runs <id>, <id>-r2, <id>-r3', () => {
    expect([1, 2, 3].map((n) => campaignRunId('loans-0123456789ab', n))).toEqual([
      'loans-0123456789ab',
      'loans-0123456789ab-r2',
      'loans-0123456789ab-r3',
    ]);
  });

  it('starts the campaign when it has no run yet, with or without --fresh', async () => {
    for (const fresh of [false, true]) {
      const t = temporal({});
      expect(await chooseCampaignRun('c', fresh, t.statusOf)).toEqual({ campaignId: 'c' });
      expect(t.asked).toEqual(['c']);
    }
  });

  it('starts the next run after a failed, terminated, cancelled or timed-out run only with --fresh', async () => {
    for (const status of ['FAILED', 'TERMINATED', 'CANCELLED', 'TIMED_OUT']) {
      expect(await chooseCampaignRun('c', true, temporal({ c: status }).statusOf)).toEqual({ campaignId: 'c-r2' });
      expect(await chooseCampaignRun('c', false, temporal({ c: status }).statusOf)).toEqual({
        campaignId: 'c',
        existing: status,
        note: 'to start a new run of it as c-r2, run again with --fresh',
      });
    }
    const t = temporal({ c: 'FAILED', 'c-r2': 'FAILED' });
    expect(await chooseCampaignRun('c', true, t.statusOf)).toEqual({ campaignId: 'c-r3' });
    expect(t.asked).toEqual(['c', 'c-r2', 'c-r3']);
  });

  it('attaches to the latest run when it is running or completed, and says why --fresh did not start one', async () => {
    const latest = temporal({ c: 'FAILED', 'c-r2': 'COMPLETED' });
    expect(await chooseCampaignRun('c', false, latest.statusOf)).toEqual({ campaignId: 'c-r2', existing: 'COMPLETED' });
    expect(await chooseCampaignRun('c', true, temporal({ c: 'RUNNING' }).statusOf)).toEqual({
      campaignId: 'c',
      existing: 'RUNNING',
      note: '--fresh starts a new run only after a run that did not complete; c is RUNNING',
    });
  });
});
