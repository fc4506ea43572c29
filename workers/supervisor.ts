// Keeps one forked Node process running for as long as its parent wants it: restarts it with back-off when it
// crashes, stops it gracefully (SIGTERM, then SIGKILL after a grace period) when asked. The child is forked detached,
// in its own process group, so a Ctrl-C at the terminal reaches only the parent, which decides how the child stops;
// the child exits by itself when the IPC channel to its parent closes (the parent died), see compute-process.ts.
import { fork, type ChildProcess } from 'node:child_process';

export interface Backoff {
  /** Delay before the first restart after a crash. */
  initialMs: number;
  /** Longest delay between restarts. */
  maxMs: number;
  /** A child that ran at least this long before crashing counts as healthy: the next delay starts over. */
  stableMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000, stableMs: 60_000 };

/** Delay before restarting after the `crashesInARow`-th crash in a row (1-based): doubling from initialMs, capped. */
export function restartDelayMs(crashesInARow: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  if (!Number.isInteger(crashesInARow) || crashesInARow < 1) {
    throw new RangeError(`crashesInARow must be a whole number >= 1, got ${crashesInARow}`);
  }
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(crashesInARow - 1, 30));
}

export interface SupervisorOptions {
  /** What the log lines call the child, e.g. "compute process". */
  name: string;
  /** The module to fork. */
  entry: string;
  execArgv: string[];
  env: NodeJS.ProcessEnv;
  /** One line per start, crash, restart and stop. */
  log: (line: string) => void;
  backoff?: Backoff;
  /** After SIGTERM, how long the child gets to finish before SIGKILL. */
  stopTimeoutMs: number;
  /** Called with each message the child sends over IPC. */
  onMessage?: (message: unknown, pid: number) => void;
}

export interface Supervisor {
  /** The running child's pid (undefined between a crash and its restart). */
  pid: () => number | undefined;
  /** Every pid started so far, oldest first. */
  pids: () => number[];
  /** Stop restarting; SIGTERM the child and wait until it exited (SIGKILL after stopTimeoutMs). Idempotent. */
  stop: () => Promise<void>;
  /** SIGKILL the child now and stop restarting (a second Ctrl-C). */
  kill: () => void;
}

export function superviseChild(options: SupervisorOptions): Supervisor {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  let child: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let crashesInARow = 0;
  const started: number[] = [];

  const start = () => {
    const startedAt = Date.now();
    const current = fork(options.entry, [], {
      execArgv: options.execArgv,
      env: options.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      detached: true,
    });
    child = current;
    if (current.pid !== undefined) started.push(current.pid);
    options.log(`${options.name} ${current.pid ?? '(no pid)'} started`);
    current.on('message', (message) => options.onMessage?.(message, current.pid ?? -1));
    current.on('error', (err) => options.log(`${options.name} ${current.pid ?? '(no pid)'}: ${err.message}`));
    current.once('exit', (code, signal) => {
      if (child === current) child = undefined;
      if (stopping) return;
      const ranMs = Date.now() - startedAt;
      crashesInARow = ranMs >= backoff.stableMs ? 1 : crashesInARow + 1;
      const delay = restartDelayMs(crashesInARow, backoff);
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      options.log(
        `${options.name} ${current.pid} ${how} after ${(ranMs / 1000).toFixed(1)} s; restarting in ${(delay / 1000).toFixed(1)} s (crash ${crashesInARow} in a row)`,
      );
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        if (!stopping) start();
      }, delay);
    });
  };

  const stop = (): Promise<void> => {
    stopping ??= new Promise<void>((resolve) => {
      if (restartTimer) clearTimeout(restartTimer);
      const current = child;
      if (!current || current.exitCode !== null || current.signalCode !== null) {
        resolve();
        return;
      }
      const forceTimer = setTimeout(() => {
        options.log(`${options.name} ${current.pid} did not stop within ${options.stopTimeoutMs / 1000} s; killing it`);
        current.kill('SIGKILL');
      }, options.stopTimeoutMs);
      current.once('exit', () => {
        clearTimeout(forceTimer);
        options.log(`${options.name} ${current.pid} stopped`);
        resolve();
      });
      current.kill('SIGTERM');
    });
    return stopping;
  };

  const kill = () => {
    void stop();
    child?.kill('SIGKILL');
  };

  start();
  return { pid: () => child?.pid, pids: () => [...started], stop, kill };
}
