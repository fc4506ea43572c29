// Deployment monitoring against the real Temporal server and real S3: a finished campaign is promoted
// twice (dense model v1, compressed model v2); an audit on a clean labelled batch passes; an audit on a
// batch whose labels were corrupted fails and rolls the deployment back to v1 with an incident; the
// schedule that re-audits periodically starts the same workflow, and with no earlier known-good version
// the failed audit only records an incident. Nothing is deleted along the way.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { parseJsonBytes } from '../../core/storage/json.ts';
import { parseRubric } from '../../core/config/rubric.ts';
import { sha256Hex } from '../../core/data/hash.ts';
import { batchKey } from '../../core/monitoring/audit.ts';
import { DEFAULT_MONITOR_POLICY } from '../../core/monitoring/contracts.ts';
import { deploymentFromCampaign, readCampaignDataset } from '../../core/monitoring/promotion.ts';
import { currentVersion, listEvents, listIncidents, promote } from '../../core/monitoring/registry.ts';
import type { ArtifactStore } from '../../core/storage/index.ts';
import { ensureDatasetFile } from '../../infra/datasets.ts';
import { monitorSchedule } from '../../cli/commands/monitor.ts';
import type { CampaignResult } from '../../workflows/campaign.ts';
import { monitorDeployment, type MonitorResult } from '../../workflows/monitor.ts';
import { campaignInput, campaignWorker, fixtureCampaign, startCampaign } from '../helpers/campaign.ts';
import { replayAndMaybeRecord } from '../helpers/replay.ts';
import { uniqueId, useTemporalAndStore, workflowBundle } from '../helpers/services.ts';

const { temporal: connection, store } = useTemporalAndStore();

/** Rows of german.data: the first `rows` lines, labels as they are or flipped (1 = good ↔ 2 = bad). */
async function germanBatch(rows: number, flipLabels: boolean): Promise<Uint8Array> {
  const text = await readFile(await ensureDatasetFile('german-credit', 'german.data'), 'utf8');
  const lines = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, rows)
    .map((line) => {
      if (!flipLabels) return line;
      const fields = line.trim().split(' ');
      fields[fields.length - 1] = fields.at(-1) === '1' ? '2' : '1';
      return fields.join(' ');
    });
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

async function addBatch(s: ArtifactStore, name: string, bytes: Uint8Array) {
  const key = await batchKey(s, name, sha256Hex(bytes));
  await s.put(key, bytes, { contentType: 'text/csv' });
  return key;
}

async function audit(client: Client, name: string, taskQueue: string, golden?: string): Promise<MonitorResult> {
  const handle = await client.workflow.start(monitorDeployment, {
    taskQueue,
    workflowId: uniqueId(`monitor-${name}`),
    args: [{ deployment: name, policy: DEFAULT_MONITOR_POLICY }],
  });
  const result = await handle.result();
  // The history replays against the current code (and is the golden one when FAIRSHRINK_RECORD_GOLDEN=1).
  await replayAndMaybeRecord(handle, { workflowBundle: workflowBundle() }, golden);
  return result;
}

