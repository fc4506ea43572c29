// A campaign that continues as new after every milestone carries only refs and small records
// across runs, and still finishes with one contiguous decision log.
import { describe, expect, it } from 'vitest';
import { campaignWorker, payloadSizes, readDecisions, startFixtureCampaign } from '../helpers/campaign.ts';
import { uniqueId, useTemporalAndStore } from '../helpers/services.ts';

const { temporal: connection, store } = useTemporalAndStore();

describe('continueAsNew at milestone boundaries', () => {
  it('finishes across runs with the same result as one run would give', async () => {
    const id = uniqueId('german-can');
    const taskQueue = uniqueId('can-q');
    const worker = await campaignWorker(connection().nativeConnection, taskQueue, store);
    const handle = await startFixtureCampaign(connection().client, store, {
      name: 'german-pass',
      campaignId: id,
      taskQueue,
      options: {
        milestonesPerRun: 1,
      },
    });
    const result = await worker.runUntil(handle.result());
    expect(result.status).toBe('completed');
    expect(result.milestones.map((m) => [m.milestone, m.status])).toEqual([
      [1, 'pass'],
      [2, 'pass'],
    ]);

    const firstRun = connection().client.workflow.getHandle(id, handle.firstExecutionRunId);
    const firstHistory = await firstRun.fetchHistory();
    const last = firstHistory.events?.at(-1);
    expect(last?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    // What crosses the run boundary is small: refs and records, never weights or rows.
    expect(Math.max(...payloadSizes(last))).toBeLessThan(32 * 1024);
    const latest = await connection().client.workflow.getHandle(id).describe();
    expect(latest.runId).not.toBe(handle.firstExecutionRunId);

    const decisions = await readDecisions(store, id);
    expect(decisions.map((d) => d.seq)).toEqual(decisions.map((_, i) => i + 1));
    expect(decisions.filter((d) => d.kind === 'accept').map((d) => d.milestone)).toEqual([1, 2]);
  });
});
