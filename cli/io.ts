// Output helpers shared by commands: one-line errors with a hint, stack traces only with --verbose.
import { parseArgs, type ParseArgsConfig } from 'node:util';
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** Exit codes every command uses. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function reportError(io: CliIo, err: unknown, verbose: boolean): number {
  const error = err instanceof Error ? err : new Error(String(err));
  io.stderr(`error: ${error.message.split('\n')[0]}`);
  const rest = error.message.split('\n').slice(1).join('\n');
  if (rest) io.stderr(rest);
  if (error instanceof UsageError && error.hint) io.stderr(`hint: ${error.hint}`);
  if (verbose && error.stack) io.stderr(error.stack);
  else if (!(error instanceof UsageError)) io.stderr('hint: run again with --verbose for the stack trace');
  return error instanceof UsageError ? EXIT.usage : EXIT.failed;
}

/** node:util parseArgs with the command's name in the hint when a flag is unknown or malformed. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: T,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError((err as Error).message, `run \`fairshrink ${command} --help\``);
    }
    throw err;
  }
}
