// An S3 artifact store. Every object is addressed by an ArtifactRef { uri, sha256, bytes };
// every read re-hashes the bytes, so a corrupted or swapped object is caught by name.
// Writes never replace a different object under the same key unless the caller says the key is
// mutable (e.g. decisions.jsonl): a retried step can reuse its own output but cannot clobber
// a good checkpoint.
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ArtifactRef, parseS3Uri, validateObjectKey } from './ref.ts';

export interface S3Settings {
  /** Custom endpoint (SeaweedFS, MinIO, R2, Ceph); undefined means AWS. */
  endpoint?: string;
  region: string;
  bucket: string;
  forcePathStyle: boolean;
  /** Explicit credentials (the local stack's); undefined means the standard AWS credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface PutOptions {
  contentType?: string;
  /** 'immutable' (default): an existing object with other bytes is an error. 'mutable': replace it. */
  mode?: 'immutable' | 'mutable';
}

export class ArtifactIntegrityError extends Error {
  override name = 'ArtifactIntegrityError';
}
export class ArtifactConflictError extends Error {
  override name = 'ArtifactConflictError';
}
export class ArtifactNotFoundError extends Error {
  override name = 'ArtifactNotFoundError';
}

const SHA_METADATA_KEY = 'fairshrink-sha256';
/** Parts of one multipart upload in flight at once. */
const MULTIPART_QUEUE = 4;
/** Objects above this size go up as multipart uploads (S3's minimum part size is 5 MiB). */
export const DEFAULT_MULTIPART_THRESHOLD = 16 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    // The SDK's default CRC32 request checksums are not implemented by every S3-compatible
    // server; we verify integrity with our own sha256 on every read instead.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

export class ArtifactStore {
  readonly bucket: string;
  readonly client: S3Client;
  private readonly multipartThreshold: number;
  private readonly partSize: number;
  /** Whether the endpoint honours If-None-Match on writes (set to false after its first 501). */
  private conditionalWrites = true;

  constructor(settings: S3Settings, opts: { client?: S3Client; multipartThreshold?: number; partSize?: number } = {}) {
    this.bucket = settings.bucket;
    this.client = opts.client ?? createS3Client(settings);
    this.partSize = opts.partSize ?? DEFAULT_PART_SIZE;
    this.multipartThreshold = opts.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD;
    if (this.partSize < 5 * 1024 * 1024) throw new Error('partSize must be at least 5 MiB (S3 minimum part size)');
  }

  uriOf(key: string): string {
    return `s3://${this.bucket}/${validateObjectKey(key)}`;
  }

