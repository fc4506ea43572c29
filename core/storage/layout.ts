// Where campaign steps keep their artifacts, and how they read them back: the storage layout, step keys, and ref
// verification for idempotent retries. Deployments read a campaign's results through the same layout.
import { CampaignInputError } from '../step/context.ts';
import type { BlobStore } from './blob-store.ts';
import { parseJsonBytes } from './json.ts';
import { parseS3Uri, type ArtifactRef } from './ref.ts';

const SEGMENT = /^[a-z0-9-]+$/;

/** Checks a step key ("baseline", "milestone-2/attempt-1/prune"): segments of [a-z0-9-] joined by "/". */
export function validateStepKey(stepKey: string): string {
  const segments = stepKey.split('/');
  const bad = segments.find((s) => !SEGMENT.test(s));
  if (stepKey.length === 0 || bad !== undefined) {
    throw new CampaignInputError(
      `invalid step key "${stepKey}": use segments of lower-case letters, digits and "-" joined by "/" (e.g. "milestone-2/attempt-1/prune")`,
    );
  }
  return stepKey;
}

function validatePrefixAndId(prefix: string, campaignId: string): void {
  if (!/^[a-z0-9][a-z0-9/_-]*[a-z0-9]$|^[a-z0-9]$/.test(prefix) || prefix.includes('//'))
    throw new CampaignInputError(`invalid storage prefix "${prefix}": lower-case letters, digits, "/", "_" and "-"`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(campaignId))
    throw new CampaignInputError(`invalid campaign id "${campaignId}": letters, digits, ".", "_" and "-" only`);
}

/** `<prefix>/<campaignId>` */
export function campaignDir(prefix: string, campaignId: string): string {
  validatePrefixAndId(prefix, campaignId);
  return `${prefix}/${campaignId}`;
}

/** `<prefix>/<campaignId>/<stepKey>` */
export function stepDir(step: { prefix: string; campaignId: string; stepKey: string }): string {
  return `${campaignDir(step.prefix, step.campaignId)}/${validateStepKey(step.stepKey)}`;
}

/** Content-addressed data set folder, shared across campaigns. */
export function datasetDir(datasetId: string): string {
  if (!/^[0-9a-f]{64}$/.test(datasetId)) throw new CampaignInputError(`invalid data set id "${datasetId}"`);
  return `datasets/${datasetId}`;
}

/** The object key of a ref in `store`'s bucket. */
export function keyOf(store: BlobStore, ref: ArtifactRef): string {
  const { bucket, key } = parseS3Uri(ref.uri);
  if (bucket !== store.bucket)
    throw new CampaignInputError(`${ref.uri} is in bucket "${bucket}", but the store uses "${store.bucket}"`);
  return key;
}

/** The folder of a ref's object (everything before the last "/"). */
export function dirOfRef(store: BlobStore, ref: ArtifactRef): string {
  const key = keyOf(store, ref);
  return key.slice(0, key.lastIndexOf('/'));
}

/**
 * Whether the object a ref names exists and its bytes hash to the ref's sha256. A download, not a HEAD: the sha256 a
 * HEAD shows is the label written with the object, and bit rot or a torn write changes the bytes under an intact
 * label (the fault suite's corrupted intermediates passed the HEAD check and failed the next step's read). Only
 * retries reach here (completedResult), so the cost is paid when something went wrong.
 */
export async function refVerifies(store: BlobStore, ref: ArtifactRef): Promise<boolean> {
  try {
    keyOf(store, ref);
    await store.get(ref);
    return true;
  } catch {
    return false;
  }
}

/** Every ArtifactRef-shaped object nested anywhere in a value. */
export function refsIn(value: unknown, out: ArtifactRef[] = []): ArtifactRef[] {
  if (value === null || typeof value !== 'object') return out;
  if (Array.isArray(value)) {
    for (const v of value) refsIn(v, out);
    return out;
  }
  const o = value as Record<string, unknown>;
  if (typeof o.uri === 'string' && typeof o.sha256 === 'string' && typeof o.bytes === 'number') {
    out.push(o as unknown as ArtifactRef);
    return out;
  }
  for (const v of Object.values(o)) refsIn(v, out);
  return out;
}

/**
 * A step's earlier output, when `<dir>/<file>` exists and every ref inside it still verifies; otherwise undefined
 * (the step then recomputes; its deterministic writes reproduce the same bytes).
 */
export async function completedResult<T>(store: BlobStore, key: string): Promise<T | undefined> {
  if ((await store.head(key)) === undefined) return undefined;
  const { bytes } = await store.getByKey(key);
  const result = parseJsonBytes<T>(bytes, key);
  for (const ref of refsIn(result)) if (!(await refVerifies(store, ref))) return undefined;
  return result;
}
