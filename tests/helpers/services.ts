// What integration tests need from the shared services started by global-setup.ts.
import { afterAll, beforeAll, inject } from 'vitest';
import { NativeConnection } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { LOCAL_S3_CREDENTIALS, type ConnectionSettings } from '../../core/config/connection.ts';
import { ArtifactStore } from '../../core/storage/index.ts';

export function testSettings(taskQueue: string): ConnectionSettings {
  return {
    temporal: { address: inject('temporalAddress'), namespace: inject('temporalNamespace'), taskQueue },
    s3: {
      endpoint: inject('s3Endpoint'),
      region: 'us-east-1',
      bucket: inject('s3Bucket'),
      forcePathStyle: true,
      credentials: LOCAL_S3_CREDENTIALS,
    },
    localS3: true,
    localTemporal: true,
  };
}

/** The environment a `fairshrink` process (worker, CLI) needs to use the test stack, polling or starting on `taskQueue`. */
export function testStackEnv(taskQueue: string): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    FAIRSHRINK_TASK_QUEUE: taskQueue,
    FAIRSHRINK_S3_ENDPOINT: inject('s3Endpoint'),
    FAIRSHRINK_S3_BUCKET: inject('s3Bucket'),
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
}

export function testStore(opts: { multipartThreshold?: number; partSize?: number } = {}): ArtifactStore {
  return new ArtifactStore(testSettings('unused').s3, opts);
}

export const workflowBundle = () => ({ codePath: inject('workflowBundlePath') });

export async function connectTemporal(): Promise<{
  client: Client;
  nativeConnection: NativeConnection;
  close: () => Promise<void>;
}> {
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  const client = new Client({ connection, namespace: inject('temporalNamespace') });
  return {
    client,
    nativeConnection,
    close: async () => {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** A unique id for workflows, task queues and keys, so tests never collide. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}

/**
 * The Temporal connection and S3 store most integration test files share: connected before the
 * file's tests, closed after them. `temporal()` is valid inside tests.
 */
export function useTemporalAndStore(): {
  temporal: () => Awaited<ReturnType<typeof connectTemporal>>;
  store: ArtifactStore;
} {
  const store = testStore();
  let connection: Awaited<ReturnType<typeof connectTemporal>> | undefined;
  beforeAll(async () => {
    connection = await connectTemporal();
  });
  afterAll(async () => {
    await connection?.close();
    store.destroy();
  });
  return {
    temporal: () => {
      if (!connection) throw new Error('useTemporalAndStore: not connected yet (use it inside a test)');
      return connection;
    },
    store,
  };
}
