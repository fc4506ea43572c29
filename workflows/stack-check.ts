// The smallest end-to-end workflow: an activity writes an artifact to S3 and returns its ref,
// a second one reads it back and checks its sha256. `npm run demo` and the integration tests use
// it to prove the stack (Temporal + worker + S3) works; it is also the replay-test template.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ArtifactRef } from '../core/storage/ref.ts';

const { writeJsonArtifact, verifyArtifact } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, initialInterval: '1 second', nonRetryableErrorTypes: ['InvalidInput'] },
});

export interface StackCheckInput {
  /** Object key to write, e.g. `stack-check/<id>.json`. */
  key: string;
  message: string;
}

export interface StackCheckResult {
  ref: ArtifactRef;
  verified: boolean;
}

export async function stackCheck(input: StackCheckInput): Promise<StackCheckResult> {
  const ref = await writeJsonArtifact({
    key: input.key,
    document: { kind: 'fairshrink-stack-check', message: input.message },
  });
  const check = await verifyArtifact(ref);
  return { ref, verified: check.verified && check.bytes === ref.bytes };
}
