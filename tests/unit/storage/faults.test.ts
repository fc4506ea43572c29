// The fault suite's S3 hook (core/storage/faults.ts): inert when FAIRSHRINK_FAULTS is unset, and when set it fails,
// loses or reports exactly the requests its rules name. The client talks to an in-process request handler that
// counts what reaches the "server", so no S3 endpoint is needed.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { installStorageFaults, parseFaultRules } from '../../../core/storage/faults.ts';

function fakeS3(): { client: S3Client; sent: string[] } {
  const sent: string[] = [];
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    forcePathStyle: true,
    credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    maxAttempts: 3,
    requestHandler: {
      handle: async (request: { method: string; path: string }) => {
        sent.push(`${request.method} ${request.path}`);
        return { response: { statusCode: 200, headers: {}, body: Readable.from([Buffer.from('ok')]) } };
      },
    },
  });
  return { client, sent };
}

const put = (client: S3Client, key: string) =>
  client.send(new PutObjectCommand({ Bucket: 'b', Key: key, Body: new Uint8Array([1, 2, 3]) }));

describe('storage faults hook', () => {
  it('adds nothing to the client when the variable is unset or empty', () => {
    for (const raw of [undefined, '', '  ']) {
      const { client } = fakeS3();
      const before = client.middlewareStack.identify();
      expect(installStorageFaults(client, raw)).toBe(0);
      expect(client.middlewareStack.identify()).toEqual(before);
    }
  });

  it('refuses a malformed setting instead of running without faults', () => {
    expect(() => parseFaultRules('not json')).toThrow(/FAIRSHRINK_FAULTS is not JSON/);
    expect(() => parseFaultRules('[{"id":"x","op":"PutObject","key":"k","action":"explode"}]')).toThrow(/action/);
    expect(parseFaultRules('[{"id":"x","op":"any","key":"k","action":"notify"}]')).toEqual([
      { id: 'x', op: 'any', key: 'k', action: 'notify', skip: 0, times: 1 },
    ]);
  });

  it('fails matching requests before they are sent, and the SDK retries absorb fewer than its attempts', async () => {
    const { client, sent } = fakeS3();
    installStorageFaults(
      client,
      JSON.stringify([{ id: 'e2', op: 'PutObject', key: 'a/x', action: 'error', times: 2 }]),
    );
    await put(client, 'a/x'); // two injected 503s, then the SDK's third attempt goes through
    expect(sent).toEqual(['PUT /b/a/x']);
    await put(client, 'a/other');
    expect(sent).toHaveLength(2);
  }, 30_000);

  it('reaches the caller when the outage outlasts the SDK retries, then lets requests through again', async () => {
    const { client, sent } = fakeS3();
    installStorageFaults(client, JSON.stringify([{ id: 'e4', op: 'PutObject', key: 'k', action: 'error', times: 4 }]));
    await expect(put(client, 'k')).rejects.toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    expect(sent).toEqual([]);
    await put(client, 'k'); // the fourth injected error, then a retry that is sent
    expect(sent).toEqual(['PUT /b/k']);
  }, 30_000);

  it('loses the answer of a request that was done (partial work), only for the op and key it names', async () => {
    const { client, sent } = fakeS3();
    installStorageFaults(
      client,
      JSON.stringify([
        { id: 'lost', op: 'PutObject', key: 'step/result.json', skip: 1, times: 3, action: 'error-after' },
      ]),
    );
    await put(client, 'c/step/result.json'); // skipped
    await expect(put(client, 'c/step/result.json')).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(sent).toHaveLength(4); // each of the SDK's three attempts was sent
    await client.send(new HeadObjectCommand({ Bucket: 'b', Key: 'c/step/result.json' }));
    await client.send(new GetObjectCommand({ Bucket: 'b', Key: 'c/other.json' }));
    expect(sent).toHaveLength(6);
  }, 30_000);
});
