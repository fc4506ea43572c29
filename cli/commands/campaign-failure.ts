// Why a closed campaign did not complete, in the words of the step that failed (not Temporal's wrappers).
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  TemporalFailure,
  WorkflowFailedError,
} from '@temporalio/client';

/** Why a campaign did not complete, from the failure's cause chain rather than the client's wrappers. */
export interface CampaignFailure {
  /** The innermost message: what the failing step said (e.g. a DataError naming the column and the fix). */
  message: string;
  /** The failure's type: an ApplicationFailure's type (DataError, GateFailed, …) or the Temporal failure's kind. */
  type: string | null;
  /** The activity that failed, when an activity did. */
  activity: string | null;
  /** One line: `prepareDataset failed (DataError): …`. */
  text: string;
}

/**
 * Walks WorkflowFailedError → ActivityFailure → ApplicationFailure (and child workflows) to the innermost failure:
 * the wrappers only say "Activity task failed", the step's own message says which column is missing and how to fix it.
 */
export function campaignFailure(err: unknown): CampaignFailure {
  const isWrapper = (node: Error) => node instanceof ActivityFailure || node instanceof ChildWorkflowFailure;
  let activity: string | null = null;
  let type: string | null = null;
  let innermost: Error = err instanceof Error ? err : new Error(String(err));
  let node: unknown = err instanceof WorkflowFailedError ? err.cause : err;
  while (node instanceof Error) {
    if (node instanceof ActivityFailure) activity = node.activityType;
    if (!isWrapper(node)) innermost = node;
    // An activity's ApplicationFailure carries the type; its cause, the original error, the plainest message.
    if (node instanceof ApplicationFailure && node.type) type = node.type;
    else if (type === null && node instanceof TemporalFailure && !isWrapper(node)) type = node.name;
    if (!(node instanceof TemporalFailure) || node.cause === undefined) break;
    node = node.cause;
  }
  const text = `${activity ? `${activity} failed` : 'failed'}${type ? ` (${type})` : ''}: ${innermost.message}`;
  return { message: innermost.message, type, activity, text };
}

/** The reason a campaign did not complete, in one line (see campaignFailure). */
export function closedReason(err: unknown): string {
  return campaignFailure(err).text;
}
