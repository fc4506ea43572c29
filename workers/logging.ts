// Where the Temporal SDK's log goes in a command a person watches (`fairshrink demo`, `fairshrink worker`): every
// entry at info and above, from the TypeScript side and from the SDK's Rust core alike, into the worker log file
// as one JSON line; on the terminal only a warning that matters, once, in plain words with a pointer to the file.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

const SEVERITY: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/**
 * What a person can do about an SDK warning, by its code. Codes not listed stay in the log file: they describe the
 * SDK's own bookkeeping (poller restarts, eviction) that the campaign recovers from without help.
 */
const PLAIN_WORDS: { pattern: RegExp; words: (entry: LogEntry) => string }[] = [
  {
    // TMPRL1104: a workflow task ran longer than 5 s. Temporal times a workflow task out at 10 s and retries it.
    pattern: /TMPRL1104/,
    words: () =>
      'the worker is slow to run workflow code (a workflow task took over 5 s; Temporal retries one that takes over 10 s). ' +
      'The campaign goes on; a busy machine is the usual cause.',
  },
];

export interface WorkerLogOptions {
  /** The log file (created with its folder; appended to). */
  file: string;
  /** Lowest level written to the file (default INFO). */
  level?: LogLevel;
  /** Where the plain-words notes go (a command's stderr). */
  notify: (line: string) => void;
}

export interface WorkerLog {
  logger: DefaultLogger;
  close: () => Promise<void>;
}

/** A logger for Runtime.install that writes the worker log and tells the user what matters, once per kind. */
export function workerLog(options: WorkerLogOptions): WorkerLog {
  mkdirSync(path.dirname(options.file), { recursive: true });
  const stream: WriteStream = createWriteStream(options.file, { flags: 'a' });
  const told = new Set<string>();
  const level = options.level ?? 'INFO';
  const logger = new DefaultLogger(level, (entry) => {
    const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
    stream.write(`${JSON.stringify({ time, level: entry.level, message: entry.message, meta: entry.meta })}\n`);
    if (SEVERITY[entry.level] < SEVERITY.WARN) return;
    const known = PLAIN_WORDS.find((p) => p.pattern.test(entry.message));
    const kind = known ? known.pattern.source : entry.level === 'ERROR' ? entry.message : undefined;
    if (kind === undefined || told.has(kind)) return;
    told.add(kind);
    const words = known ? known.words(entry) : `the Temporal worker reported an error: ${entry.message.split('\n')[0]}`;
    options.notify(`note: ${words} Details: ${options.file}`);
  });
  return { logger, close: () => new Promise<void>((resolve) => stream.end(() => resolve())) };
}
