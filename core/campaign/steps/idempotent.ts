// The idempotency wrapper every campaign step runs inside, and the input checks the steps share. Steps are
// idempotent (a complete, verified result.json is reused), deterministic (seeds only via
// deriveSeed(seed, stepKey, purpose)), and run their tfjs work through the process's tfjs queue.
import { ensureBackend } from '../../model/backend.ts';
import { tfExclusive } from '../../model/exclusive.ts';
import { putJson } from '../../storage/json.ts';
import { completedResult, stepDir, validateStepKey } from '../../storage/layout.ts';
import { CampaignInputError, type StepContext } from '../../step/context.ts';
import type { StepIdentity } from '../contracts.ts';

const RESULT = 'result.json';

/** Runs `compute` unless `<stepDir>/result.json` holds a verified earlier result; writes result.json last. */
export async function idempotent<T>(ctx: StepContext, step: StepIdentity, compute: () => Promise<T>): Promise<T> {
  const { store } = ctx;
  const key = `${stepDir(step)}/${RESULT}`;
  const done = await completedResult<T>(store, key);
  if (done !== undefined) return done;
  // A result.json that is there but names an object that no longer verifies is replaced: the re-run regenerates the
  // objects byte for byte, but the result also says how that attempt ran (e.g. the epoch it resumed from), which a
  // recovery may change (the fault suite's damaged fine-tuning output failed on an immutable rewrite).
  const stale = (await store.head(key)) !== undefined;
  await ensureBackend();
  const result = await tfExclusive(step.stepKey, ctx, compute);
  await putJson(store, key, result, stale ? 'mutable' : 'immutable');
  return result;
}

export function checkIdentity(input: { stepKey: string; seed: number }): void {
  validateStepKey(input.stepKey);
  if (!Number.isInteger(input.seed)) throw new CampaignInputError(`seed must be an integer, got ${input.seed}`);
}

export function checkSparsity(what: string, s: number): void {
  if (!(s >= 0 && s < 1)) throw new CampaignInputError(`${what} must be in [0, 1), got ${s}`);
}
