// The deployment registry: which promoted model serves under a name, every version it ever served, and why it
// changed. Layout under `deployments/<name>/`:
//   v<N>.json                         immutable DeploymentVersion, N = 1, 2, 3, …
//   events/<seq, 6 digits>-<kind>.json immutable DeploymentEvent (promote | audit | rollback), seq = 1, 2, 3, …
//   incidents/<seq, 6 digits>.json     immutable DeploymentIncident: a failed audit and what was done about it
//   current.json                      mutable DeploymentPointer: the only object ever overwritten
// Nothing is deleted. The events are the record: a promote or rollback event is written before current.json, and
// the pointer is a function of that event alone, so an interrupted write is finished by the next promote or
// rollback (settlePointer) and a retried rollback writes the same bytes again.
import type { z } from 'zod';
import { canonicalJson } from '../data/hash.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { parseJsonBytes, putJson } from '../storage/json.ts';
import {
  AuditResultSchema,
  DeploymentDraftSchema,
  DeploymentError,
  DeploymentEventSchema,
  DeploymentIncidentSchema,
  DeploymentPointerSchema,
  DeploymentVersionSchema,
  IsoTime,
  RollbackInputSchema,
  describeIssues,
  validateDeploymentName,
  type DeploymentIncident,
} from '../config/deployment.ts';
import {
  DEPLOYMENTS_PREFIX,
  type ArtifactRef,
  type DeploymentEvent,
  type DeploymentPointer,
  type DeploymentVersion,
  type GateStatus,
  type RollbackInput,
  type RollbackOutput,
} from './contracts.ts';

export { DeploymentError, validateDeploymentName, type DeploymentIncident };

/** The registry's storage: a BlobStore that can list keys (core/storage's ArtifactStore is one). */
export type RegistryStore = BlobStore & { list(prefix: string): Promise<{ key: string; bytes: number }[]> };

/** What a promotion supplies (deploymentFromCampaign builds it); promote adds format, version and promotedAt. */
export type DeploymentDraft = Omit<DeploymentVersion, 'format' | 'formatVersion' | 'version' | 'promotedAt'>;

type EventKind = DeploymentEvent['kind'];

/** `deployments/<name>` */
export function deploymentDir(name: string): string {
  return `${DEPLOYMENTS_PREFIX}/${validateDeploymentName(name)}`;
}

const pad = (seq: number): string => String(seq).padStart(6, '0');
const versionKey = (name: string, version: number) => `${deploymentDir(name)}/v${version}.json`;
const currentKey = (name: string) => `${deploymentDir(name)}/current.json`;
const eventKey = (name: string, seq: number, kind: EventKind) =>
  `${deploymentDir(name)}/events/${pad(seq)}-${kind}.json`;
const incidentKey = (name: string, seq: number) => `${deploymentDir(name)}/incidents/${pad(seq)}.json`;

const promoteHint = (name: string) => `fairshrink promote <campaign-id> --name ${name}`;

// ---- reading ---------------------------------------------------------------------------------

/** What `deployments/<name>/` holds, from one listing (other keys, such as batches/ and audits/, are ignored). */
interface Layout {
  name: string;
  /** Version numbers with a v<N>.json, ascending. */
  versions: number[];
  /** Events by key, ascending seq. */
  events: { seq: number; kind: EventKind; key: string }[];
  /** Incidents by key, ascending seq. */
  incidents: { seq: number; key: string }[];
}

