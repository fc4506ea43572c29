// The audit bundle's own formats: MANIFEST.json (sha256 and size of every file), checkpoints.json and
// checkpoints.sha256 (every checkpoint file with its s3 uri and sha256), the part of lineage.json a bundle reads,
// and the refs a workflow history records. Shared by the writer and the verifier.
import { createHash } from 'node:crypto';
import type { CampaignInput, CheckpointRef, GateStatus } from '../campaign/contracts.ts';
import { ArtifactRef } from '../storage/ref.ts';

export const BUNDLE_FORMAT = 'fairshrink.audit-bundle';

export interface BundleFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface AuditManifest {
  format: typeof BUNDLE_FORMAT;
  version: 1;
  campaignId: string;
  createdAt: string;
  files: BundleFile[];
}

export interface CheckpointFile {
  /** `export/<format>/<file>` and `export/sizes.json` for the shipped export's files. */
  role: 'modelJson' | 'weightsBin' | 'masks' | 'int8' | `export/${string}`;
  uri: string;
  sha256: string;
  bytes: number;
}

export interface CheckpointEntry {
  stepKey: string;
  sparsity: number;
  parameters: number;
  nonzeros: number;
  final: boolean;
  files: CheckpointFile[];
}

export interface CheckpointList {
  campaignId: string;
  checkpoints: CheckpointEntry[];
}

export interface GateRecord {
  stepKey: string;
  status: GateStatus;
  report: ArtifactRef;
  decision: ArtifactRef;
}

/** The parts of lineage.json (core/campaign/decisions.ts writeLineage) the bundle reads. */
export interface Lineage {
  campaignId: string;
  status: string;
  config: { sha256: string; seed: number };
  data: { datasetId?: string; rawSha256?: string; specSha256?: string; sources: { path: string; ref: ArtifactRef }[] };
  code: CampaignInput['code'];
  environment: Record<string, unknown>;
  checkpoints: CheckpointRef[];
  gates: GateRecord[];
  finalCheckpoint?: CheckpointRef;
}

export const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
export const jsonText = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export function checkpointEntry(c: CheckpointRef, final: boolean): CheckpointEntry {
  const files: CheckpointFile[] = [
    { role: 'modelJson', ...c.modelJson },
    { role: 'weightsBin', ...c.weightsBin },
  ];
  if (c.masks) files.push({ role: 'masks', ...c.masks });
  if (c.int8) files.push({ role: 'int8', ...c.int8 });
  // The shipped export (docs/export.md): its files and sizes.json are checked against S3 like checkpoint files.
  if (c.export) {
    for (const f of c.export.files) files.push({ role: `export/${c.export.format}/${f.name}`, ...f.ref });
    files.push({ role: 'export/sizes.json', ...c.export.sizes });
  }
  return { stepKey: c.stepKey, sparsity: c.sparsity, parameters: c.parameters, nonzeros: c.nonzeros, final, files };
}

/** `<sha256>  <stepKey>/<role>` lines: campaign-id free, so two runs of one config diff line by line. */
export function checkpointSumsText(list: CheckpointList): string {
  return list.checkpoints.flatMap((c) => c.files.map((f) => `${f.sha256}  ${c.stepKey}/${f.role}\n`)).join('');
}

/** Every ArtifactRef in the JSON payloads (inputs, results, heartbeats) of a history in Temporal JSON. */
export function refsInHistory(history: unknown): Map<string, ArtifactRef> {
  const refs = new Map<string, ArtifactRef>();
  const visitValue = (value: unknown) => {
    if (value === null || typeof value !== 'object') return;
    const ref = ArtifactRef.safeParse(value);
    if (ref.success) refs.set(ref.data.uri, ref.data);
    for (const child of Object.values(value as Record<string, unknown>)) visitValue(child);
  };
  const visitProto = (node: unknown) => {
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (typeof record.data === 'string' && record.metadata !== undefined) {
      try {
        visitValue(JSON.parse(Buffer.from(record.data, 'base64').toString('utf8')));
      } catch {
        // A binary or non-JSON payload: no refs in it.
      }
      return;
    }
    for (const child of Object.values(record)) visitProto(child);
  };
  visitProto(history);
  return refs;
}
