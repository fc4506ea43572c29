// How `fairshrink watch` rides out a lost contact: which failures are transient (Temporal or S3 briefly
// unreachable, a query that times out), and the backing-off retry that tells an outage once.
import { TemporalFailure, WorkflowFailedError } from '@temporalio/client';
import type { WatchPrinter } from './watch-printer.ts';

const TRANSIENT_GRPC_CODES = new Set([
  1, // CANCELLED
  4, // DEADLINE_EXCEEDED
  8, // RESOURCE_EXHAUSTED
  14, // UNAVAILABLE
]);
// gRPC status names are upper case in messages ("14 UNAVAILABLE: …"); matching them case-sensitively keeps a
// campaign's own "Workflow execution cancelled" out.
const TRANSIENT_MESSAGE =
  /Failed to query Workflow|\b(UNAVAILABLE|DEADLINE_EXCEEDED|CANCELLED|RESOURCE_EXHAUSTED|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT)\b|socket hang up/;

/**
 * Whether a poll failed for a reason that passes: the server or the connection to it, not the campaign. The client
 * wraps gRPC errors (a query's `ServiceError: Failed to query Workflow` has the gRPC status as its cause), so the
 * whole cause chain is checked; a failure of the workflow itself (WorkflowFailedError, a TemporalFailure) never is.
 */
export function isTransientFailure(err: unknown): boolean {
  for (let node = err, depth = 0; node instanceof Error && depth < 8; depth++) {
    if (node instanceof WorkflowFailedError || node instanceof TemporalFailure) return false;
    const code = (node as { code?: unknown }).code;
    if (typeof code === 'number' && TRANSIENT_GRPC_CODES.has(code)) return true;
    if (typeof code === 'string' && TRANSIENT_MESSAGE.test(code)) return true;
    if (TRANSIENT_MESSAGE.test(node.message)) return true;
    node = node.cause;
  }
  return false;
}

/** How long to wait after the n-th failure in a row: the poll interval doubled each time, at most 15 s. */
export const retryDelayMs = (intervalMs: number, failures: number): number =>
  Math.min(15_000, intervalMs * 2 ** Math.min(failures, 10));

/**
 * Runs each poll of a watch; a transient failure is told once per outage (and when contact is back), then the
 * poll is tried again after a growing pause, for as long as it takes: the campaign runs on without us.
 */
export class ContactKeeper {
  private failures = 0;
  constructor(
    private readonly printer: WatchPrinter,
    private readonly intervalMs: number,
  ) {}

  async poll<T>(call: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const value = await call();
        if (this.failures > 0) {
          this.printer.event({ type: 'notice', message: 'back in contact with Temporal; still following' });
          this.failures = 0;
        }
        return value;
      } catch (err) {
        if (!isTransientFailure(err)) throw err;
        const delay = retryDelayMs(this.intervalMs, this.failures);
        if (this.failures === 0) {
          const why = firstLine(err);
          this.printer.event({
            type: 'notice',
            message: `lost contact with Temporal (${why}); the campaign goes on without us, retrying with back-off and still following`,
          });
        }
        this.failures++;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}

/** The innermost message of an error's cause chain, first line only. */
export function firstLine(err: unknown): string {
  let node = err;
  while (node instanceof Error && node.cause instanceof Error) node = node.cause;
  return (node instanceof Error ? node.message : String(node)).split('\n')[0]!;
}
