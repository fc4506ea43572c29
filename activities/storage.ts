// Storage activities: thin adapters that validate their input and call core/storage.
import { z } from 'zod';
import { ApplicationFailure } from '@temporalio/activity';
import { ArtifactStore, InvalidObjectKeyError, type ArtifactRef } from '../core/storage/index.ts';

export const WriteJsonArtifactInput = z.object({
  key: z.string().min(1),
  document: z.record(z.string(), z.unknown()),
  /** Replace what the key holds (a summary a later run rewrites, e.g. study.json); default: write once. */
  mutable: z.boolean().optional(),
});
export type WriteJsonArtifactInput = z.infer<typeof WriteJsonArtifactInput>;

function invalidInput(activity: string, err: unknown): ApplicationFailure {
  const message = err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message;
  return ApplicationFailure.nonRetryable(`${activity}: ${message}`, 'InvalidInput');
}

export function createStorageActivities(store: ArtifactStore) {
  return {
    /** Write a JSON document (canonical key order is the caller's) and return its ref. Idempotent. */
    async writeJsonArtifact(input: WriteJsonArtifactInput): Promise<ArtifactRef> {
      let parsed: WriteJsonArtifactInput;
      try {
        parsed = WriteJsonArtifactInput.parse(input);
      } catch (err) {
        throw invalidInput('writeJsonArtifact', err);
      }
      try {
        const bytes = new TextEncoder().encode(`${JSON.stringify(parsed.document, null, 2)}\n`);
        return await store.put(parsed.key, bytes, {
          contentType: 'application/json',
          ...(parsed.mutable ? { mode: 'mutable' as const } : {}),
        });
      } catch (err) {
        if (err instanceof InvalidObjectKeyError) throw invalidInput('writeJsonArtifact', err);
        throw err;
      }
    },

    /** Read an artifact back and verify its sha256; returns its size. */
    async verifyArtifact(ref: ArtifactRef): Promise<{ verified: true; bytes: number }> {
      const bytes = await store.get(ref);
      return { verified: true, bytes: bytes.byteLength };
    },
  };
}

export type StorageActivities = ReturnType<typeof createStorageActivities>;
