import { describe, expect, it } from 'vitest';
import type { ArtifactRef, CheckpointRef, DeploymentEvent, RollbackInput } from '../../../core/monitoring/contracts.ts';
import {
  currentVersion,
  DeploymentError,
  listDeployments,
  listEvents,
  listIncidents,
  listVersions,
  promote,
  recordAudit,
  rollback,
  validateDeploymentName,
  type DeploymentDraft,
} from '../../../core/monitoring/registry.ts';
import { EvaluationPlan } from '../../../core/config/campaign.ts';
import { parseRubric } from '../../../core/config/rubric.ts';
import { jsonBytes } from '../../../core/storage/json.ts';
import { MemoryStore } from '../campaign/memory-store.ts';
import { createHash } from 'node:crypto';

const NAME = 'credit';
const DIR = `deployments/${NAME}`;
const CURRENT = `${DIR}/current.json`;

const hex = (seed: string): string => createHash('sha256').update(seed).digest('hex');
const ref = (key: string): ArtifactRef => ({ uri: `s3://test-bucket/${key}`, sha256: hex(key), bytes: 100 });
const at = (minute: number): string => `2026-11-27T10:${String(minute).padStart(2, '0')}:00.000Z`;

function checkpoint(stepKey: string, weights: string): CheckpointRef {
  return {
    stepKey,
    modelJson: ref(`campaigns/c1/${stepKey}/model.json`),
    weightsBin: { uri: `s3://test-bucket/campaigns/c1/${stepKey}/weights.bin`, sha256: hex(weights), bytes: 400 },
    sparsity: 0.5,
    parameters: 100,
    nonzeros: 50,
  };
}

const RUBRIC = parseRubric({
  version: 1,
  name: 'monitor',
  uncertainty: 'point_estimate',
  constraints: [{ id: 'accuracy', metric: 'accuracy', comparator: '>=', threshold: 0.7 }],
});

/** A deployment record of a model whose weights hash is derived from `weights`. */
function draft(weights: string, over: Partial<DeploymentDraft> = {}): DeploymentDraft {
  return {
    name: NAME,
    promotedBy: 'ana',
    note: `model ${weights}`,
    source: { campaignId: 'c1', stepKey: `milestone-1/attempt-0/finetune`, lineage: ref('campaigns/c1/lineage.json') },
    checkpoint: checkpoint('milestone-1/attempt-0/finetune', weights),
    reference: checkpoint('baseline', 'dense'),
    dataset: {
      encoded: ref('datasets/d/encoded.bin'),
      datasetId: hex('dataset'),
      rawSha256: hex('raw'),
      specSha256: hex('spec'),
      rows: { train: 600, validation: 200, test: 200 },
      features: 20,
      attributes: [{ name: 'sex', groups: ['female', 'male'] }],
    },
    rubric: RUBRIC,
    evaluation: EvaluationPlan.parse({}),
    baseline: {
      report: ref(`campaigns/c1/${weights}/report.json`),
      summary: {
        rows: 200,
        accuracy: 0.75,
        balancedAccuracy: 0.7,
        worstGroupAccuracy: { attribute: 'sex', group: 'female', value: 0.71 },
        attributes: { sex: { equalizedOddsDifference: 0.05, demographicParityDifference: null } },
        maxExcessAccuracyGap: null,
        flipRate: 0.02,
      },
    },
    ...over,
  };
}

const failedAudit = (auditId: string, version: number) => ({
  auditId,
  version,
  record: ref(`${DIR}/audits/${auditId}/audit.json`),
  reason: 'accuracy 0.41 < 0.7',
});

/** The rollback request of the monitor after audit `auditId` of `version` failed. */
const failure = (
  auditId: string,
  version: number,
  minute: number,
  action: RollbackInput['action'] = 'rollback',
): RollbackInput => ({ deployment: NAME, action, audit: failedAudit(auditId, version), at: at(minute) });