async function layoutOf(store: RegistryStore, name: string): Promise<Layout> {
  const dir = `${deploymentDir(name)}/`;
  const layout: Layout = { name, versions: [], events: [], incidents: [] };
  for (const { key } of await store.list(dir)) {
    const rest = key.slice(dir.length);
    const version = /^v([1-9]\d*)\.json$/.exec(rest);
    const event = /^events\/(\d{6,})-(promote|audit|rollback)\.json$/.exec(rest);
    const incident = /^incidents\/(\d{6,})\.json$/.exec(rest);
    if (version) layout.versions.push(Number(version[1]));
    else if (event) layout.events.push({ seq: Number(event[1]), kind: event[2] as EventKind, key });
    else if (incident) layout.incidents.push({ seq: Number(incident[1]), key });
  }
  layout.versions.sort((a, b) => a - b);
  // Two writers at once can give events of different kinds the same seq (their keys differ, so neither write
  // conflicts). Both are kept, in key order; the next event takes the seq after them.
  layout.events.sort((a, b) => a.seq - b.seq || (a.key < b.key ? -1 : 1));
  layout.incidents.sort((a, b) => a.seq - b.seq);
  return layout;
}

/**
 * Runs a registry change again (from a fresh listing) when one of its immutable writes finds the key taken:
 * another writer (a concurrent audit, a promotion) got the same version or seq number first. The store's
 * conditional writes make that a conflict instead of a lost object.
 */
async function retryingConflicts<T>(change: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await change();
    } catch (err) {
      if ((err as Error).name !== 'ArtifactConflictError' || attempt >= 5) throw err;
    }
  }
}

const nextEventSeq = (layout: Layout): number => (layout.events.at(-1)?.seq ?? 0) + 1;
const nextIncidentSeq = (layout: Layout): number => (layout.incidents.at(-1)?.seq ?? 0) + 1;

