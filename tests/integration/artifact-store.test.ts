import { afterAll, describe, expect, it } from 'vitest';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  ArtifactConflictError,
  ArtifactIntegrityError,
  ArtifactNotFoundError,
  sha256Hex,
} from '../../core/storage/index.ts';
import { testStore, uniqueId } from '../helpers/services.ts';

const store = testStore();
afterAll(() => store.destroy());

const bytesOf = (text: string) => new TextEncoder().encode(text);

describe('ArtifactStore against the real S3 endpoint', () => {
  it('put returns a ref whose sha256 and size match the bytes, and get returns them verified', async () => {
    const key = `${uniqueId('t')}/hello.txt`;
    const body = bytesOf('fairness gates keep groups whole');
    const ref = await store.put(key, body);
    expect(ref).toEqual({ uri: `s3://${store.bucket}/${key}`, sha256: sha256Hex(body), bytes: body.byteLength });
    expect(Buffer.from(await store.get(ref)).toString()).toBe('fairness gates keep groups whole');
  });

  it('put is idempotent: the same bytes under the same key give the same ref', async () => {
    const key = `${uniqueId('t')}/same.bin`;
    const first = await store.put(key, bytesOf('abc'));
    const second = await store.put(key, bytesOf('abc'));
    expect(second).toEqual(first);
  });

  it('refuses to overwrite a different object and leaves the original intact', async () => {
    const key = `${uniqueId('t')}/checkpoint.bin`;
    const good = await store.put(key, bytesOf('good checkpoint'));
    await expect(store.put(key, bytesOf('bad retry'))).rejects.toBeInstanceOf(ArtifactConflictError);
    await expect(store.put(key, bytesOf('bad retry'))).rejects.toThrow(/refusing to overwrite .*checkpoint\.bin/);
    expect(Buffer.from(await store.get(good)).toString()).toBe('good checkpoint');
  });

  it('an immutable write is conditional: what another writer stored after the check is never replaced', async () => {
    // The race: this writer's existence check ran before the other writer stored the object. Simulated by a
    // store whose first head() reports nothing; the write itself must still refuse (S3 If-None-Match).
    const racingStore = (options?: Parameters<typeof testStore>[0]) => {
      const racing = testStore(options);
      const realHead = racing.head.bind(racing);
      let misses = 1;
      racing.head = async (key) => (misses-- > 0 ? undefined : realHead(key));
      return racing;
    };
    const key = `${uniqueId('t')}/raced.bin`;
    const first = await store.put(key, bytesOf('first writer'));
    const late = racingStore();
    const same = racingStore();
    const partSize = 5 * 1024 * 1024;
    const large = racingStore({ multipartThreshold: partSize, partSize });
    try {
      await expect(late.put(key, bytesOf('second writer'))).rejects.toThrow(/another writer stored other bytes/);
      expect(Buffer.from(await store.get(first)).toString()).toBe('first writer');
      // A concurrent write of the same bytes is the idempotent case, not a conflict.
      expect(await same.put(key, bytesOf('first writer'))).toEqual(first);
      // The multipart path completes conditionally too.
      await expect(large.put(key, new Uint8Array(partSize + 1))).rejects.toBeInstanceOf(ArtifactConflictError);
      expect(Buffer.from(await store.get(first)).toString()).toBe('first writer');
    } finally {
      for (const s of [late, same, large]) s.destroy();
    }
  });

  it('getByKey of a mutable log rewritten while it is read returns one consistent version', async () => {
    // A campaign rewrites decisions.jsonl while `watch` reads it. Every request this reader sends first lets the
    // writer append once more, so any read made of two requests (metadata, then body) sees two versions.
    const key = `${uniqueId('t')}/decisions.jsonl`;
    await store.put(key, bytesOf('line 1\n'), { mode: 'mutable' });
    const reader = testStore();
    const send = reader.client.send.bind(reader.client) as (command: unknown) => Promise<unknown>;
    let lines = 1;
    (reader.client as unknown as { send: (command: unknown) => Promise<unknown> }).send = async (command) => {
      lines++;
      await store.put(key, bytesOf(Array.from({ length: lines }, (_, i) => `line ${i + 1}\n`).join('')), {
        mode: 'mutable',
      });
      return send(command);
    };
    try {
      const { bytes, ref } = await reader.getByKey(key);
      expect(Buffer.from(bytes).toString()).toMatch(/^(line \d+\n)+$/);
      expect(ref.sha256).toBe(sha256Hex(bytes));
    } finally {
      reader.destroy();
    }
  });

  it('mutable mode replaces the object (for logs rewritten as they grow)', async () => {
    const key = `${uniqueId('t')}/decisions.jsonl`;
    await store.put(key, bytesOf('{"a":1}\n'), { mode: 'mutable' });
    const grown = await store.put(key, bytesOf('{"a":1}\n{"b":2}\n'), { mode: 'mutable' });
    expect(Buffer.from(await store.get(grown)).toString()).toBe('{"a":1}\n{"b":2}\n');
  });

  it('get detects an object changed behind its ref and names it', async () => {
    const key = `${uniqueId('t')}/weights.bin`;
    const ref = await store.put(key, bytesOf('original weights'));
    await store.client.send(
      new PutObjectCommand({ Bucket: store.bucket, Key: key, Body: bytesOf('tampered weights') }),
    );
    await expect(store.get(ref)).rejects.toBeInstanceOf(ArtifactIntegrityError);
    await expect(store.get(ref)).rejects.toThrow(
      new RegExp(`integrity check failed for ${ref.uri.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
    );
  });

  it('get of a missing object says which one', async () => {
    const key = `${uniqueId('t')}/missing.bin`;
    const ref = { uri: `s3://${store.bucket}/${key}`, sha256: sha256Hex(bytesOf('x')), bytes: 1 };
    await expect(store.get(ref)).rejects.toBeInstanceOf(ArtifactNotFoundError);
    await expect(store.get(ref)).rejects.toThrow(key);
  });

  it('rejects keys that could escape their prefix before touching S3', async () => {
    await expect(store.put('campaigns/../secrets', bytesOf('x'))).rejects.toThrow(/".." segment/);
    await expect(store.put('campaigns//a', bytesOf('x'))).rejects.toThrow(/empty segment/);
  });

  it('uploads large objects in parts and reads them back intact', async () => {
    const partSize = 5 * 1024 * 1024;
    const multipartStore = testStore({ multipartThreshold: partSize, partSize });
    try {
      const body = new Uint8Array(2 * partSize + 12345);
      for (let i = 0; i < body.length; i++) body[i] = (i * 2654435761) >>> 24;
      const key = `${uniqueId('t')}/large.bin`;
      const ref = await multipartStore.put(key, body);
      const head = await multipartStore.client.send(new HeadObjectCommand({ Bucket: store.bucket, Key: key }));
      // S3 marks multipart objects with an ETag ending in "-<number of parts>".
      expect(head.ETag).toMatch(/-3"?$/);
      expect(ref.bytes).toBe(body.byteLength);
      const back = await multipartStore.get(ref);
      expect(sha256Hex(back)).toBe(sha256Hex(body));
    } finally {
      multipartStore.destroy();
    }
  });

  it('lists objects under a prefix', async () => {
    const prefix = `${uniqueId('t')}/`;
    await store.put(`${prefix}a`, bytesOf('1'));
    await store.put(`${prefix}b/c`, bytesOf('22'));
    const listed = await store.list(prefix);
    expect(listed.map((o) => [o.key.slice(prefix.length), o.bytes])).toEqual([
      ['a', 1],
      ['b/c', 2],
    ]);
  });
});
