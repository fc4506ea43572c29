// Content hashes that identify a data set: sha256 of the raw bytes, sha256 of the canonical spec,
// and a DatasetId from both. Canonical JSON = keys sorted, no whitespace, undefined members left out.
import { createHash } from 'node:crypto';
import type { DatasetSpec } from './spec.ts';

/** A data set's identity: sha256 (hex) over its raw content hash and its spec hash. */
export type DatasetId = string & { readonly __brand: 'DatasetId' };

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with object keys sorted at every level and no whitespace, so equal values give equal bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new Error(`canonicalJson: ${value} is not representable in JSON`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The part of a spec that decides the encoded numbers: everything except `name`, `description` and
 * where the sources come from (the raw hash covers file contents, so moving a file, or reading the same bytes from
 * a pinned data set instead of a local copy, keeps the id). The filter is part of it when there is one, and
 * `features.excludeSensitive` when it is true and `features.categoricalEncoding` when it is 'codes' (the inputs then
 * differ, so checkpoints of the other setting are not reused).
 * An image folder counts like a source: its place is left out, its contents are in the raw hash.
 */
export function specForHash(spec: DatasetSpec): unknown {
  const { name: _name, description: _description, sources, ...rest } = spec;
  // `excludeSensitive: false` encodes the same numbers as leaving it out, so it keeps the id.
  // Likewise `categoricalEncoding: one-hot`, the encoding a spec without the field gets.
  const { excludeSensitive, categoricalEncoding, ...features } = rest.features;
  // An image folder's place is left out like a CSV source's path; the manifest's bytes and every image's are in the
  // raw hash, while the pattern, size and channels decide the numbers and stay.
  const images = rest.images === undefined ? undefined : { ...rest.images, folder: undefined, manifest: undefined };
  return {
    ...rest,
    images,
    features: {
      ...features,
      ...(excludeSensitive === true ? { excludeSensitive } : {}),
      ...(categoricalEncoding === 'codes' ? { categoricalEncoding } : {}),
    },
    sources: sources.map(({ path: _path, dataset: _dataset, file: _file, ...source }) => source),
  };
}

export function specSha256(spec: DatasetSpec): string {
  return sha256Hex(canonicalJson(specForHash(spec)));
}

/** sha256 over the sources' decompressed-content hashes with their roles, in spec order. */
export function rawSha256(sources: readonly { role: string; contentSha256: string }[]): string {
  return sha256Hex(sources.map((s) => `${s.role}\u0000${s.contentSha256}\n`).join(''));
}

export function datasetIdOf(raw: string, spec: string): DatasetId {
  return sha256Hex(`fairshrink-dataset\u0000${raw}\u0000${spec}`) as DatasetId;
}