/** Reads a record by key (the store verifies its stored sha256) and parses it with `schema`. */
async function readRecord<S extends z.ZodType>(
  store: BlobStore,
  key: string,
  schema: S,
  what: string,
): Promise<{ value: z.output<S>; ref: ArtifactRef }> {
  const { bytes, ref } = await store.getByKey(key);
  const fix =
    'deployment records are written once and never edited; restore the object from bucket versioning or a backup';
  let data: unknown;
  try {
    data = parseJsonBytes<unknown>(bytes, ref.uri);
  } catch (err) {
    throw new DeploymentError(`${(err as Error).message}. Fix: ${fix}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success)
    throw new DeploymentError(`${ref.uri} is not a valid ${what}: ${describeIssues(parsed.error)}. Fix: ${fix}`);
  return { value: parsed.data, ref };
}

async function readVersion(
  store: BlobStore,
  name: string,
  version: number,
): Promise<{ version: DeploymentVersion; ref: ArtifactRef }> {
  const key = versionKey(name, version);
  if ((await store.head(key)) === undefined)
    throw new DeploymentError(`${store.uriOf(key)} does not exist: deployment ${name} has no version ${version}`);
  const { value, ref } = await readRecord(store, key, DeploymentVersionSchema, 'deployment version');
  if (value.name !== name || value.version !== version)
    throw new DeploymentError(
      `${ref.uri} holds ${value.name} v${value.version}, not ${name} v${version}: the object was copied or renamed. ` +
        'Fix: restore the original object',
    );
  return { version: value, ref };
}

async function readPointer(store: BlobStore, name: string): Promise<DeploymentPointer | undefined> {
  const key = currentKey(name);
  if ((await store.head(key)) === undefined) return undefined;
  const { value, ref } = await readRecord(store, key, DeploymentPointerSchema, 'deployment pointer');
  if (value.name !== name)
    throw new DeploymentError(`${ref.uri} points to deployment ${value.name}, not ${name}. Fix: restore the object`);
  return value;
}

async function readEvent(
  store: BlobStore,
  entry: Layout['events'][number],
): Promise<{ event: DeploymentEvent; ref: ArtifactRef }> {
  const { value, ref } = await readRecord(store, entry.key, DeploymentEventSchema, 'deployment event');
  if (value.seq !== entry.seq || value.kind !== entry.kind)
    throw new DeploymentError(
      `${ref.uri} holds a ${value.kind} event #${value.seq}, but its key says ${entry.kind} #${entry.seq}. Fix: restore the object`,
    );
  return { event: value, ref };
}

async function readIncidents(
  store: BlobStore,
  layout: Layout,
): Promise<{ incident: DeploymentIncident; ref: ArtifactRef }[]> {
  return Promise.all(
    layout.incidents.map(async (entry) => {
      const { value, ref } = await readRecord(store, entry.key, DeploymentIncidentSchema, 'deployment incident');
      if (value.seq !== entry.seq || value.deployment !== layout.name)
        throw new DeploymentError(
          `${ref.uri} holds incident #${value.seq} of ${value.deployment}, not #${entry.seq} of ${layout.name}. Fix: restore the object`,
        );
      return { incident: value, ref };
    }),
  );
}

/** Version → seq of its promote event: the versions that ever served (a v<N>.json without one never did). */
async function promotedVersions(store: BlobStore, layout: Layout): Promise<Map<number, number>> {
  const promotes = layout.events.filter((e) => e.kind === 'promote');
  const read = await Promise.all(promotes.map((entry) => readEvent(store, entry)));
  return new Map(read.map(({ event }) => [event.version, event.seq]));
}

/** The pointer a promote or rollback event sets: a function of the event alone, so retries rewrite equal bytes. */
function pointerFor(name: string, event: DeploymentEvent): DeploymentPointer {
  return { name, version: event.version, since: event.at, reason: event.message, event: event.seq };
}

/**
 * current.json as the newest promote or rollback event says it must be, rewriting it when an earlier write stopped
 * between the event and the pointer.
 */
async function settlePointer(store: BlobStore, layout: Layout): Promise<DeploymentPointer | undefined> {
  const pointer = await readPointer(store, layout.name);
  const last = layout.events.filter((e) => e.kind !== 'audit').at(-1);
  if (last === undefined || pointer?.event === last.seq) return pointer;
  if (pointer !== undefined && pointer.event > last.seq)
    throw new DeploymentError(
      `${store.uriOf(currentKey(layout.name))} was set by event #${pointer.event}, but the newest promote or rollback ` +
        `event is #${last.seq}: events were removed. Fix: restore the events folder from bucket versioning or a backup`,
    );
  const { event } = await readEvent(store, last);
  const settled = pointerFor(layout.name, event);
  await putJson(store, currentKey(layout.name), settled, 'mutable');
  return settled;
}

function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string, fix: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new DeploymentError(`${what}: ${describeIssues(parsed.error)}. Fix: ${fix}`);
  return parsed.data;
}

function checkTime(at: string): string {
  return parseInput(IsoTime, at, `at "${at}" is not an ISO date-time`, 'pass e.g. new Date().toISOString()');
}

// ---- queries ---------------------------------------------------------------------------------

/** The serving version of a deployment, with the ref of its v<N>.json. */
export async function currentVersion(
  store: BlobStore,
  name: string,
): Promise<{ pointer: DeploymentPointer; version: DeploymentVersion; ref: ArtifactRef }> {
  validateDeploymentName(name);
  const pointer = await readPointer(store, name);
  if (pointer === undefined)
    throw new DeploymentError(`no deployment ${name}: promote a campaign first (${promoteHint(name)})`);
  return { pointer, ...(await readVersion(store, name, pointer.version)) };
}

/** Every version ever written, ascending (including one whose promotion was interrupted before its event). */
export async function listVersions(store: RegistryStore, name: string): Promise<DeploymentVersion[]> {
  const layout = await layoutOf(store, name);
  const read = await Promise.all(layout.versions.map((v) => readVersion(store, name, v)));
  return read.map((r) => r.version);
}

/** The audit trail, in seq order. */
export async function listEvents(store: RegistryStore, name: string): Promise<DeploymentEvent[]> {
  const layout = await layoutOf(store, name);
  const read = await Promise.all(layout.events.map((entry) => readEvent(store, entry)));
  return read.map((r) => r.event);
}

