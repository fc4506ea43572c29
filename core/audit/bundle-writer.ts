// Writes a campaign's audit bundle: everything a third party needs to check the campaign without trusting us (the
// workflow history, lineage, decision log, rubric, config, every gate's report and decision, the checkpoint list
// with sha256s, the dashboard, VERIFY.md, SHA256SUMS and MANIFEST.json). Reads the artifacts from S3; what Temporal
// knows (status, result, history) comes in as a CampaignSnapshot. Every object the campaign references (its data set
// files, imported model, checkpoints, gate reports and decisions) is downloaded and hashed against its recorded
// sha256 on the way; each one that is changed or gone is a problem naming its key.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CampaignInput, CheckpointRef, DecisionEntry, GateStatus } from '../campaign/contracts.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { parseS3Uri, type ArtifactRef } from '../storage/ref.ts';
import { verifyGuide } from './guide.ts';
import {
  BUNDLE_FORMAT,
  checkpointEntry,
  checkpointSumsText,
  jsonText,
  sha256,
  type AuditManifest,
  type BundleFile,
  type CheckpointList,
  type GateRecord,
  type Lineage,
} from './manifest.ts';

/** Checkpoints of a campaign without lineage (it failed before writing one): the refs in its decision log. */
function checkpointsFromDecisions(entries: DecisionEntry[]): CheckpointRef[] {
  const byStep = new Map<string, CheckpointRef>();
  for (const e of entries)
    if (e.checkpoint && !byStep.has(e.checkpoint.stepKey)) byStep.set(e.checkpoint.stepKey, e.checkpoint);
  return [...byStep.values()];
}

/** Gate records without lineage: every `<step>/gate/gate.json` under the campaign, with the report it names. */
async function gatesFromStore(store: AuditStore, prefix: string): Promise<GateRecord[]> {
  const records: GateRecord[] = [];
  for (const { key } of await store.list(`${prefix}/`)) {
    if (!key.endsWith('/gate/gate.json')) continue;
    const { bytes, ref } = await store.getByKey(key);
    const file = JSON.parse(new TextDecoder().decode(bytes)) as {
      report: ArtifactRef;
      decision: { status: GateStatus };
    };
    const stepKey = key.slice(prefix.length + 1, -'/gate/gate.json'.length);
    records.push({ stepKey, status: file.decision.status, report: file.report, decision: ref });
  }
  return records;
}

/** What the writer reads S3 through: core/storage's ArtifactStore, or an in-memory store in tests. */
export type AuditStore = Pick<BlobStore, 'bucket' | 'uriOf' | 'get' | 'getByKey' | 'head' | 'list'>;

async function optionalObject(store: AuditStore, key: string): Promise<Uint8Array | undefined> {
  if ((await store.head(key)) === undefined) return undefined;
  return (await store.getByKey(key)).bytes;
}

/** One line for an object that failed its check: what happened, its key, what it is, and the store's reason. */
function objectProblem(err: unknown, ref: ArtifactRef, label: string): string {
  const key = parseS3Uri(ref.uri).key;
  const name = (err as Error).name;
  const what =
    name === 'ArtifactIntegrityError'
      ? 'does not match its recorded sha256'
      : name === 'ArtifactNotFoundError'
        ? 'is missing'
        : 'cannot be read';
  return `${key} (${label}) ${what}: ${(err as Error).message.split('\n')[0]}`;
}

export interface AuditSummary {
  campaignId: string;
  dir: string;
  status: string;
  files: BundleFile[];
  warnings: string[];
  /** Objects the campaign references that are changed or gone in S3, each naming its key; empty when all match. */
  problems: string[];
  /** How many referenced objects were downloaded and matched their recorded sha256. */
  verifiedObjects: number;
}

/**
 * What the caller read from Temporal about the campaign (the writer itself reads only S3): its input, how it ended,
 * its history file and its decision log.
 */
export interface CampaignSnapshot {
  campaignId: string;
  input: CampaignInput;
  /** The campaign's folder in the bucket: `<storage prefix>/<campaignId>`. */
  prefix: string;
  /** The workflow's status as Temporal names it: RUNNING, COMPLETED, FAILED, TERMINATED, ... */
  status: string;
  /** The workflow's result, when it completed (written to result.json as is). */
  result: CompletedCampaign | null;
  /** Why it closed without a result, when it did. */
  failure: string | null;
  /** history.json: every run's history, as `fairshrink history` writes it. */
  historyText: string;
  /** The workflow runs in history.json, oldest first. */
  runIds: string[];
  decisions: { entries: DecisionEntry[]; text: string };
}

/** The parts of a campaign's result (workflows/campaign.ts CampaignResult) the bundle reads. */
export interface CompletedCampaign {
  reason: string;
  final: { checkpoint: { stepKey: string } };
}

