// What the workflows with child campaigns (seeds.ts, study.ts) share: their bookkeeping activities (a JSON record
// in S3, a cell's numbers read from its held-out report) and how they name why a child ended without a result.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

export const { writeJsonArtifact, readStudyCellMetrics } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: ['InvalidInput'],
  },
});

/** The innermost message of a failure chain: why a child or an activity ended without a result. */
export function failureReason(err: unknown): string {
  let node: unknown = err;
  let message = err instanceof Error ? err.message : String(err);
  while (node instanceof Error) {
    message = node.message || message;
    node = (node as Error & { cause?: unknown }).cause;
  }
  return message;
}
