// Test-only fault injection for worker processes, switched on by one environment variable and inert otherwise.
// Crash tests need a crash point that is a fact, not a race: "the worker died after the server recorded an epoch
// checkpoint of step X". Killing the worker at a wall-clock moment races the SDK's heartbeat throttling; pausing the
// step right after its checkpointed heartbeat, until the test has seen that heartbeat on the server and kills the
// process, does not.
//
//   FAIRSHRINK_TEST_FAULT=pause-after-checkpoint:<activity>:<epoch>
//     e.g. pause-after-checkpoint:finetune:1 — the first attempt of `finetune` that heartbeats a checkpoint of epoch
//     >= 1 stops training there, prints `fault: paused …` on stderr, and keeps re-sending that heartbeat every
//     second (so the server keeps the attempt alive and receives the checkpoint despite throttling) until the
//     process is killed.
import type { StepProgress } from '../core/campaign/contracts.ts';

export const TEST_FAULT_VARIABLE = 'FAIRSHRINK_TEST_FAULT';

export interface PauseAfterCheckpoint {
  kind: 'pause-after-checkpoint';
  activity: string;
  epoch: number;
}

export type TestFault = PauseAfterCheckpoint;

/** Parses the fault setting; throws on a malformed one so a mistyped test cannot silently run without its fault. */
export function parseTestFault(raw: string | undefined): TestFault | undefined {
  if (raw === undefined || raw === '') return undefined;
  const match = /^pause-after-checkpoint:([A-Za-z]+):(\d+)$/.exec(raw);
  if (match === null) {
    throw new Error(
      `${TEST_FAULT_VARIABLE}="${raw}" is not understood; use pause-after-checkpoint:<activity>:<epoch>, e.g. pause-after-checkpoint:finetune:1`,
    );
  }
  return { kind: 'pause-after-checkpoint', activity: match[1]!, epoch: Number(match[2]) };
}

const REBEAT_MS = 1000;

/**
 * Wraps an activity's progress callback with the configured fault. `send` delivers a heartbeat; the returned callback
 * behaves like `send` except at the fault point, where it never resolves (the step stops there) and re-sends the
 * checkpointed heartbeat every second.
 */
export function withTestFault(
  fault: TestFault | undefined,
  activity: string,
  attempt: number,
  send: (progress: StepProgress) => void,
): (progress: StepProgress) => Promise<void> {
  return async (progress) => {
    send(progress);
    if (
      fault === undefined ||
      fault.activity !== activity ||
      attempt !== 1 ||
      progress.checkpoint === undefined ||
      progress.epoch < fault.epoch
    ) {
      return;
    }
    process.stderr.write(`fault: paused ${activity} after the heartbeat of its epoch-${progress.epoch} checkpoint\n`);
    setInterval(() => send(progress), REBEAT_MS);
    await new Promise<never>(() => undefined);
  };
}