const json = <T>(store: MemoryStore, key: string): T => JSON.parse(new TextDecoder().decode(store.bytesAt(key))) as T;

/** Every object's sha256 by key. */
const snapshot = (store: MemoryStore) => new Map([...store.objects].map(([k, v]) => [k, v.sha256]));

/** v1 and v2 promoted, v2 serving. */
async function twoVersions(store = new MemoryStore()) {
  await promote(store, draft('a'), at(0));
  await promote(store, draft('b'), at(1));
  return store;
}

describe('validateDeploymentName', () => {
  it.each(['credit-scoring', 'a', '0', 'a'.repeat(63)])('accepts %j', (name) => {
    expect(validateDeploymentName(name)).toBe(name);
  });

  it.each(['', 'Credit', 'credit_scoring', 'credit scoring', 'a/b', 'a'.repeat(64), 'crédit', '-credit'])(
    'rejects %j',
    (name) => {
      expect(() => validateDeploymentName(name)).toThrow(DeploymentError);
      expect(() => validateDeploymentName(name)).toThrow(/name must be 1–63 lower-case letters, digits and "-".*Fix:/);
    },
  );

  it('guards every entry point', async () => {
    const store = new MemoryStore();
    await expect(promote(store, draft('a', { name: 'Credit' }), at(0))).rejects.toThrow(
      /invalid deployment name "Credit"/,
    );
    await expect(currentVersion(store, '../x')).rejects.toThrow(DeploymentError);
    await expect(listEvents(store, 'a_b')).rejects.toThrow(DeploymentError);
    await expect(
      rollback(store, { deployment: 'A', action: 'rollback', audit: failedAudit('x', 1), at: at(0) }),
    ).rejects.toThrow(/deployment: use 1–63 lower-case/);
    expect(store.objects.size).toBe(0);
  });
});

describe('promote', () => {
  it('writes v1 then v2, each with a promote event, and current.json follows', async () => {
    const store = new MemoryStore();
    const v1 = await promote(store, draft('a'), at(0));
    expect(v1.alreadyCurrent).toBe(false);
    expect(v1.version).toMatchObject({
      format: 'fairshrink.deployment',
      formatVersion: 1,
      version: 1,
      promotedAt: at(0),
    });
    expect(store.keyOf(v1.ref)).toBe(`${DIR}/v1.json`);
    expect(v1.pointer).toEqual({
      name: NAME,
      version: 1,
      since: at(0),
      reason: expect.stringContaining('promoted v1'),
      event: 1,
    });

    const v2 = await promote(store, draft('b'), at(1));
    expect(v2.version.version).toBe(2);
    expect(v2.version.checkpoint.weightsBin.sha256).toBe(hex('b'));
    expect(json(store, CURRENT)).toEqual(v2.pointer);
    expect(v2.pointer).toMatchObject({ version: 2, event: 2, since: at(1) });

    const current = await currentVersion(store, NAME);
    expect(current.pointer).toEqual(v2.pointer);
    expect(current.version).toEqual(v2.version);
    expect(current.ref).toEqual(v2.ref);
    expect(await store.get(current.ref)).toEqual(jsonBytes(v2.version));

    expect((await listVersions(store, NAME)).map((v) => [v.version, v.checkpoint.weightsBin.sha256])).toEqual([
      [1, hex('a')],
      [2, hex('b')],
    ]);
    expect(await listDeployments(store)).toEqual([NAME]);
    expect([...store.objects.keys()].sort()).toEqual([
      CURRENT,
      `${DIR}/events/000001-promote.json`,
      `${DIR}/events/000002-promote.json`,
      `${DIR}/v1.json`,
      `${DIR}/v2.json`,
    ]);
  });

  it('promoting the serving model again writes nothing and says so', async () => {
    const store = await twoVersions();
    store.resetCounts();
    const again = await promote(store, draft('b', { note: 'again', promotedBy: 'bo' }), at(5));
    expect(again.alreadyCurrent).toBe(true);
    expect(again.version.version).toBe(2);
    expect(again.version.note).toBe('model b');
    expect(again.pointer.version).toBe(2);
    expect(store.writes).toBe(0);
    // Same weights under another rubric is a new version.
    const stricter = parseRubric({ ...RUBRIC, constraints: [{ ...RUBRIC.constraints[0]!, threshold: 0.8 }] });
    const v3 = await promote(store, draft('b', { rubric: stricter }), at(6));
    expect(v3).toMatchObject({ alreadyCurrent: false, version: { version: 3 } });
  });

  it('an earlier version promoted again becomes a new version', async () => {
    const store = await twoVersions();
    const v3 = await promote(store, draft('a'), at(2));
    expect(v3.alreadyCurrent).toBe(false);
    expect(v3.version.version).toBe(3);
    expect((await listVersions(store, NAME)).length).toBe(3);
  });

  it('rejects an invalid record or time before writing', async () => {
    const store = new MemoryStore();
    await expect(promote(store, draft('a', { promotedBy: '' }), at(0))).rejects.toThrow(
      /cannot promote to credit: promotedBy: say who promotes/,
    );
    await expect(promote(store, draft('a'), 'yesterday')).rejects.toThrow(/at "yesterday" is not an ISO date-time/);
    expect(store.objects.size).toBe(0);
  });
});