/** Writes the bundle into `dir` (new or empty); returns its files (with sha256) and what could not be included. */
export async function writeAuditBundle(
  snapshot: CampaignSnapshot,
  store: AuditStore,
  dir: string,
): Promise<AuditSummary> {
  const { campaignId, input, prefix, status, result, failure, decisions } = snapshot;
  const warnings: string[] = [];
  const problems: string[] = [];
  let verifiedObjects = 0;
  /** The object's bytes when they match the ref; otherwise undefined, with the problem recorded. */
  const seen = new Set<string>();
  const verified = async (ref: ArtifactRef, label: string): Promise<Uint8Array | undefined> => {
    if (!seen.has(ref.uri)) seen.add(ref.uri);
    else if (!label.startsWith('gate ')) return undefined; // checked once; only gate files are needed as bytes
    try {
      const bytes = await store.get(ref);
      verifiedObjects += 1;
      return bytes;
    } catch (err) {
      problems.push(objectProblem(err, ref, label));
      return undefined;
    }
  };
  const written: BundleFile[] = [];
  const put = async (relative: string, content: Uint8Array | string) => {
    const file = path.join(dir, ...relative.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    const bytes = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
    written.push({ path: relative, sha256: sha256(content), bytes });
  };

  if (status === 'RUNNING') warnings.push('the campaign is still running: this bundle is a snapshot of it so far');
  await put('history.json', snapshot.historyText);

  const lineageBytes = await optionalObject(store, `${prefix}/lineage.json`);
  let lineage: Lineage | undefined;
  if (lineageBytes) {
    await put('lineage.json', lineageBytes);
    lineage = JSON.parse(new TextDecoder().decode(lineageBytes)) as Lineage;
  } else {
    warnings.push(
      `no lineage.json in S3 (${store.uriOf(`${prefix}/lineage.json`)}): checkpoints come from the decision log`,
    );
  }
  await put('decisions.jsonl', decisions.text);
  await put('rubric.json', jsonText(input.rubric));
  await put('config.json', jsonText(input.config));
  await put('result.json', jsonText({ campaignId, status: status.toLowerCase(), result, failure }));

  const gates = lineage ? lineage.gates : await gatesFromStore(store, prefix);
  for (const g of gates) {
    const report = await verified(g.report, `gate report ${g.stepKey}`);
    if (report) await put(`reports/${g.stepKey}/report.json`, report);
    const decision = await verified(g.decision, `gate decision ${g.stepKey}`);
    if (decision) await put(`reports/${g.stepKey}/gate.json`, decision);
  }

  const finalKey = lineage?.finalCheckpoint?.stepKey ?? result?.final.checkpoint.stepKey;
  const checkpoints: CheckpointList = {
    campaignId,
    checkpoints: (lineage ? lineage.checkpoints : checkpointsFromDecisions(decisions.entries)).map((cp) =>
      checkpointEntry(cp, cp.stepKey === finalKey),
    ),
  };
  await put('checkpoints.json', jsonText(checkpoints));
  await put('checkpoints.sha256', checkpointSumsText(checkpoints));
  await verified(input.datasetSpec, 'data set spec');
  for (const source of input.datasetSources) await verified(source.ref, `data set source ${source.path}`);
  if (input.importedModel) {
    await verified(input.importedModel.modelJson, 'imported model.json');
    for (const w of input.importedModel.weights) await verified(w.ref, `imported model weights ${w.path}`);
  }
  for (const cp of checkpoints.checkpoints)
    for (const file of cp.files)
      await verified(
        { uri: file.uri, sha256: file.sha256, bytes: file.bytes },
        `checkpoint ${cp.stepKey} ${file.role}`,
      );

  const dashboard = await optionalObject(store, `${prefix}/report.html`);
  if (dashboard) await put('report.html', dashboard);
  else warnings.push(`no dashboard in S3 (${store.uriOf(`${prefix}/report.html`)})`);

  await put(
    'VERIFY.md',
    verifyGuide({
      campaignId,
      status: status.toLowerCase(),
      reason: result?.reason ?? failure ?? 'still running',
      input,
      lineage,
      gates,
      checkpoints,
      decisions: decisions.entries,
      runIds: snapshot.runIds,
      files: [...written.map((f) => f.path), 'VERIFY.md', 'SHA256SUMS', 'MANIFEST.json'],
      bucket: store.bucket,
      prefix,
    }),
  );
  await put('SHA256SUMS', written.map((f) => `${f.sha256}  ${f.path}\n`).join(''));
  const manifest: AuditManifest = {
    format: BUNDLE_FORMAT,
    version: 1,
    campaignId,
    createdAt: new Date().toISOString(),
    files: [...written],
  };
  await writeFile(path.join(dir, 'MANIFEST.json'), jsonText(manifest));
  return { campaignId, dir, status: status.toLowerCase(), files: manifest.files, warnings, problems, verifiedObjects };
}
