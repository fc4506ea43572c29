// Messages into a running campaign: the state query, pause/resume/abort signals and the review update with its
// validator, and the wait for a human review that a failed gate can ask for.
import { condition, setHandler } from '@temporalio/workflow';
import { durationMs } from '../core/config/campaign.ts';
import type { ReviewInput } from '../core/campaign/contracts.ts';
import { abortSignal, pauseSignal, resumeSignal, reviewUpdate, stateQuery } from './campaign-api.ts';
import { decide, markCampaignStatus, type CampaignRun } from './campaign-run.ts';

/** Answers the state query and takes pause, resume, abort and review into the run. */
export function installHandlers(run: CampaignRun): void {
  setHandler(stateQuery, () => run.state);
  setHandler(pauseSignal, () => {
    run.state.paused = true;
  });
  setHandler(resumeSignal, () => {
    run.state.paused = false;
  });
  setHandler(abortSignal, (request) => {
    run.abortRequest = request;
  });
  setHandler(
    reviewUpdate,
    (review) => {
      run.pendingReviewInput = review;
      return { accepted: true, milestone: run.state.milestone, action: review.action };
    },
    { validator: (review) => validateReview(run, review) },
  );
}

/** Refuses a review that cannot apply now, or that misses who, why or what, before it reaches the history. */
export function validateReview(run: CampaignRun, review: ReviewInput): void {
  if (!run.state.pendingReview) throw new Error('no review is pending: the campaign is not waiting for one');
  // A second review while the first is being applied would silently replace it: refuse it instead.
  const applying = run.pendingReviewInput;
  if (applying !== null) {
    throw new Error(
      `a review (${applying.action} by ${applying.reviewer}) is already being applied; check the campaign's status and review again if another one is requested`,
    );
  }
  if (!review || typeof review.reviewer !== 'string' || review.reviewer.trim() === '') {
    throw new Error('reviewer is required: say who reviews (e.g. --reviewer alice)');
  }
  if (typeof review.reason !== 'string' || review.reason.trim() === '') {
    throw new Error('reason is required: say why (e.g. --reason "gap within noise")');
  }
  if (!['approve', 'reject', 'adjust'].includes(review.action)) {
    throw new Error(`action must be approve, reject or adjust, got "${String(review.action)}"`);
  }
  if (review.action === 'adjust') {
    if (review.sparsity === undefined && review.epsilon === undefined) {
      throw new Error('adjust needs a new sparsity and/or epsilon');
    }
    if (review.sparsity !== undefined && !(review.sparsity >= 0 && review.sparsity < 1)) {
      throw new Error(`sparsity must be in [0, 1), got ${review.sparsity}`);
    }
    if (review.epsilon !== undefined && !(review.epsilon >= 0 && review.epsilon <= 1)) {
      throw new Error(`epsilon must be in [0, 1], got ${review.epsilon}`);
    }
  }
}

/**
 * Asks for a human review of a failed gate and waits for it (or for an abort, or for the timeout, after which the
 * campaign's policy decides). Both the request and the answer go into the decision log.
 */
export async function awaitReview(
  run: CampaignRun,
  milestone: number,
  attempt: number,
  stepKey: string,
  reason: string,
): Promise<ReviewInput> {
  const { state, config } = run;
  state.phase = 'awaiting-review';
  state.pendingReview = { milestone, attempt, stepKey, reason };
  const marked = markCampaignStatus('awaiting-review');
  await decide(run, {
    kind: 'review-requested',
    milestone,
    attempt,
    message: `review requested for ${stepKey}: ${reason} (timeout ${config.policy.review.timeout}, then ${config.policy.review.onTimeout})`,
  });
  const reviewed = await condition(
    () => run.pendingReviewInput !== null || run.abortRequest !== null,
    durationMs(config.policy.review.timeout),
  );
  const aborted = run.abortRequest;
  const taken = run.pendingReviewInput;
  const review: ReviewInput =
    reviewed && taken
      ? taken
      : aborted
        ? { reviewer: aborted.by ?? 'abort', reason: `campaign aborted: ${aborted.reason}`, action: 'reject' }
        : {
            reviewer: 'policy',
            reason: `no review within ${config.policy.review.timeout}`,
            action: config.policy.review.onTimeout,
          };
  run.pendingReviewInput = null;
  state.pendingReview = null;
  state.phase = 'milestone';
  if (marked) markCampaignStatus('running');
  await decide(run, {
    kind: 'review',
    milestone,
    attempt,
    message: `review of ${stepKey} by ${review.reviewer}: ${review.action}${review.sparsity !== undefined ? ` sparsity ${review.sparsity}` : ''}${review.epsilon !== undefined ? ` ε ${review.epsilon}` : ''} — ${review.reason}`,
    review,
  });
  return review;
}