describe('events', () => {
  it('record promotions, audits and rollbacks in order', async () => {
    const store = await twoVersions();
    const audited = await recordAudit(
      store,
      NAME,
      { ...failedAudit('audit-1', 2), status: 'fail', reason: 'accuracy 0.41 < 0.7' },
      at(2),
    );
    expect(audited.alreadyRecorded).toBe(false);
    expect(store.keyOf(audited.ref)).toBe(`${DIR}/events/000003-audit.json`);
    await rollback(store, failure('audit-1', 2, 3));
    const events = await listEvents(store, NAME);
    expect(events.map((e) => [e.seq, e.kind, e.version, e.fromVersion])).toEqual([
      [1, 'promote', 1, undefined],
      [2, 'promote', 2, undefined],
      [3, 'audit', 2, undefined],
      [4, 'rollback', 1, 2],
    ]);
    expect(events[2]!.audit).toEqual(failedAudit('audit-1', 2).record);
    expect(events[2]!.message).toMatch(/audit audit-1 of v2: fail — accuracy 0.41 < 0.7/);
    expect(events[3]!.incident).toBeDefined();
    expect(json<{ event: number }>(store, CURRENT).event).toBe(4);
  });

  it('recordAudit is idempotent per audit record and needs a deployment', async () => {
    const store = await twoVersions();
    const audit = { ...failedAudit('audit-1', 2), status: 'pass' as const, reason: 'all constraints hold' };
    const first = await recordAudit(store, NAME, audit, at(2));
    const again = await recordAudit(store, NAME, audit, at(2));
    expect(again).toEqual({ ...first, alreadyRecorded: true });
    expect((await listEvents(store, NAME)).filter((e) => e.kind === 'audit')).toHaveLength(1);
    await expect(recordAudit(new MemoryStore(), NAME, audit, at(2))).rejects.toThrow(/no deployment credit/);
  });
});

describe('currentVersion', () => {
  it('names the fix when the deployment does not exist', async () => {
    const promise = currentVersion(new MemoryStore(), NAME);
    await expect(promise).rejects.toThrow(DeploymentError);
    await expect(currentVersion(new MemoryStore(), NAME)).rejects.toThrow(
      'no deployment credit: promote a campaign first (fairshrink promote <campaign-id> --name credit)',
    );
  });
});

