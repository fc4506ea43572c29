// An in-memory BlobStore with the artifact store's rules: every object has a sha256, reads verify it, and an
// immutable key refuses different bytes (identical bytes are an idempotent no-op). Counts calls for idempotency tests.
import { createHash } from 'node:crypto';
import type { ArtifactRef } from '../../../core/campaign/contracts.ts';
import type { BlobStore } from '../../../core/storage/blob-store.ts';
import { parseS3Uri, validateObjectKey } from '../../../core/storage/ref.ts';

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Named as core/storage names it, so callers that tell "gone" from "changed" can. */
function notFound(uri: string): Error {
  const err = new Error(`no object at ${uri}`);
  err.name = 'ArtifactNotFoundError';
  return err;
}

export class MemoryStore implements BlobStore {
  readonly objects = new Map<string, { bytes: Uint8Array; sha256: string; contentType: string }>();
  /** put() calls, and puts that actually stored bytes. */
  puts = 0;
  writes = 0;
  gets = 0;
  readonly written: string[] = [];

  constructor(readonly bucket = 'test-bucket') {}

  uriOf(key: string): string {
    return `s3://${this.bucket}/${validateObjectKey(key)}`;
  }

  async put(
    key: string,
    bytes: Uint8Array,
    opts: { contentType?: string; mode?: 'immutable' | 'mutable' } = {},
  ): Promise<ArtifactRef> {
    this.puts++;
    const sha256 = sha256Hex(bytes);
    const ref = { uri: this.uriOf(key), sha256, bytes: bytes.byteLength };
    const existing = this.objects.get(key);
    if (existing !== undefined) {
      if (existing.sha256 === sha256) return ref;
      if ((opts.mode ?? 'immutable') === 'immutable') {
        const err = new Error(`refusing to overwrite ${ref.uri}: it holds other bytes (sha256 ${existing.sha256})`);
        err.name = 'ArtifactConflictError';
        throw err;
      }
    }
    this.objects.set(key, {
      bytes: bytes.slice(),
      sha256,
      contentType: opts.contentType ?? 'application/octet-stream',
    });
    this.writes++;
    this.written.push(key);
    return ref;
  }

  async get(ref: ArtifactRef): Promise<Uint8Array> {
    this.gets++;
    const { bucket, key } = parseS3Uri(ref.uri);
    if (bucket !== this.bucket) throw new Error(`${ref.uri} is not in bucket ${this.bucket}`);
    const object = this.objects.get(key);
    if (object === undefined) throw notFound(ref.uri);
    if (sha256Hex(object.bytes) !== ref.sha256 || object.bytes.byteLength !== ref.bytes) {
      const err = new Error(`integrity check failed for ${ref.uri}`);
      err.name = 'ArtifactIntegrityError';
      throw err;
    }
    return object.bytes.slice();
  }

  async getByKey(key: string): Promise<{ bytes: Uint8Array; ref: ArtifactRef }> {
    this.gets++;
    const object = this.objects.get(key);
    if (object === undefined) throw notFound(this.uriOf(key));
    const sha256 = sha256Hex(object.bytes);
    if (sha256 !== object.sha256) throw new Error(`integrity check failed for ${this.uriOf(key)}`);
    return { bytes: object.bytes.slice(), ref: { uri: this.uriOf(key), sha256, bytes: object.bytes.byteLength } };
  }

  async head(key: string): Promise<{ sha256?: string; bytes: number } | undefined> {
    const object = this.objects.get(key);
    return object === undefined ? undefined : { sha256: object.sha256, bytes: object.bytes.byteLength };
  }

  /** Keys under a prefix in key order, as ArtifactStore.list returns them (S3 lists in UTF-8 byte order). */
  async list(prefix: string): Promise<{ key: string; bytes: number }[]> {
    return [...this.objects]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, object]) => ({ key, bytes: object.bytes.byteLength }));
  }

  /** Object bytes by key (test inspection). */
  bytesAt(key: string): Uint8Array {
    const object = this.objects.get(key);
    if (object === undefined) throw new Error(`no object at ${key}`);
    return object.bytes;
  }

  keyOf(ref: ArtifactRef): string {
    return parseS3Uri(ref.uri).key;
  }

  resetCounts(): void {
    this.puts = 0;
    this.writes = 0;
    this.gets = 0;
    this.written.length = 0;
  }
}
