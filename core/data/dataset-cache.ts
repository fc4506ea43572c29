// The encoded data set as campaign steps and deployment audits use it: decoded once per worker process (LRU by sha256
// of encoded.bin), and viewed as per-attribute group labels.
import { CampaignInputError } from '../step/context.ts';
import { getCached, LruCache } from '../storage/blob-cache.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { groupLabels, type EncodedDataset, type EncodedSplit, type SplitName } from './dataset.ts';
import type { DatasetRef } from './dataset-ref.ts';
import { deserializeDataset } from './serialize.ts';

/** Decoded data sets by sha256 of their encoded bytes; the values are shared, so callers must not mutate them. */
const decoded = new LruCache<EncodedDataset>(4);
let decodeCount = 0;

/** The decoded data set of a DatasetRef (cached in-process). */
export async function loadEncodedDataset(store: BlobStore, ref: DatasetRef): Promise<EncodedDataset> {
  const hit = decoded.get(ref.encoded.sha256);
  if (hit !== undefined) return hit;
  const bytes = await getCached(store, ref.encoded);
  const dataset = deserializeDataset(bytes, ref.encoded.uri);
  decodeCount++;
  decoded.set(ref.encoded.sha256, dataset);
  return dataset;
}

/** Seeds the cache with a data set just encoded (prepareDataset), so the next step does not decode it again. */
export function rememberDataset(sha256: string, dataset: EncodedDataset): void {
  decoded.set(sha256, dataset);
}

/** How many times a data set was decoded in this process (tests check the cache works). */
export function datasetDecodeCount(): number {
  return decodeCount;
}

export function clearDatasetCache(): void {
  decoded.clear();
}

/** The sensitive attributes an evaluation plan asks for (default: all), refusing any the data set does not have. */
export function evaluationAttributes(dataset: EncodedDataset, requested: readonly string[] | undefined): string[] {
  const known = dataset.sensitive.map((s) => s.name);
  const unknown = (requested ?? []).filter((a) => !known.includes(a));
  if (unknown.length > 0) {
    throw new CampaignInputError(
      `evaluation.attributes: ${unknown.join(', ')} not in the data set (sensitive attributes: ${known.join(', ')})`,
    );
  }
  return [...(requested ?? known)];
}

/** Group label per row for every sensitive attribute of a split, or of a batch encoded with it (name → labels). */
export function sensitiveLabels(
  dataset: EncodedDataset,
  rows: SplitName | Pick<EncodedSplit, 'groups'>,
  attributes?: readonly string[],
): Record<string, string[]> {
  const names = attributes ?? dataset.sensitive.map((s) => s.name);
  const out: Record<string, string[]> = {};
  for (const name of names) out[name] = groupLabels(dataset, rows, name);
  return out;
}
