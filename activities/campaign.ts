// Campaign activities: thin Temporal adapters over core/campaign's steps. They pass the store,
// turn step progress into heartbeats, resume a retried step from its last heartbeat, and map
// errors that retrying cannot fix to non-retryable failures with a type the workflow knows.
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { z } from 'zod';
import * as steps from '../core/campaign/index.ts';
import type { StepProgress } from '../core/campaign/contracts.ts';
import { ArtifactConflictError, ArtifactIntegrityError, InvalidObjectKeyError } from '../core/storage/index.ts';
import type { ArtifactStore } from '../core/storage/index.ts';
import { parseTestFault, TEST_FAULT_VARIABLE, withTestFault } from './faults.ts';

/** Errors no retry can fix: bad data, bad config, conflicting or corrupted artifacts. */
export function toActivityFailure(step: string, err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  const error = err instanceof Error ? err : new Error(String(err));
  const nonRetryable = (type: string, message = error.message) =>
    ApplicationFailure.create({ message: `${step}: ${message}`, type, nonRetryable: true, cause: error });
  if (error instanceof z.ZodError) return nonRetryable('InvalidInput', z.prettifyError(error));
  if (error instanceof InvalidObjectKeyError) return nonRetryable('InvalidInput');
  if (error.name === 'DataError') return nonRetryable('DataError');
  if (
    [
      'RubricError',
      'FairnessInputError',
      'ModelImportError',
      'CampaignInputError',
      'DeploymentError',
      'ExportFormatError',
    ].includes(error.name)
  ) {
    return nonRetryable('InvalidInput');
  }
  // The step saw its cancellation signal: report it as such, so Temporal records a cancellation.
  if (error.name === 'StepAbortedError') return new CancelledFailure(`${step}: ${error.message}`);
  if (error instanceof ArtifactConflictError) return nonRetryable('ArtifactConflict');
  if (error instanceof ArtifactIntegrityError) return nonRetryable('ArtifactIntegrity');
  return error;
}

type Step<I, O> = (input: I, ctx: steps.StepContext) => Promise<O>;

/** Well inside the shortest heartbeat timeout the workflows set (1 minute; tests use 5 s). */
const LIVENESS_HEARTBEAT_MS = 2_000;

export function createCampaignActivities(store: ArtifactStore) {
  const fault = parseTestFault(process.env[TEST_FAULT_VARIABLE]);
  function adapt<I, O>(name: string, step: Step<I, O>): (input: I) => Promise<O> {
    return async (input: I) => {
      const context = Context.current();
      const resume = context.info.heartbeatDetails as StepProgress | undefined;
      // Steps without epochs (prepareDataset, evaluate, ...) report no progress; this keeps a heartbeat going for
      // them, so a worker that dies mid-step is noticed within the heartbeat timeout. It re-sends the last
      // progress, never an empty heartbeat, which would drop the resume checkpoint a retry needs.
      let last: StepProgress | undefined = resume;
      const alive = setInterval(() => context.heartbeat(last), LIVENESS_HEARTBEAT_MS);
      try {
        return await step(input, {
          store,
          resume: resume?.checkpoint ? resume : undefined,
          onProgress: withTestFault(fault, name, context.info.attempt, (progress) => {
            last = progress;
            context.heartbeat(progress);
          }),
          signal: context.cancellationSignal,
        });
      } catch (err) {
        // Cancelled by the workflow (or the worker shutting down): rethrow the SDK's own reason.
        if (context.cancellationSignal.aborted && context.cancellationSignal.reason instanceof Error) {
          throw context.cancellationSignal.reason;
        }
        throw toActivityFailure(name, err);
      } finally {
        clearInterval(alive);
      }
    };
  }

  return {
    prepareDataset: adapt('prepareDataset', steps.prepareDataset),
    trainBaseline: adapt('trainBaseline', steps.trainBaseline),
    prune: adapt('prune', steps.prune),
    regrow: adapt('regrow', steps.regrow),
    finetune: adapt('finetune', steps.finetune),
    evaluate: adapt('evaluate', steps.evaluate),
    gate: adapt('gate', steps.gate),
    quantize: adapt('quantize', steps.quantize),
    exportModel: adapt('exportModel', steps.exportModel),
    appendDecision: adapt('appendDecision', steps.appendDecision),
    markRejected: adapt('markRejected', steps.markRejected),
    writeLineage: adapt('writeLineage', steps.writeLineage),
  };
}

export type CampaignActivities = ReturnType<typeof createCampaignActivities>;
