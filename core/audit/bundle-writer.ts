// Writes a campaign's audit bundle: everything a third party needs to check the campaign without trusting us (the
// workflow history, lineage, decision log, rubric, config, every gate's report and decision, the checkpoint list
// with sha256s, the dashboard, VERIFY.md, SHA256SUMS and MANIFEST.json). Reads the artifacts from S3; what Temporal
// knows (status, result, history) comes in as a CampaignSnapshot.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CampaignInput, CheckpointRef, DecisionEntry, GateStatus } from '../campaign/contracts.ts';
import { ArtifactNotFoundError, type ArtifactStore } from '../storage/artifact-store.ts';
import type { ArtifactRef } from '../storage/ref.ts';
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
async function gatesFromStore(store: ArtifactStore, prefix: string): Promise<GateRecord[]> {
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

async function optionalObject(store: ArtifactStore, key: string): Promise<Uint8Array | undefined> {
  try {
    return (await store.getByKey(key)).bytes;
  } catch (err) {
    if (err instanceof ArtifactNotFoundError) return undefined;
    throw err;
  }
}

export interface AuditSummary {
  campaignId: string;
  dir: string;
  status: string;
  files: BundleFile[];
  warnings: string[];
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
  store: ArtifactStore,
  dir: string,
): Promise<AuditSummary> {
  const { campaignId, input, prefix, status, result, failure, decisions } = snapshot;
  const warnings: string[] = [];
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
    await put(`reports/${g.stepKey}/report.json`, await store.get(g.report));
    await put(`reports/${g.stepKey}/gate.json`, await store.get(g.decision));
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
  return { campaignId, dir, status: status.toLowerCase(), files: manifest.files, warnings };
}
