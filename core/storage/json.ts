// JSON artifacts: canonical bytes (equal values give equal bytes, so immutable writes of a retry reproduce them),
// parsing with the artifact's name in the error, and a put with the JSON content type.
import { canonicalJson } from '../data/hash.ts';
import type { BlobStore } from './blob-store.ts';
import type { ArtifactRef } from './ref.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Canonical JSON bytes (sorted keys, no whitespace, trailing newline): equal values give equal bytes. */
export function jsonBytes(value: unknown): Uint8Array {
  return encoder.encode(`${canonicalJson(value)}\n`);
}

export function parseJsonBytes<T>(bytes: Uint8Array, what: string): T {
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function putJson(
  store: BlobStore,
  key: string,
  value: unknown,
  mode: 'immutable' | 'mutable' = 'immutable',
): Promise<ArtifactRef> {
  return store.put(key, jsonBytes(value), { contentType: 'application/json', mode });
}