describe('rollback', () => {
  it('rolls back from v2 to v1 and records the incident', async () => {
    const store = await twoVersions();
    const out = await rollback(store, failure('audit-1', 2, 3));
    if (!out.rolledBack) throw new Error(`expected a rollback: ${out.reason}`);
    expect(out).toMatchObject({ fromVersion: 2, toVersion: 1 });
    expect(store.keyOf(out.incident)).toBe(`${DIR}/incidents/000001.json`);
    expect(out.pointer).toEqual({
      name: NAME,
      version: 1,
      since: at(3),
      reason: expect.stringContaining('v2 → v1'),
      event: 3,
    });
    expect(json(store, CURRENT)).toEqual(out.pointer);
    expect((await currentVersion(store, NAME)).version.checkpoint.weightsBin.sha256).toBe(hex('a'));

    const incident = JSON.parse(new TextDecoder().decode(await store.get(out.incident))) as Record<string, unknown>;
    expect(incident).toMatchObject({
      seq: 1,
      at: at(3),
      deployment: NAME,
      version: 2,
      rolledBack: true,
      fromVersion: 2,
      toVersion: 1,
      event: 3,
      audit: failedAudit('audit-1', 2),
    });
    expect(incident.message).toMatch(/audit audit-1 failed v2 \(accuracy 0.41 < 0.7\); rolled back to v1/);
    expect(await listIncidents(store, NAME)).toEqual([incident]);
    const event = json<DeploymentEvent>(store, `${DIR}/events/000003-rollback.json`);
    expect(event).toMatchObject({ kind: 'rollback', version: 1, fromVersion: 2, incident: out.incident });
  });

  it('with no known-good earlier version, records the incident and leaves current.json', async () => {
    const store = await twoVersions();
    await rollback(store, failure('audit-1', 2, 3));
    const pointer = store.bytesAt(CURRENT);
    const eventsBefore = (await listEvents(store, NAME)).length;
    const out = await rollback(store, failure('audit-2', 1, 4));
    expect(out.rolledBack).toBe(false);
    if (out.rolledBack) return;
    expect(out.version).toBe(1);
    expect(out.reason).toMatch(/no known-good version below v1 to roll back to, so v1 keeps serving/);
    expect(store.bytesAt(CURRENT)).toEqual(pointer);
    expect((await listEvents(store, NAME)).length).toBe(eventsBefore);
    const incidents = await listIncidents(store, NAME);
    expect(incidents.map((i) => [i.seq, i.rolledBack, i.audit.auditId])).toEqual([
      [1, true, 'audit-1'],
      [2, false, 'audit-2'],
    ]);
    expect(incidents[1]).not.toHaveProperty('fromVersion');
  });

  it('is idempotent per audit id', async () => {
    const store = await twoVersions();
    const input = failure('audit-1', 2, 3);
    const first = await rollback(store, input);
    store.resetCounts();
    expect(await rollback(store, input)).toEqual(first);
    expect(await rollback(store, { ...input, at: at(9) })).toEqual(first);
    expect(store.writes).toBe(0);
    expect((await currentVersion(store, NAME)).pointer.version).toBe(1);

    const noTarget = failure('audit-2', 1, 4);
    const second = await rollback(store, noTarget);
    store.resetCounts();
    expect(await rollback(store, noTarget)).toEqual(second);
    expect(store.writes).toBe(0);
    expect(await listIncidents(store, NAME)).toHaveLength(2);
  });

  it('skips a version that was rolled back away from', async () => {
    const store = await twoVersions();
    await rollback(store, failure('audit-1', 2, 3));
    await promote(store, draft('c'), at(4));
    const out = await rollback(store, failure('audit-2', 3, 5));
    expect(out).toMatchObject({ rolledBack: true, fromVersion: 3, toVersion: 1 });
    expect((await currentVersion(store, NAME)).version.version).toBe(1);
  });

  it('does not roll back when the failed audit judged a version that no longer serves', async () => {
    const store = await twoVersions();
    const out = await rollback(store, failure('late', 1, 3));
    expect(out).toMatchObject({ rolledBack: false, version: 2 });
    if (!out.rolledBack) expect(out.reason).toMatch(/audit late failed v1 .*but v2 serves now.*nothing rolled back/);
    expect((await currentVersion(store, NAME)).pointer.version).toBe(2);
  });

  it('with action "alert", records the incident and keeps the serving version', async () => {
    const store = await twoVersions();
    const pointer = store.bytesAt(CURRENT);
    const out = await rollback(store, failure('audit-1', 2, 3, 'alert'));
    expect(out).toMatchObject({ rolledBack: false, version: 2, reason: expect.stringMatching(/policy is "alert"/) });
    expect(store.bytesAt(CURRENT)).toEqual(pointer);
    expect((await listIncidents(store, NAME)).map((i) => [i.action, i.rolledBack])).toEqual([['alert', false]]);
    // An alert does not mark v2 bad: after v3 fails, v2 is the known-good target.
    await promote(store, draft('c'), at(4));
    expect(await rollback(store, failure('audit-2', 3, 5))).toMatchObject({ rolledBack: true, toVersion: 2 });
  });

  it('rejects a request without an action', async () => {
    const store = await twoVersions();
    const { action: _action, ...request } = failure('audit-1', 2, 3);
    await expect(rollback(store, request as RollbackInput)).rejects.toThrow(/cannot roll back: action: /);
    expect(await listIncidents(store, NAME)).toEqual([]);
  });

  it('needs a deployment', async () => {
    await expect(rollback(new MemoryStore(), failure('audit-1', 1, 0))).rejects.toThrow(
      /no deployment credit: promote a campaign first/,
    );
  });
});

