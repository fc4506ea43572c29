export type { BlobStore } from './blob-store.ts';
export { clearBlobCache, getCached, LruCache, rememberBlob } from './blob-cache.ts';
export { jsonBytes, parseJsonBytes, putJson } from './json.ts';
export { ArtifactRef, parseS3Uri, validateObjectKey, InvalidObjectKeyError } from './ref.ts';
export {
  ArtifactStore,
  ArtifactIntegrityError,
  ArtifactConflictError,
  ArtifactNotFoundError,
  createS3Client,
  sha256Hex,
  type S3Settings,
  type PutOptions,
} from './artifact-store.ts';