/** Every incident, in seq order. */
export async function listIncidents(store: RegistryStore, name: string): Promise<DeploymentIncident[]> {
  const read = await readIncidents(store, await layoutOf(store, name));
  return read.map((r) => r.incident);
}

/** Names of the deployments that have been promoted at least once (a version or a pointer exists), sorted. */
export async function listDeployments(store: RegistryStore): Promise<string[]> {
  const names = new Set<string>();
  for (const { key } of await store.list(`${DEPLOYMENTS_PREFIX}/`)) {
    const match = /^[^/]+\/([^/]+)\/(?:v[1-9]\d*|current)\.json$/.exec(key);
    if (match) names.add(match[1]!);
  }
  return [...names].sort();
}

// ---- changes ---------------------------------------------------------------------------------

/** Same model under the same rubric: promoting it again changes nothing. */
function sameModel(a: Pick<DeploymentVersion, 'checkpoint' | 'rubric'>, b: typeof a): boolean {
  return (
    a.checkpoint.weightsBin.sha256 === b.checkpoint.weightsBin.sha256 &&
    canonicalJson(a.rubric) === canonicalJson(b.rubric)
  );
}

/**
 * Makes `draft` the serving version: writes v<N>.json (N = 1 + the highest version), a 'promote' event, then
 * current.json. Promoting the model that already serves (same weights, same rubric) writes nothing and says
 * `alreadyCurrent`; a promotion of the same model interrupted after v<N>.json is finished rather than repeated.
 */
export async function promote(
  store: RegistryStore,
  draft: DeploymentDraft,
  at: string,
): Promise<{ version: DeploymentVersion; ref: ArtifactRef; pointer: DeploymentPointer; alreadyCurrent: boolean }> {
  validateDeploymentName(draft.name);
  const proposed = parseInput(
    DeploymentDraftSchema,
    draft,
    `cannot promote to ${draft.name}`,
    'build the record with deploymentFromCampaign',
  );
  checkTime(at);
  return retryingConflicts(() => promoteOnce(store, proposed, at));
}

async function promoteOnce(
  store: RegistryStore,
  proposed: DeploymentDraft,
  at: string,
): Promise<{ version: DeploymentVersion; ref: ArtifactRef; pointer: DeploymentPointer; alreadyCurrent: boolean }> {
  const { name } = proposed;
  const layout = await layoutOf(store, name);
  const pointer = await settlePointer(store, layout);
  if (pointer !== undefined) {
    const current = await readVersion(store, name, pointer.version);
    if (sameModel(current.version, proposed)) return { ...current, pointer, alreadyCurrent: true };
  }

  const highest = layout.versions.at(-1) ?? 0;
  let stored: { version: DeploymentVersion; ref: ArtifactRef } | undefined;
  if (highest > 0 && !(await promotedVersions(store, layout)).has(highest)) {
    const orphan = await readVersion(store, name, highest);
    if (sameModel(orphan.version, proposed)) stored = orphan;
  }
  if (stored === undefined) {
    const version: DeploymentVersion = DeploymentVersionSchema.parse({
      ...proposed,
      format: 'fairshrink.deployment',
      formatVersion: 1,
      version: highest + 1,
      promotedAt: at,
    });
    stored = { version, ref: await putJson(store, versionKey(name, version.version), version) };
  }

  const v = stored.version;
  const event: DeploymentEvent = {
    seq: nextEventSeq(layout),
    at,
    kind: 'promote',
    version: v.version,
    message:
      `promoted v${v.version}: campaign ${v.source.campaignId} ${v.checkpoint.stepKey} ` +
      `(${(v.checkpoint.sparsity * 100).toFixed(1)}% sparse${v.checkpoint.int8 ? ', int8' : ''}) by ${v.promotedBy}` +
      (v.note === '' ? '' : ` — ${v.note}`),
  };
  await putJson(store, eventKey(name, event.seq, 'promote'), event);
  const next = pointerFor(name, event);
  await putJson(store, currentKey(name), next, 'mutable');
  return { ...stored, pointer: next, alreadyCurrent: false };
}