describe('the storage layout', () => {
  it('never deletes and never overwrites anything but current.json', async () => {
    const store = new MemoryStore();
    const seen = new Map<string, string>();
    const check = () => {
      const now = snapshot(store);
      for (const [key, sha] of seen) {
        expect(now.has(key), `${key} was deleted`).toBe(true);
        if (key !== CURRENT) expect(now.get(key), `${key} was overwritten`).toBe(sha);
      }
      for (const [key, sha] of now) seen.set(key, sha);
    };
    const steps = [
      () => promote(store, draft('a'), at(0)),
      () => promote(store, draft('b'), at(1)),
      () => promote(store, draft('b'), at(2)),
      () => recordAudit(store, NAME, { ...failedAudit('audit-1', 2), status: 'fail', reason: 'r' }, at(3)),
      () => rollback(store, failure('audit-1', 2, 3)),
      () => rollback(store, failure('audit-1', 2, 3)),
      () => rollback(store, failure('audit-2', 1, 4)),
      () => promote(store, draft('c'), at(5)),
      () => rollback(store, failure('audit-3', 3, 6)),
    ];
    for (const step of steps) {
      await step();
      check();
    }
    const rewritten = store.written.filter((key, i) => store.written.indexOf(key) !== i);
    expect(new Set(rewritten)).toEqual(new Set([CURRENT]));
    expect(store.written.filter((k) => k === CURRENT)).toHaveLength(5); // 3 promotions + 2 rollbacks
  });

  it('finishes a promotion interrupted between its event and current.json', async () => {
    const store = new MemoryStore();
    await promote(store, draft('a'), at(0));
    const put = store.put.bind(store);
    store.put = async (key, bytes, opts) => {
      if (key === CURRENT) throw new Error('network down');
      return put(key, bytes, opts);
    };
    await expect(promote(store, draft('b'), at(1))).rejects.toThrow('network down');
    store.put = put;
    expect(json<{ version: number }>(store, CURRENT).version).toBe(1);
    const retried = await promote(store, draft('b'), at(2));
    // The promote event was written, so the pointer is settled from it and the model already serves.
    expect(retried).toMatchObject({ alreadyCurrent: true, version: { version: 2 }, pointer: { version: 2, event: 2 } });
    expect((await listVersions(store, NAME)).map((v) => v.version)).toEqual([1, 2]);
    expect((await listEvents(store, NAME)).map((e) => e.kind)).toEqual(['promote', 'promote']);
  });

  it('finishes a promotion interrupted after v<N>.json instead of writing v<N+1>', async () => {
    const store = new MemoryStore();
    await promote(store, draft('a'), at(0));
    const put = store.put.bind(store);
    store.put = async (key, bytes, opts) => {
      if (key.includes('/events/')) throw new Error('network down');
      return put(key, bytes, opts);
    };
    await expect(promote(store, draft('b'), at(1))).rejects.toThrow('network down');
    store.put = put;
    const retried = await promote(store, draft('b'), at(2));
    expect(retried).toMatchObject({ alreadyCurrent: false, version: { version: 2, promotedAt: at(1) } });
    expect((await listVersions(store, NAME)).map((v) => v.version)).toEqual([1, 2]);
    // An orphan of another model is never served, and never a rollback target.
    const orphan = new MemoryStore();
    await promote(orphan, draft('a'), at(0));
    const put2 = orphan.put.bind(orphan);
    orphan.put = async (key, bytes, opts) => {
      if (key.includes('/events/')) throw new Error('network down');
      return put2(key, bytes, opts);
    };
    await expect(promote(orphan, draft('b'), at(1))).rejects.toThrow('network down');
    orphan.put = put2;
    expect((await promote(orphan, draft('c'), at(2))).version.version).toBe(3);
    const out = await rollback(orphan, failure('audit-1', 3, 3));
    expect(out).toMatchObject({ rolledBack: true, fromVersion: 3, toVersion: 1 });
  });

  it('finishes a rollback interrupted after its incident', async () => {
    const store = await twoVersions();
    const put = store.put.bind(store);
    store.put = async (key, bytes, opts) => {
      if (key.endsWith('-rollback.json')) throw new Error('network down');
      return put(key, bytes, opts);
    };
    const input = failure('audit-1', 2, 3);
    await expect(rollback(store, input)).rejects.toThrow('network down');
    store.put = put;
    expect(json<{ version: number }>(store, CURRENT).version).toBe(2);
    const out = await rollback(store, input);
    expect(out).toMatchObject({ rolledBack: true, fromVersion: 2, toVersion: 1, pointer: { version: 1, event: 3 } });
    expect((await currentVersion(store, NAME)).pointer.version).toBe(1);
    expect(await listIncidents(store, NAME)).toHaveLength(1);
  });
});

