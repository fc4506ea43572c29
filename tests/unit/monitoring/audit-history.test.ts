// The audit history that `fairshrink monitor status` shows: every audit record of a deployment, oldest
// first, reduced to the numbers that track drift over time; and the table it prints.
import { describe, expect, it } from 'vitest';
import { auditTable } from '../../../cli/commands/monitor-format.ts';
import { putJson } from '../../../core/storage/json.ts';
import { auditHistory } from '../../../core/monitoring/audit.ts';
import { MemoryStore } from '../campaign/memory-store.ts';

const ref = { uri: 's3://test-bucket/x', sha256: 'a'.repeat(64), bytes: 1 };

function record(auditId: string, at: string, version: number, accuracy: number, psi: number, drifted: boolean) {
  return {
    format: 'fairshrink.audit',
    formatVersion: 1,
    at,
    seed: 1,
    output: {
      auditId,
      deployment: 'credit',
      version,
      batch: { ref, key: 'deployments/credit/batches/000001-x.csv', rows: 250 },
      status: accuracy >= 0.6 ? 'pass' : 'fail',
      reason: 'r',
      constraints: [],
      summary: {
        rows: 250,
        accuracy,
        balancedAccuracy: null,
        worstGroupAccuracy: { attribute: 'sex', group: 'female', value: accuracy - 0.05 },
        attributes: { sex: { equalizedOddsDifference: 0.1, demographicParityDifference: 0.05 } },
        maxExcessAccuracyGap: null,
        flipRate: null,
      },
      drift: {
        drifted,
        maxFeaturePsi: { feature: 'age', value: psi },
        maxGroupMixPsi: { attribute: 'sex', value: 0.01 },
        significantMetricDrifts: 0,
        reasons: [],
      },
      report: ref,
    },
  };
}

describe('audit history', () => {
  it('lists every audit record oldest first and ignores the other files of an audit', async () => {
    const store = new MemoryStore();
    // Written out of time order: the history sorts by audit time, not by key.
    await putJson(
      store,
      'deployments/credit/audits/b/audit.json',
      record('b', '2026-11-27T12:00:00.000Z', 2, 0.42, 0.31, true),
    );
    await putJson(
      store,
      'deployments/credit/audits/a/audit.json',
      record('a', '2026-11-26T12:00:00.000Z', 2, 0.75, 0.05, false),
    );
    await putJson(store, 'deployments/credit/audits/a/report.json', { not: 'an audit' });
    await putJson(
      store,
      'deployments/other/audits/z/audit.json',
      record('z', '2026-11-25T12:00:00.000Z', 1, 0.8, 0, false),
    );

    const history = await auditHistory(store, 'credit');
    expect(history.map((h) => [h.auditId, h.version, h.status, h.accuracy, h.drifted])).toEqual([
      ['a', 2, 'pass', 0.75, false],
      ['b', 2, 'fail', 0.42, true],
    ]);
    expect(history[1]!.maxFeaturePsi).toEqual({ feature: 'age', value: 0.31 });
    expect(history[1]!.equalizedOddsDifference).toEqual({ sex: 0.1 });
    expect(history[0]!.record.uri).toBe('s3://test-bucket/deployments/credit/audits/a/audit.json');

    const table = auditTable(history).split('\n');
    expect(table[0]).toMatch(
      /^ {2}at\s+version\s+status\s+rows\s+accuracy\s+worst group\s+EOD sex\s+max feature PSI\s+group-mix PSI$/,
    );
    expect(table[1]).toMatch(
      /^ {2}2026-11-26T12:00:00Z\s+v2\s+pass\s+250\s+0\.750\s+sex=female 0\.700\s+0\.100\s+age 0\.050\s+sex 0\.010$/,
    );
    expect(table[2]).toMatch(/fail\s+250\s+0\.420\s+sex=female 0\.370\s+0\.100\s+age 0\.310 \(drift\)/);
  });

  it('is empty for a deployment never audited, and refuses a file that is not an audit record', async () => {
    const store = new MemoryStore();
    expect(await auditHistory(store, 'credit')).toEqual([]);
    await putJson(store, 'deployments/credit/audits/x/audit.json', { format: 'something-else' });
    await expect(auditHistory(store, 'credit')).rejects.toThrow(/is not an audit record/);
  });
});
