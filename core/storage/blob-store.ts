// The storage every reader and writer of artifacts needs, as an interface: core/storage's ArtifactStore satisfies
// it structurally, and tests pass an in-memory one.
import type { ArtifactRef } from './ref.ts';

export interface BlobStore {
  bucket: string;
  uriOf(key: string): string;
  put(
    key: string,
    bytes: Uint8Array,
    opts?: { contentType?: string; mode?: 'immutable' | 'mutable' },
  ): Promise<ArtifactRef>;
  get(ref: ArtifactRef): Promise<Uint8Array>;
  getByKey(key: string): Promise<{ bytes: Uint8Array; ref: ArtifactRef }>;
  head(key: string): Promise<{ sha256?: string; bytes: number } | undefined>;
  /** Keys under a prefix, in key order. */
  list(prefix: string): Promise<{ key: string; bytes: number }[]>;
}
