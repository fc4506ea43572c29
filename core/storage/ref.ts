// What workflow history carries instead of bytes: where an artifact is and what it must hash to.
import { z } from 'zod';

export const ArtifactRef = z.object({
  /** `s3://<bucket>/<key>` */
  uri: z.string().regex(/^s3:\/\/[^/]+\/.+$/, 'must look like s3://<bucket>/<key>'),
  /** Lower-case hex sha256 of the object's bytes. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
  bytes: z.number().int().nonnegative(),
});
export type ArtifactRef = z.infer<typeof ArtifactRef>;

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: "${uri}" (expected s3://<bucket>/<key>)`);
  return { bucket: match[1]!, key: match[2]! };
}

/**
 * Object keys are built from campaign ids, step names and hashes. Reject anything that could
 * escape its prefix or alias another key: empty segments, `.`/`..`, leading or trailing `/`,
 * control characters, and keys longer than S3's 1024-byte limit.
 */
export function validateObjectKey(key: string): string {
  const problem = objectKeyProblem(key);
  if (problem) throw new InvalidObjectKeyError(`invalid object key "${key}": ${problem}`);
  return key;
}

function objectKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'it is empty';
  if (new TextEncoder().encode(key).length > 1024) return 'it is longer than 1024 bytes (the S3 limit)';
  if (key.startsWith('/')) return 'it starts with "/"; keys are relative to the bucket';
  if (key.endsWith('/')) return 'it ends with "/"; that names a folder, not an object';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'it contains a control character';
  if (key.includes('\\')) return 'it contains "\\"; use "/" between segments';
  for (const segment of key.split('/')) {
    if (segment === '') return 'it has an empty segment ("//")';
    if (segment === '.' || segment === '..') return `it has a "${segment}" segment`;
  }
  return undefined;
}

export class InvalidObjectKeyError extends Error {
  override name = 'InvalidObjectKeyError';
}