/**
 * Logs a finished audit as an 'audit' event (current.json does not change). A retry with the same audit record
 * finds the event it wrote: events are scanned newest first down to the first audit older than `at` (a retry
 * carries the same workflow time).
 */
export async function recordAudit(
  store: RegistryStore,
  name: string,
  audit: { auditId: string; version: number; status: GateStatus; reason: string; record: ArtifactRef },
  at: string,
): Promise<{ event: DeploymentEvent; ref: ArtifactRef; alreadyRecorded: boolean }> {
  validateDeploymentName(name);
  const result = parseInput(AuditResultSchema, audit, `cannot record audit of ${name}`, 'pass the audit output');
  checkTime(at);
  return retryingConflicts(() => recordAuditOnce(store, name, result, at));
}

async function recordAuditOnce(
  store: RegistryStore,
  name: string,
  result: z.output<typeof AuditResultSchema>,
  at: string,
): Promise<{ event: DeploymentEvent; ref: ArtifactRef; alreadyRecorded: boolean }> {
  const layout = await layoutOf(store, name);
  const pointer = await settlePointer(store, layout);
  if (pointer === undefined)
    throw new DeploymentError(`no deployment ${name}: promote a campaign first (${promoteHint(name)})`);

  const since = Date.parse(at);
  for (const entry of layout.events.filter((e) => e.kind === 'audit').reverse()) {
    const { event, ref } = await readEvent(store, entry);
    if (event.audit?.uri === result.record.uri && event.audit.sha256 === result.record.sha256)
      return { event, ref, alreadyRecorded: true };
    if (Date.parse(event.at) < since) break;
  }

  const stale = result.version === pointer.version ? '' : ` (v${pointer.version} serves now)`;
  const event: DeploymentEvent = {
    seq: nextEventSeq(layout),
    at,
    kind: 'audit',
    version: pointer.version,
    message: `audit ${result.auditId} of v${result.version}: ${result.status} — ${result.reason}${stale}`,
    audit: result.record,
  };
  const ref = await putJson(store, eventKey(name, event.seq, 'audit'), event);
  return { event, ref, alreadyRecorded: false };
}

function rollbackEvent(incident: DeploymentIncident, incidentRef: ArtifactRef): DeploymentEvent {
  return {
    seq: incident.event!,
    at: incident.at,
    kind: 'rollback',
    version: incident.toVersion!,
    fromVersion: incident.fromVersion!,
    message: `rolled back v${incident.fromVersion} → v${incident.toVersion}: audit ${incident.audit.auditId} failed (${incident.audit.reason})`,
    audit: incident.audit.record,
    incident: incidentRef,
  };
}

/** Writes what follows an incident (its rollback event, then current.json) and returns the rollback's outcome. */
async function answerIncident(
  store: BlobStore,
  layout: Layout,
  { incident, ref }: { incident: DeploymentIncident; ref: ArtifactRef },
): Promise<RollbackOutput> {
  if (!incident.rolledBack)
    return { rolledBack: false, version: incident.version, incident: ref, reason: incident.message };
  const event = rollbackEvent(incident, ref);
  const taken = layout.events.find((e) => e.seq === event.seq);
  if (taken !== undefined && taken.kind !== 'rollback')
    throw new DeploymentError(
      `incident #${incident.seq} of ${layout.name} stopped before its rollback event #${event.seq}, and a ${taken.kind} ` +
        `event has that seq now: v${incident.fromVersion} may still serve. Fix: check the audit and roll back by hand`,
    );
  const key = eventKey(layout.name, event.seq, 'rollback');
  await putJson(store, key, event);
  if (taken === undefined) {
    layout.events.push({ seq: event.seq, kind: 'rollback', key });
    layout.events.sort((a, b) => a.seq - b.seq);
  }
  await settlePointer(store, layout);
  return {
    rolledBack: true,
    fromVersion: incident.fromVersion!,
    toVersion: incident.toVersion!,
    incident: ref,
    pointer: pointerFor(layout.name, event),
  };
}

