// What an activity hands a compute step in core/ (a campaign step or a deployment audit): the store, where to
// heartbeat, the resume point of an earlier attempt, and cancellation; and the error for input no retry can fix.
import type { BlobStore } from '../storage/blob-store.ts';
import type { ArtifactRef } from '../storage/ref.ts';

/** Progress a long step heartbeats; on a retry, the step resumes from `checkpoint`. */
export interface StepProgress {
  stepKey: string;
  epoch: number;
  epochs: number;
  loss: number;
  /** Epoch checkpoint (weights + optimizer state) the step can resume from. */
  checkpoint?: ArtifactRef;
}

export interface StepContext {
  store: BlobStore;
  /** Heartbeat sink: after every epoch (with an epoch checkpoint) and about once a second in between. */
  onProgress?: (p: StepProgress) => void | Promise<void>;
  /** The last heartbeat of a previous attempt of this step; a step with epochs continues after `resume.epoch`. */
  resume?: StepProgress;
  signal?: AbortSignal;
}

/** Thrown for input a retry cannot fix (the activity adapter maps it to a non-retryable failure). */
export class CampaignInputError extends Error {
  override name = 'CampaignInputError';
}
