import { describe, expect, it } from 'vitest';
import { ArtifactRef, parseS3Uri, validateObjectKey } from '../../../core/storage/ref.ts';

describe('object keys', () => {
  it.each(['campaigns/c1/milestone-1/weights.bin', 'datasets/ab12/raw', 'a'])('accepts %s', (key) => {
    expect(validateObjectKey(key)).toBe(key);
  });

  it.each([
    ['', /empty/],
    ['/abs/key', /starts with "\/"/],
    ['folder/', /ends with "\/"/],
    ['a//b', /empty segment/],
    ['a/../b', /"\.\." segment/],
    ['./a', /"\." segment/],
    ['a\\b', /contains "\\"/],
    ['a\nb', /control character/],
    ['x'.repeat(1025), /1024 bytes/],
  ])('rejects %j', (key, why) => {
    expect(() => validateObjectKey(key)).toThrow(why);
  });
});

describe('ArtifactRef', () => {
  it('parses s3 URIs into bucket and key', () => {
    expect(parseS3Uri('s3://bucket/a/b.bin')).toEqual({ bucket: 'bucket', key: 'a/b.bin' });
    expect(() => parseS3Uri('https://bucket/a')).toThrow(/not an s3:\/\/ URI/);
  });

  it('rejects a ref whose sha256 is not 64 lower-case hex digits', () => {
    const result = ArtifactRef.safeParse({ uri: 's3://b/k', sha256: 'ABC', bytes: 1 });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('sha256');
  });
});
