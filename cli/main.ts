// The `fairshrink` command. Each subcommand lives in cli/commands/ and returns its exit code:
// 0 success (or gate passed), 1 failure (or gate failed), 2 bad usage or input.
import { EXIT, processIo, reportError, UsageError, type CliIo } from './io.ts';

type Run = (...args: unknown[]) => number | Promise<number>;

// Each command: [summary for --help, its module under cli/commands/, the function it exports, the arguments that
// function takes before argv, io and the context]. A module is imported only when its command runs: `--help`
// and `evaluate` must not load tfjs, the AWS SDK, Temporal or vega (start-up budget, see docs/cli.md).
// tests/unit/cli/command-table.test.ts checks that every entry names a function that exists.
type Entry = [summary: string, module: string, fn: string, ...leading: string[]];
export const COMMANDS: Record<string, Entry> = {
  setup: [
    'install the pinned tools; --backend tensorflow[-gpu] builds the native TensorFlow backend',
    'setup',
    'setupCommand',
  ],
  up: ['start the local Temporal dev server and S3', 'stack', 'stackCommand', 'up'],
  down: ['stop the local stack (data is kept)', 'stack', 'stackCommand', 'down'],
  status: ['health of the local stack, or with <campaignId> a campaign summary', 'status', 'statusCommand'],
  watch: ['follow a campaign live until it ends (exit code = its result)', 'watch', 'watchCommand'],
  list: ['campaigns from Temporal visibility (--query, --limit)', 'list', 'listCommand'],
  review: ['approve | reject | adjust a campaign waiting for review', 'control', 'reviewCommand'],
  pause: ['pause a campaign at the next step boundary', 'control', 'controlCommand', 'pause'],
  resume: ['resume a paused campaign', 'control', 'controlCommand', 'resume'],
  abort: ['stop a campaign at its last good model (--reason)', 'control', 'controlCommand', 'abort'],
  history: ["export a campaign's workflow history as JSON", 'history', 'historyCommand'],
  replay: ['replay a history file against the current workflow code', 'history', 'replayCommand'],
  audit: ['write (audit <id> --out dir) or check (audit verify dir) an audit bundle', 'audit', 'auditCommand'],
  promote: ["put a finished campaign's model into service as a deployment's next version", 'deploy', 'promoteCommand'],
  monitor: [
    're-audit a deployment and roll back on failure (add-batch|run|schedule|status)',
    'monitor',
    'monitorCommand',
  ],
  demo: ['run the demo campaign (UCI Adult, 4 gated milestones, int8) on the local stack', 'demo', 'demoCommand'],
  evaluate: ['fairness report (and rubric gate) for a predictions CSV', 'evaluate', 'evaluateCommand'],
  export: ['check an export package (export verify | inspect <path>, or --campaign <id>)', 'export', 'exportCommand'],
  report: ['render a campaign report (HTML) from S3 and write it locally', 'report', 'reportCommand'],
  dashboard: ['serve an index of campaigns with their reports and Temporal UI links', 'dashboard', 'dashboardCommand'],
  run: ['validate a campaign file and start the campaign', 'run', 'runCommand'],
  study: ['run data sets × sparsities × arms × seeds as one study; study status <id>', 'study', 'studyCommand'],
  worker: ['run a worker (compute in a forked process unless --single-process)', 'worker', 'workerCommand'],
};

/** The function behind a command, imported on first use. */
export async function commandFunction(name: string): Promise<Run> {
  const [, module, fn, ...leading] = COMMANDS[name]!;
  const exports = (await import(`./commands/${module}.ts`)) as Record<string, unknown>;
  const run = exports[fn];
  if (typeof run !== 'function') throw new Error(`cli/commands/${module}.ts does not export ${fn}`);
  return (...args: unknown[]) => (run as Run)(...leading, ...args);
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'fairshrink: compression campaigns that keep fairness constraints intact',
    '',
    'Usage: fairshrink <command> [flags]     (every command takes --help, --json and --verbose)',
    '',
    ...Object.entries(COMMANDS).map(([name, [summary]]) => `  ${name.padEnd(width)}  ${summary}`),
    '',
    'Exit codes: 0 success, 1 failure (or a failed gate), 2 bad usage or input.',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  // We pin the AWS SDK in package-lock.json; its notice about future releases needing Node 22 is
  // for `npm update`, not for every command's output (see README, Requirements).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const verbose = argv.includes('--verbose');
  const args = argv.filter((a) => a !== '--verbose');
  const [name, ...rest] = args;
  if (name === 'help' && rest[0] && Object.hasOwn(COMMANDS, rest[0])) return main([rest[0], '--help'], io);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name ? EXIT.ok : EXIT.usage;
  }
  try {
    if (!Object.hasOwn(COMMANDS, name))
      throw new UsageError(`unknown command "${name}"`, `run \`fairshrink --help\` for the list of commands`);
    return await (
      await commandFunction(name)
    )(rest, io, { verbose });
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      return reportError(io, new UsageError((err as Error).message, `run \`fairshrink ${name} --help\``), verbose);
    }
    return reportError(io, err, verbose);
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  process.exitCode = await main(process.argv.slice(2));
}
