// A small in-process cache of blobs by sha256: consecutive steps in one worker read the same data set and
// checkpoints without re-downloading them. Content-addressed, so any key with the same hash is the same bytes.
import type { BlobStore } from './blob-store.ts';
import type { ArtifactRef } from './ref.ts';

/** A least-recently-used map with a size budget. */
export class LruCache<V> {
  private readonly entries = new Map<string, { value: V; size: number }>();
  private total = 0;

  constructor(
    private readonly maxSize: number,
    private readonly sizeOf: (value: V) => number = () => 1,
  ) {}

  get(key: string): V | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit.value;
  }

  set(key: string, value: V): void {
    const size = this.sizeOf(value);
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.total -= old.size;
      this.entries.delete(key);
    }
    if (size > this.maxSize) return;
    this.entries.set(key, { value, size });
    this.total += size;
    for (const [k, e] of this.entries) {
      if (this.total <= this.maxSize) break;
      this.entries.delete(k);
      this.total -= e.size;
    }
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Blobs by sha256 (256 MiB budget): checkpoints and data sets read by consecutive steps of one worker. */
const blobCache = new LruCache<Uint8Array>(256 * 1024 * 1024, (b) => b.byteLength);

/** store.get with the in-process cache: content-addressed by sha256, so any key with that hash is the same bytes. */
export async function getCached(store: BlobStore, ref: ArtifactRef): Promise<Uint8Array> {
  const hit = blobCache.get(ref.sha256);
  if (hit !== undefined && hit.byteLength === ref.bytes) return hit;
  const bytes = await store.get(ref);
  blobCache.set(ref.sha256, bytes);
  return bytes;
}

/** Remembers bytes just written (the next step will read them). */
export function rememberBlob(ref: ArtifactRef, bytes: Uint8Array): void {
  blobCache.set(ref.sha256, bytes);
}

/** Empties the in-process caches (tests; memory pressure). */
export function clearBlobCache(): void {
  blobCache.clear();
}