describe('deployment monitoring', () => {
  it('promotes, passes a clean batch, rolls back on a failed audit, and re-audits on a schedule', async () => {
    const client = connection().client;
    const taskQueue = uniqueId('monitor-q');
    const worker = await campaignWorker(connection().nativeConnection, taskQueue, store);
    await worker.runUntil(async () => {
      const campaignId = uniqueId('german-pass');
      const input = await campaignInput(fixtureCampaign('german-pass'), store, campaignId);
      const result: CampaignResult = await (await startCampaign(client, input, taskQueue)).result();
      expect(result.status).toBe('completed');
      const lineage = parseJsonBytes<unknown>(await store.get(result.lineage), result.lineage.uri);

      // Audits judge on an absolute rubric: a model that gets most labels of a batch wrong fails it.
      const rubric = parseRubric({
        version: 1,
        name: 'monitor',
        min_group_size: 10,
        uncertainty: 'point_estimate',
        constraints: [{ id: 'accuracy', metric: 'accuracy', comparator: '>=', threshold: 0.55 }],
      });
      const name = uniqueId('credit')
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-');
      const campaign = { ...input, rubric };
      const dataset = await readCampaignDataset(store, input);
      const v1 = await promote(
        store,
        deploymentFromCampaign({
          campaign,
          result: { ...result, final: result.baseline },
          lineage,
          dataset,
          name,
          promotedBy: 'test',
          note: 'dense',
        }),
        '2026-11-27T10:00:00.000Z',
      );
      const v2 = await promote(
        store,
        deploymentFromCampaign({ campaign, result, lineage, dataset, name, promotedBy: 'test', note: 'compressed' }),
        '2026-11-27T10:01:00.000Z',
      );
      expect([v1.version.version, v2.version.version]).toEqual([1, 2]);
      expect(v1.version.reference).toBeNull();
      expect(v2.version.reference?.stepKey).toBe(result.baseline.checkpoint.stepKey);

      await addBatch(store, name, await germanBatch(400, false));
      const clean = await audit(client, name, taskQueue);
      expect(clean.audit.status, clean.audit.reason).toBe('pass');
      expect(clean.audit.version).toBe(2);
      expect(clean.audit.batch.rows).toBe(400);
      expect(clean.action).toBe('none');
      expect((await currentVersion(store, name)).pointer.version).toBe(2);

      await addBatch(store, name, await germanBatch(400, true));
      const bad = await audit(client, name, taskQueue, 'monitor-rollback');
      expect(bad.audit.status).toBe('fail');
      expect(bad.audit.summary.accuracy!).toBeLessThan(0.55);
      expect(bad.action).toBe('rolled-back');
      expect(bad.rollback).toMatchObject({ rolledBack: true, fromVersion: 2, toVersion: 1 });
      expect((await currentVersion(store, name)).pointer.version).toBe(1);
      // The audit record and the incident are in S3 and verify against their refs.
      const record = parseJsonBytes<{ output: { auditId: string } }>(
        await store.get(bad.audit.record),
        bad.audit.record.uri,
      );
      expect(record.output.auditId).toBe(bad.auditId);
      expect(await listIncidents(store, name)).toHaveLength(1);

      // The schedule starts the same workflow; v1 on the corrupted batch fails too, and with no earlier
      // known-good version the monitor records an incident and leaves v1 serving.
      const scheduleId = uniqueId(`monitor-${name}`);
      // The schedule `fairshrink monitor schedule` creates (paused: the test triggers it once).
      const schedule = await client.schedule.create({
        scheduleId,
        ...monitorSchedule(name, { everyMs: 86_400_000, policy: DEFAULT_MONITOR_POLICY, taskQueue, paused: true }),
      });
      try {
        await schedule.trigger();
        let run: { workflowId: string } | undefined;
        for (let i = 0; i < 120 && run === undefined; i++) {
          run = (await schedule.describe()).info.recentActions[0]?.action.workflow;
          if (run === undefined) await new Promise((r) => setTimeout(r, 500));
        }
        expect(run, 'the schedule started no workflow').toBeDefined();
        const scheduled: MonitorResult = await client.workflow.getHandle(run!.workflowId).result();
        expect(scheduled.audit.version).toBe(1);
        expect(scheduled.audit.status).toBe('fail');
        expect(scheduled.action).toBe('incident');
        expect(scheduled.rollback).toMatchObject({ rolledBack: false, version: 1 });
      } finally {
        await schedule.delete();
      }
      expect((await currentVersion(store, name)).pointer.version).toBe(1);
      expect(await listIncidents(store, name)).toHaveLength(2);

      // The audit trail: every promotion, audit and rollback as an immutable event, in order.
      const events = await listEvents(store, name);
      expect(events.map((e) => e.kind)).toEqual(['promote', 'promote', 'audit', 'audit', 'rollback', 'audit']);
      // Nothing was deleted: both versions are still readable.
      for (const v of [1, 2]) expect(await store.head(`deployments/${name}/v${v}.json`)).toBeDefined();
    });
  });
});
