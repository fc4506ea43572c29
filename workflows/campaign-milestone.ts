// One milestone of the campaign: prune (or regrow) → fine-tune → evaluate → gate, and after a failed gate the
// compensating rollback to the last good model followed by the policy's next attempt (bisect, constrained
// fine-tuning, regrow, or a human review) until an attempt passes, the retries run out, or an abort arrives.
import { CancellationScope, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { durationMs, type RetryStrategy } from '../core/config/campaign.ts';
import type {
  CheckpointRef,
  FinetuneOutput,
  GateStatus,
  MetricSummary,
  PruneOutput,
  ReviewInput,
} from '../core/campaign/contracts.ts';
import { searchAttributes, type MilestoneRecord } from './campaign-api.ts';
import { awaitReview } from './campaign-review.ts';
import {
  abortRequested,
  decide,
  describeSummary,
  evaluateAndGate,
  gateDigest,
  gateReason,
  round4,
  type CampaignRun,
} from './campaign-run.ts';

/** Runs milestone k's attempts; true when one was accepted (by its gate or a reviewer). */
export async function runMilestone(run: CampaignRun, k: number): Promise<boolean> {
  const { state, config, targets, campaignId, prefix, identity } = run;
  const { heavy } = run.proxies;
  const policy = config.policy;
  const dataset = run.dataset!;
  const baseline = run.baseline!;
  state.phase = 'milestone';
  state.milestone = k;
  let target = round4(targets[k - 1]!);
  let constrained = config.compression.finetune.constrained;
  let epsilon = config.compression.finetune.epsilon;
  let regrowFrom: CheckpointRef | null = null;
  let accepted = false;

  for (let attempt = 0; !accepted; attempt++) {
    if (await abortRequested(run)) break;
    state.attempt = attempt;
    state.targetSparsity = target;
    const stepBase = `milestone-${k}/attempt-${attempt}`;
    upsertSearchAttributes([
      { key: searchAttributes.milestone, value: k },
      { key: searchAttributes.sparsity, value: target },
    ]);

    // prune (or regrow connections of the rejected candidate)
    state.currentStep = `${stepBase}/prune`;
    const pruned: PruneOutput = regrowFrom
      ? await heavy.regrow({
          ...identity(`${stepBase}/regrow`),
          dataset,
          from: regrowFrom,
          baseline: baseline.checkpoint,
          fraction: policy.regrowFraction,
        })
      : await heavy.prune({
          ...identity(`${stepBase}/prune`),
          dataset,
          from: state.lastGood!.checkpoint,
          criterion: config.compression.criterion,
          targetSparsity: target,
        });
    regrowFrom = null;
    await decide(run, {
      kind: 'prune',
      milestone: k,
      attempt,
      targetSparsity: target,
      message: `${pruned.checkpoint.stepKey}: ${config.compression.criterion} to ${(pruned.checkpoint.sparsity * 100).toFixed(2)}% sparsity (target ${(target * 100).toFixed(2)}%); ${pruned.layers.map((l) => `${l.name} ${(l.sparsity * 100).toFixed(1)}%`).join(', ')}`,
      checkpoint: pruned.checkpoint,
    });

    state.currentStep = `${stepBase}/finetune`;
    const tuned: FinetuneOutput = await heavy.finetune({
      ...identity(`${stepBase}/finetune`),
      dataset,
      from: pruned.checkpoint,
      reference: baseline.checkpoint,
      plan: { ...config.compression.finetune, epsilon },
      constrained,
    });
    run.checkpoints.push(tuned.checkpoint);

    const { evaluated, gate } = await evaluateAndGate(run, stepBase, tuned.checkpoint, 'all');
    upsertSearchAttributes([{ key: searchAttributes.gateStatus, value: gate.decision.status }]);
    const record: MilestoneRecord = {
      milestone: k,
      attempt,
      stepKey: stepBase,
      targetSparsity: target,
      achievedSparsity: tuned.checkpoint.sparsity,
      constrained,
      status: gate.decision.status,
      reason: gateReason(gate),
      summary: evaluated.summary,
      resumedFromEpoch: tuned.resumedFromEpoch,
    };
    state.attempts.push(record);
    await decide(run, {
      kind: 'gate',
      milestone: k,
      attempt,
      targetSparsity: target,
      message: `${stepBase}: fine-tuned ${tuned.epochsRun} epochs${constrained ? ` with fairness constraints (ε ${epsilon})` : ''}${tuned.resumedFromEpoch > 0 ? `, resumed at epoch ${tuned.resumedFromEpoch}` : ''}; ${describeSummary(evaluated.summary)}; gate ${gate.decision.status}`,
      checkpoint: tuned.checkpoint,
      gate: gateDigest(gate),
      summary: evaluated.summary,
    });

    const candidate: Candidate = { milestone: k, attempt, targetSparsity: target, tuned, summary: evaluated.summary };
    if (gate.decision.status === 'pass') {
      await acceptCandidate(run, candidate);
      accepted = true;
      break;
    }

    // ---- compensation: roll back to the last good model; the candidate stays, marked rejected ----
    await CancellationScope.nonCancellable(async () => {
      await run.bookkeeping().markRejected({
        campaignId,
        prefix,
        candidate: tuned.checkpoint,
        reason: gateReason(gate),
      });
      state.rejected.push(tuned.checkpoint.stepKey);
      await decide(run, {
        kind: 'rollback',
        milestone: k,
        attempt,
        targetSparsity: target,
        message: `gate ${gate.decision.status} for ${stepBase}: rolled back to ${state.lastGood!.checkpoint.stepKey} (${(state.lastGood!.checkpoint.sparsity * 100).toFixed(2)}% sparsity); candidate kept and marked rejected`,
        checkpoint: state.lastGood!.checkpoint,
      });
    });

    if (attempt >= policy.retriesPerMilestone) {
      state.stopReason = `milestone ${k}: no passing model after ${attempt + 1} attempts (last gate: ${gateReason(gate)})`;
      break;
    }
    const strategy: RetryStrategy = policy.onFail[Math.min(attempt, policy.onFail.length - 1)]!;
    await sleep(durationMs(policy.backoff));

    if (strategy === 'review') {
      const outcome = await awaitReview(run, k, attempt, stepBase, gateReason(gate));
      if (outcome.action === 'approve') {
        // A reviewer's override: the gate's rejection note stays beside the candidate, for the record.
        await acceptCandidate(run, candidate, { review: outcome, gate: gate.decision.status });
        accepted = true;
        break;
      }
      if (outcome.action === 'reject') {
        state.stopReason = `milestone ${k}: reviewer ${outcome.reviewer} rejected (${outcome.reason})`;
        break;
      }
      if (outcome.sparsity !== undefined) target = round4(outcome.sparsity);
      if (outcome.epsilon !== undefined) {
        epsilon = outcome.epsilon;
        constrained = true;
      }
    } else if (strategy === 'constrained') {
      constrained = true;
    } else if (strategy === 'bisect') {
      target = round4((state.lastGood!.checkpoint.sparsity + target) / 2);
    } else {
      regrowFrom = tuned.checkpoint;
    }
    await decide(run, {
      kind: 'retry',
      milestone: k,
      attempt: attempt + 1,
      targetSparsity: target,
      message: `retry ${attempt + 1} of milestone ${k} by "${strategy}": target ${(target * 100).toFixed(2)}%${constrained ? `, constrained fine-tuning (ε ${epsilon})` : ''}${strategy === 'regrow' ? `, regrowing ${(policy.regrowFraction * 100).toFixed(0)}% of the pruned weights` : ''}`,
    });
  }
  return accepted;
}

/** One attempt's fine-tuned candidate, as the accept decision names it. */
interface Candidate {
  milestone: number;
  attempt: number;
  targetSparsity: number;
  tuned: FinetuneOutput;
  summary: MetricSummary;
}

/**
 * Makes the candidate the new last good model and logs the accept decision: because its gate passed, or (with
 * `approval`) because a reviewer approved it despite its gate.
 */
async function acceptCandidate(
  run: CampaignRun,
  candidate: Candidate,
  approval?: { review: ReviewInput; gate: GateStatus },
): Promise<void> {
  const { milestone, attempt, targetSparsity, tuned, summary } = candidate;
  const { checkpoint } = tuned;
  run.state.lastGood = {
    checkpoint,
    milestone,
    summary,
    ...(approval === undefined ? {} : { approvedBy: approval.review.reviewer }),
  };
  const how =
    approval === undefined
      ? `at ${(checkpoint.sparsity * 100).toFixed(2)}% sparsity`
      : `by reviewer ${approval.review.reviewer} despite gate ${approval.gate}`;
  await decide(run, {
    kind: 'accept',
    milestone,
    attempt,
    targetSparsity,
    message: `milestone ${milestone} accepted ${how}: ${checkpoint.stepKey} is the new last good model`,
    checkpoint,
    ...(approval === undefined ? {} : { review: approval.review }),
  });
}