/**
 * Answers a failed audit. Rolls back to the known-good version — the highest version below the serving one that
 * was promoted and has never been rolled back away from — writing the incident, a 'rollback' event, then
 * current.json. With action 'alert', without such a version, or when the audit judged a version that no longer
 * serves, it records the incident only and current.json stays. Idempotent per audit id: a second call returns the first outcome.
 */
export async function rollback(store: RegistryStore, input: RollbackInput): Promise<RollbackOutput> {
  const request = parseInput(RollbackInputSchema, input, 'cannot roll back', 'pass the failed audit and the time');
  return retryingConflicts(() => rollbackOnce(store, request));
}

async function rollbackOnce(
  store: RegistryStore,
  request: z.output<typeof RollbackInputSchema>,
): Promise<RollbackOutput> {
  const name = request.deployment;
  const layout = await layoutOf(store, name);
  const incidents = await readIncidents(store, layout);
  const earlier = incidents.find((i) => i.incident.audit.auditId === request.audit.auditId);
  if (earlier !== undefined) return answerIncident(store, layout, earlier);

  const pointer = await settlePointer(store, layout);
  if (pointer === undefined)
    throw new DeploymentError(`no deployment ${name}: promote a campaign first (${promoteHint(name)})`);
  const serving = pointer.version;
  const { auditId, reason, version: audited } = request.audit;
  const base = {
    format: 'fairshrink.deployment-incident' as const,
    formatVersion: 1 as const,
    seq: nextIncidentSeq(layout),
    at: request.at,
    deployment: name,
    version: serving,
    action: request.action,
    audit: request.audit,
  };

  let incident: DeploymentIncident;
  if (audited !== serving) {
    incident = {
      ...base,
      rolledBack: false,
      message: `audit ${auditId} failed v${audited} (${reason}), but v${serving} serves now (${pointer.reason}); nothing rolled back`,
    };
  } else if (request.action === 'alert') {
    incident = {
      ...base,
      rolledBack: false,
      message: `audit ${auditId} failed v${serving} (${reason}); the policy is "alert", so v${serving} keeps serving`,
    };
  } else {
    const bad = new Set(incidents.filter((i) => i.incident.rolledBack).map((i) => i.incident.fromVersion!));
    const candidates = [...(await promotedVersions(store, layout)).keys()].filter((v) => v < serving && !bad.has(v));
    const target = candidates.length === 0 ? undefined : Math.max(...candidates);
    if (target === undefined) {
      const skipped = [...bad].filter((v) => v < serving).sort((a, b) => a - b);
      incident = {
        ...base,
        rolledBack: false,
        message:
          `audit ${auditId} failed v${serving} (${reason}); no known-good version below v${serving} to roll back to` +
          (skipped.length === 0 ? '' : ` (${skipped.map((v) => `v${v}`).join(', ')} were rolled back away from)`) +
          `, so v${serving} keeps serving. Fix: promote a model that passes (${promoteHint(name)})`,
      };
    } else {
      await readVersion(store, name, target); // Point only at a version that still reads back intact.
      incident = {
        ...base,
        rolledBack: true,
        fromVersion: serving,
        toVersion: target,
        event: nextEventSeq(layout),
        message: `audit ${auditId} failed v${serving} (${reason}); rolled back to v${target}, the newest earlier version never rolled back away from`,
      };
    }
  }
  const ref = await putJson(store, incidentKey(name, incident.seq), DeploymentIncidentSchema.parse(incident));
  return answerIncident(store, layout, { incident, ref });
}