describe('corrupted records', () => {
  /** Replaces an object's bytes as a writer would (a matching stored sha256), bypassing immutability. */
  const overwrite = (store: MemoryStore, key: string, text: string) => {
    const bytes = new TextEncoder().encode(text);
    store.objects.set(key, { bytes, sha256: createHash('sha256').update(bytes).digest('hex'), contentType: 'x' });
  };

  it('reports invalid JSON by key', async () => {
    const store = await twoVersions();
    overwrite(store, `${DIR}/v2.json`, '{"format":"fairshrink.deploy');
    const read = currentVersion(store, NAME);
    await expect(read).rejects.toThrow(DeploymentError);
    await expect(currentVersion(store, NAME)).rejects.toThrow(
      /s3:\/\/test-bucket\/deployments\/credit\/v2\.json is not valid JSON.*Fix: deployment records are written once/,
    );
  });

  it('reports a record that parses but is not valid, naming the field', async () => {
    const store = await twoVersions();
    const pointer = json<Record<string, unknown>>(store, CURRENT);
    overwrite(store, CURRENT, JSON.stringify({ ...pointer, version: 'two' }));
    await expect(currentVersion(store, NAME)).rejects.toThrow(
      /current\.json is not a valid deployment pointer: version:/,
    );
    overwrite(store, CURRENT, JSON.stringify(pointer));
    const event = json<Record<string, unknown>>(store, `${DIR}/events/000001-promote.json`);
    overwrite(store, `${DIR}/events/000001-promote.json`, JSON.stringify({ ...event, kind: 'audit' }));
    await expect(listEvents(store, NAME)).rejects.toThrow(/holds a audit event #1, but its key says promote #1/);
  });

  it('reports bytes changed behind the store (sha256 mismatch)', async () => {
    const store = await twoVersions();
    const object = store.objects.get(`${DIR}/v1.json`)!;
    object.bytes = new TextEncoder().encode('{}');
    await expect(listVersions(store, NAME)).rejects.toThrow(/integrity check failed for .*v1\.json/);
  });

  it('reports a version file that names another version', async () => {
    const store = await twoVersions();
    overwrite(store, `${DIR}/v2.json`, new TextDecoder().decode(store.bytesAt(`${DIR}/v1.json`)));
    await expect(currentVersion(store, NAME)).rejects.toThrow(/v2\.json holds credit v1, not credit v2/);
  });
});

describe('two writers at once', () => {
  /** A store where another writer stores its own object under the first key matching `pattern` just before us. */
  function racedStore(pattern: RegExp, theirs: (key: string) => unknown) {
    const store = new MemoryStore();
    const put = store.put.bind(store);
    let raced = false;
    store.put = async (key, bytes, opts) => {
      if (!raced && pattern.test(key)) {
        raced = true;
        await put(key, jsonBytes(theirs(key)), opts);
      }
      return put(key, bytes, opts);
    };
    return { store, raced: () => raced };
  }

  it('an audit whose event seq another writer took first is recorded at the next seq; both events stay', async () => {
    const { store, raced } = racedStore(/events\/000003-audit\.json$/, () => ({
      seq: 3,
      at: at(2),
      kind: 'audit',
      version: 2,
      message: 'the other audit',
      audit: ref(`${DIR}/audits/other/audit.json`),
    }));
    await twoVersions(store);
    const audit = { ...failedAudit('audit-1', 2), status: 'pass' as const, reason: 'all constraints hold' };
    const recorded = await recordAudit(store, NAME, audit, at(2));
    expect(raced()).toBe(true);
    expect(recorded.event.seq).toBe(4);
    expect((await listEvents(store, NAME)).map((e) => [e.seq, e.kind, e.message.slice(0, 15)])).toEqual([
      [1, 'promote', 'promoted v1: ca'],
      [2, 'promote', 'promoted v2: ca'],
      [3, 'audit', 'the other audit'],
      [4, 'audit', 'audit audit-1 o'],
    ]);
  });

  it('a promotion whose version number another writer took first becomes the next version', async () => {
    const { store } = racedStore(/\/v3\.json$/, () => ({
      ...draft('theirs'),
      format: 'fairshrink.deployment',
      formatVersion: 1,
      version: 3,
      promotedAt: at(3),
    }));
    await twoVersions(store);
    const mine = await promote(store, draft('c'), at(3));
    expect(mine.version.version).toBe(4);
    expect((await currentVersion(store, NAME)).pointer.version).toBe(4);
  });

  it('events of different kinds that share a seq do not stop the deployment: both are kept, in key order', async () => {
    const store = await twoVersions();
    // A rollback and an audit written at once, both as #3 (their keys differ, so neither write conflicted).
    await rollback(store, failure('audit-1', 2, 3));
    const rollbackEvent = json<DeploymentEvent>(store, `${DIR}/events/000003-rollback.json`);
    await store.put(`${DIR}/events/000003-audit.json`, jsonBytes({ ...rollbackEvent, kind: 'audit', audit: ref('x') }));
    const events = await listEvents(store, NAME);
    expect(events.map((e) => [e.seq, e.kind])).toEqual([
      [1, 'promote'],
      [2, 'promote'],
      [3, 'audit'],
      [3, 'rollback'],
    ]);
    expect((await currentVersion(store, NAME)).pointer.version).toBe(1);
    const next = await recordAudit(store, NAME, { ...failedAudit('audit-2', 1), status: 'pass', reason: 'ok' }, at(4));
    expect(next.event.seq).toBe(4);
  });
});
