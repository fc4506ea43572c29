// Human review: a failed gate pauses the campaign; the `review` Update validates its input, and
// approve or reject decides the milestone. The decision log records every review.
import { describe, expect, it } from 'vitest';
import {
  campaignWorker,
  queryState,
  readDecisions,
  startFixtureCampaign,
  untilReviewPending,
} from '../helpers/campaign.ts';
import { uniqueId, useTemporalAndStore } from '../helpers/services.ts';
import { reviewUpdate } from '../../workflows/campaign.ts';

const { temporal: connection, store } = useTemporalAndStore();

/** The validator's message: the client wraps it in WorkflowUpdateFailedError's cause. */
async function updateRejection(promise: Promise<unknown>): Promise<string> {
  const err = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as (Error & { cause?: Error }) | undefined;
  if (!err) throw new Error('the update was accepted');
  return err.cause?.message ?? err.message;
}

describe('human review', () => {
  it('approve accepts the candidate; reject stops at the last good model; invalid reviews are refused', async () => {
    const taskQueue = uniqueId('review-q');
    const worker = await campaignWorker(connection().nativeConnection, taskQueue, store);
    const approveId = uniqueId('german-review-approve');
    const rejectId = uniqueId('german-review-reject');
    const approve = await startFixtureCampaign(connection().client, store, {
      name: 'german-review',
      campaignId: approveId,
      taskQueue,
    });
    const reject = await startFixtureCampaign(connection().client, store, {
      name: 'german-review',
      campaignId: rejectId,
      taskQueue,
    });

    let winner: 'bo' | 'cy' | undefined;
    const [approved, rejected] = await worker.runUntil(async () => {
      await untilReviewPending(approve);
      expect((await queryState(approve)).phase).toBe('awaiting-review');
      expect(
        await updateRejection(
          approve.executeUpdate(reviewUpdate, { args: [{ reviewer: '', reason: 'x', action: 'approve' }] }),
        ),
      ).toMatch(/reviewer is required/);
      expect(
        await updateRejection(
          approve.executeUpdate(reviewUpdate, { args: [{ reviewer: 'ana', reason: '', action: 'approve' }] }),
        ),
      ).toMatch(/reason is required/);
      expect(
        await updateRejection(
          approve.executeUpdate(reviewUpdate, {
            args: [{ reviewer: 'ana', reason: 'r', action: 'adjust', sparsity: 1.5 }],
          }),
        ),
      ).toMatch(/sparsity must be in \[0, 1\)/);
      const ack = await approve.executeUpdate(reviewUpdate, {
        args: [
          {
            reviewer: 'ana',
            reason: 'the drop is on a 200-row validation split; accepted for a pilot',
            action: 'approve',
          },
        ],
      });
      expect(ack).toEqual({ accepted: true, milestone: 2, action: 'approve' });

      await untilReviewPending(reject);
      // Two reviewers at once: one review is applied, the other refused (never silently overwritten).
      const outcomes = await Promise.allSettled(
        [
          { reviewer: 'bo', reason: 'balanced accuracy collapsed', action: 'reject' as const },
          { reviewer: 'cy', reason: 'looks fine to me', action: 'approve' as const },
        ].map((review) => reject.executeUpdate(reviewUpdate, { args: [review] })),
      );
      const accepted = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.filter((o) => o.status === 'rejected');
      expect([accepted.length, refused.length]).toEqual([1, 1]);
      const refusal = refused[0]!.reason as Error & { cause?: Error };
      expect(refusal.cause?.message ?? refusal.message).toMatch(/already being applied|no review is pending/);
      winner = outcomes[0]!.status === 'fulfilled' ? 'bo' : 'cy';
      return Promise.all([approve.result(), reject.result()]);
    });

    expect(approved.status).toBe('completed');
    expect(approved.final.checkpoint.stepKey).toBe('milestone-2/attempt-0/finetune');
    if (winner === 'bo') {
      expect(rejected.status).toBe('stopped');
      expect(rejected.reason).toMatch(/reviewer bo rejected \(balanced accuracy collapsed\)/);
      expect(rejected.final.checkpoint.stepKey).toBe('milestone-1/attempt-0/finetune');
    } else {
      expect(rejected.status).toBe('completed');
      expect(rejected.final.checkpoint.stepKey).toBe('milestone-2/attempt-0/finetune');
    }

    const approvedLog = await readDecisions(store, approveId);
    expect(approvedLog.filter((d) => d.kind === 'review-requested')).toHaveLength(1);
    expect(approvedLog.find((d) => d.kind === 'review')?.review).toMatchObject({ reviewer: 'ana', action: 'approve' });
    const rejectedLog = await readDecisions(store, rejectId);
    const reviews = rejectedLog.filter((d) => d.kind === 'review').map((d) => d.review);
    expect(reviews).toEqual([
      winner === 'bo'
        ? { reviewer: 'bo', reason: 'balanced accuracy collapsed', action: 'reject' }
        : { reviewer: 'cy', reason: 'looks fine to me', action: 'approve' },
    ]);
    expect(rejectedLog.at(-1)?.kind).toBe(winner === 'bo' ? 'stop' : 'finalize');
  });

  it('applies the policy default when nobody reviews before the timeout, and logs it', async () => {
    const taskQueue = uniqueId('review-timeout-q');
    const worker = await campaignWorker(connection().nativeConnection, taskQueue, store);
    const id = uniqueId('german-review-timeout');
    const handle = await startFixtureCampaign(connection().client, store, {
      name: 'german-review-timeout',
      campaignId: id,
      taskQueue,
    });
    const result = await worker.runUntil(handle.result());
    expect(result.status).toBe('completed');
    expect(result.final.checkpoint.stepKey).toBe('milestone-2/attempt-0/finetune');
    const review = (await readDecisions(store, id)).find((d) => d.kind === 'review');
    expect(review?.review).toEqual({ reviewer: 'policy', reason: 'no review within 2s', action: 'approve' });
  });
});