  /** Create the bucket when it does not exist yet. */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (err) {
      if (statusOf(err) !== 404 && statusOf(err) !== 403 && (err as Error).name !== 'NotFound') throw err;
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const name = (err as Error).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
    }
  }

  /** The stored sha256 and size of an object, or undefined when there is none. */
  async head(key: string): Promise<{ sha256?: string; bytes: number } | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: validateObjectKey(key) }));
      return { sha256: head.Metadata?.[SHA_METADATA_KEY], bytes: head.ContentLength ?? 0 };
    } catch (err) {
      if (statusOf(err) === 404 || (err as Error).name === 'NotFound') return undefined;
      throw err;
    }
  }

  async put(key: string, body: Uint8Array, opts: PutOptions = {}): Promise<ArtifactRef> {
    validateObjectKey(key);
    const sha256 = sha256Hex(body);
    const ref: ArtifactRef = { uri: this.uriOf(key), sha256, bytes: body.byteLength };
    const existing = await this.head(key);
    let rotten = false;
    if (existing) {
      if (existing.sha256 === sha256 && existing.bytes === body.byteLength) {
        // An idempotent retry, unless the stored bytes no longer hash to their label (bit rot, a torn write): then
        // this write, the same deterministic bytes again, regenerates the object.
        if (sha256Hex(await this.getBytes(key)) === sha256) return ref;
        rotten = true;
      } else if ((opts.mode ?? 'immutable') === 'immutable') {
        throw new ArtifactConflictError(
          `refusing to overwrite ${ref.uri}: it holds other bytes (sha256 ${existing.sha256 ?? 'unknown'}, ` +
            `${existing.bytes} bytes) than this write (sha256 ${sha256}). Write under a new key; artifacts are immutable.`,
        );
      }
    }
    const common = {
      Bucket: this.bucket,
      Key: key,
      ContentType: opts.contentType ?? 'application/octet-stream',
      Metadata: { [SHA_METADATA_KEY]: sha256 },
    };
    // The head above is a check, not a lock: another writer may store the key between it and this write. An
    // immutable write is therefore conditional (If-None-Match: *, S3 conditional writes), so it can never
    // replace what someone else stored meanwhile. Endpoints without conditional writes answer 501; for them the
    // check above is all there is.
    const conditional = (opts.mode ?? 'immutable') === 'immutable' && this.conditionalWrites && !rotten;
    try {
      await this.write(common, body, conditional);
    } catch (err) {
      if (conditional && statusOf(err) === 501) {
        this.conditionalWrites = false;
        await this.write(common, body, false);
      } else if (conditional && statusOf(err) === 412) {
        const now = await this.head(key);
        if (now?.sha256 === sha256 && now.bytes === body.byteLength) return ref; // a concurrent identical write
        throw new ArtifactConflictError(
          `refusing to overwrite ${ref.uri}: another writer stored other bytes under it (sha256 ${now?.sha256 ?? 'unknown'}) ` +
            `while this write (sha256 ${sha256}) was under way. Write under a new key; artifacts are immutable.`,
        );
      } else throw err;
    }
    return ref;
  }

  private async write(
    common: { Bucket: string; Key: string; ContentType: string; Metadata: Record<string, string> },
    body: Uint8Array,
    conditional: boolean,
  ): Promise<void> {
    const condition = conditional ? { IfNoneMatch: '*' } : {};
    if (body.byteLength <= this.multipartThreshold) {
      await this.client.send(
        new PutObjectCommand({ ...common, ...condition, Body: body, ContentLength: body.byteLength }),
      );
    } else {
      await this.multipartPut(common, body, condition);
    }
  }

  /**
   * A large object as a multipart upload through lib-storage's Upload: parts go up in parallel (MULTIPART_QUEUE at a
   * time), a failed part aborts the whole upload (no orphaned parts), and the completion carries the same
   * If-None-Match condition as a single put, so an artifact is never overwritten either way.
   */
  private async multipartPut(
    common: { Bucket: string; Key: string; ContentType: string; Metadata: Record<string, string> },
    body: Uint8Array,
    condition: { IfNoneMatch?: string },
  ): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { ...common, ...condition, Body: body, ContentLength: body.byteLength },
      partSize: this.partSize,
      queueSize: MULTIPART_QUEUE,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  /** Read an artifact and verify its sha256 and size against the ref. */
  async get(ref: ArtifactRef): Promise<Uint8Array> {
    const parsed = ArtifactRef.parse(ref);
    const { bucket, key } = parseS3Uri(parsed.uri);
    if (bucket !== this.bucket) {
      throw new Error(`${parsed.uri} is in bucket "${bucket}", but this store is configured for "${this.bucket}"`);
    }
    const bytes = await this.getBytes(key);
    const actual = sha256Hex(bytes);
    if (actual !== parsed.sha256 || bytes.byteLength !== parsed.bytes) {
      throw new ArtifactIntegrityError(
        `integrity check failed for ${parsed.uri}: expected sha256 ${parsed.sha256} (${parsed.bytes} bytes), ` +
          `got ${actual} (${bytes.byteLength} bytes). The object was changed or corrupted after it was written.`,
      );
    }
    return bytes;
  }

  /** Read an object by key without a ref (e.g. a manifest found by listing); checks the stored sha256. */
  async getByKey(key: string): Promise<{ bytes: Uint8Array; ref: ArtifactRef }> {
    // Body and stored sha256 from one GET: with a separate HEAD, an object rewritten in between (a mutable
    // log such as decisions.jsonl, read while a campaign appends to it) looked corrupted.
    const { bytes, storedSha256 } = await this.getObject(key);
    const sha256 = sha256Hex(bytes);
    if (storedSha256 && storedSha256 !== sha256) {
      throw new ArtifactIntegrityError(
        `integrity check failed for ${this.uriOf(key)}: stored sha256 ${storedSha256}, content hashes to ${sha256}`,
      );
    }
    return { bytes, ref: { uri: this.uriOf(key), sha256, bytes: bytes.byteLength } };
  }

  private async getBytes(key: string): Promise<Uint8Array> {
    return (await this.getObject(key)).bytes;
  }

  private async getObject(key: string): Promise<{ bytes: Uint8Array; storedSha256: string | undefined }> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: validateObjectKey(key) }));
      if (!out.Body) throw new ArtifactNotFoundError(`no body for ${this.uriOf(key)}`);
      return { bytes: await out.Body.transformToByteArray(), storedSha256: out.Metadata?.[SHA_METADATA_KEY] };
    } catch (err) {
      if (statusOf(err) === 404 || (err as Error).name === 'NoSuchKey') {
        throw new ArtifactNotFoundError(`no object at ${this.uriOf(key)}`);
      }
      throw err;
    }
  }

  async list(prefix: string): Promise<{ key: string; bytes: number }[]> {
    const out: { key: string; bytes: number }[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const item of page.Contents ?? []) if (item.Key) out.push({ key: item.Key, bytes: item.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  destroy(): void {
    this.client.destroy();
  }
}
