// The `fairshrink` command. Each subcommand lives in cli/commands/ and returns its exit code:
// 0 success (or gate passed), 1 failure (or gate failed), 2 bad usage or input.
import { EXIT, processIo, reportError, UsageError, type CliIo } from './io.ts';

interface Command {
  summary: string;
  run: (argv: string[], io: CliIo, context: { verbose: boolean }) => Promise<number>;
}

// Every command module is imported only when that command runs: `--help` and `evaluate` must not load
// tfjs, the AWS SDK, Temporal or vega (start-up budget, see docs/cli.md).
async function stackCommand(action: 'up' | 'down' | 'status', argv: string[], io: CliIo): Promise<number> {
  return (await import('./commands/stack.ts')).stackCommand(action, argv, io);
}

async function evaluate(argv: string[], io: CliIo): Promise<number> {
  const module = await import('./commands/evaluate.ts');
  return module.evaluateCommand(argv, io);
}

const WORKER_HELP = `fairshrink worker [--single-process]

Run a worker against TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE until SIGINT or SIGTERM.

By default this process runs the workflows and their bookkeeping steps and answers queries, and it
forks a compute process for every regular activity (training, pruning, fine-tuning, evaluation,
quantization, the dashboard render), restarted with back-off when it crashes and gone when this
process dies. So \`state\` queries and workflow tasks never wait for tfjs (docs/architecture.md,
worker layout).

  --single-process   run everything in this one process instead (one event loop: while tfjs
                     computes, workflow tasks and queries wait for it)
  --fork-compute     the default layout, named explicitly (kept for scripts written before it was)

Environment: FAIRSHRINK_TASK_QUEUE, FAIRSHRINK_COMPUTE_TASK_QUEUE, FAIRSHRINK_WORKER_ROLES,
FAIRSHRINK_ACTIVITY_CONCURRENCY (docs/cli.md, worker).`;

const commands: Record<string, Command> = {
  setup: {
    summary: 'install the pinned tools; --backend tensorflow[-gpu] builds the native TensorFlow backend',
    run: async (a, io) => (await import('./commands/setup.ts')).setupCommand(a, io),
  },
  up: { summary: 'start the local Temporal dev server and S3', run: (a, io) => stackCommand('up', a, io) },
  down: { summary: 'stop the local stack (data is kept)', run: (a, io) => stackCommand('down', a, io) },
  status: {
    summary: 'health of the local stack, or with <campaignId> a campaign summary',
    run: async (a, io, ctx) =>
      a.some((x) => !x.startsWith('-'))
        ? (await import('./commands/campaign-status.ts')).campaignStatusCommand(a, io, ctx)
        : stackCommand('status', a, io),
  },
  watch: {
    summary: 'follow a campaign live until it ends (exit code = its result)',
    run: async (a, io, ctx) => (await import('./commands/watch.ts')).watchCommand(a, io, ctx),
  },
  list: {
    summary: 'campaigns from Temporal visibility (--query, --limit)',
    run: async (a, io, ctx) => (await import('./commands/list.ts')).listCommand(a, io, ctx),
  },
  review: {
    summary: 'approve | reject | adjust a campaign waiting for review',
    run: async (a, io, ctx) => (await import('./commands/control.ts')).reviewCommand(a, io, ctx),
  },
  pause: {
    summary: 'pause a campaign at the next step boundary',
    run: async (a, io, ctx) => (await import('./commands/control.ts')).controlCommand('pause', a, io, ctx),
  },
  resume: {
    summary: 'resume a paused campaign',
    run: async (a, io, ctx) => (await import('./commands/control.ts')).controlCommand('resume', a, io, ctx),
  },
  abort: {
    summary: 'stop a campaign at its last good model (--reason)',
    run: async (a, io, ctx) => (await import('./commands/control.ts')).controlCommand('abort', a, io, ctx),
  },
  history: {
    summary: "export a campaign's workflow history as JSON",
    run: async (a, io, ctx) => (await import('./commands/history.ts')).historyCommand(a, io, ctx),
  },
  replay: {
    summary: 'replay a history file against the current workflow code',
    run: async (a, io, ctx) => (await import('./commands/history.ts')).replayCommand(a, io, ctx),
  },
  audit: {
    summary: 'write (audit <id> --out dir) or check (audit verify dir) an audit bundle',
    run: async (a, io, ctx) => (await import('./commands/audit.ts')).auditCommand(a, io, ctx),
  },
  promote: {
    summary: "put a finished campaign's model into service as the next version of a deployment",
    run: async (a, io, ctx) => (await import('./commands/deploy.ts')).promoteCommand(a, io, ctx),
  },
  monitor: {
    summary: 're-audit a deployment (add-batch | run | schedule | unschedule | status), rolling back on failure',
    run: async (a, io, ctx) => (await import('./commands/monitor.ts')).monitorCommand(a, io, ctx),
  },
  demo: {
    summary: 'run the demo campaign (UCI Adult, 4 gated milestones, int8) on the local stack',
    run: async (a, io, ctx) => (await import('./commands/demo.ts')).demoCommand(a, io, ctx),
  },
  evaluate: { summary: 'fairness report (and rubric gate) for a predictions CSV', run: evaluate },
  export: {
    summary: 'check an export package (export verify | inspect <path>, or --campaign <id>)',
    run: async (a, io) => (await import('./commands/export.ts')).exportCommand(a, io),
  },
  report: {
    summary: 'render a campaign report (HTML) from S3 and write it locally',
    run: async (a, io) => (await import('./commands/report.ts')).reportCommand(a, io),
  },
  dashboard: {
    summary: 'serve an index of campaigns with their reports and Temporal UI links',
    run: async (a, io) => (await import('./commands/dashboard.ts')).dashboardCommand(a, io),
  },
  run: {
    summary: 'validate a campaign file and start the campaign',
    run: async (argv, io) => (await import('./commands/run.ts')).runCommand(argv, io),
  },
  worker: {
    summary:
      'run a worker (compute activities in a forked process unless --single-process; task queue from FAIRSHRINK_TASK_QUEUE)',
    run: async (argv, io) => {
      const { parseArgs } = await import('node:util');
      const { values } = parseArgs({
        args: argv,
        options: {
          help: { type: 'boolean', short: 'h' },
          'single-process': { type: 'boolean' },
          'fork-compute': { type: 'boolean' },
        },
        allowPositionals: false,
      });
      if (values.help) {
        io.stdout(WORKER_HELP);
        return EXIT.ok;
      }
      if (values['single-process'] && values['fork-compute']) {
        io.stderr('error: --single-process and --fork-compute: choose one worker layout (forked is the default)');
        return EXIT.usage;
      }
      const { runWorker } = await import('../workers/main.ts');
      await runWorker(process.env, { layout: values['single-process'] ? 'single-process' : 'forked' });
      return EXIT.ok;
    },
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  return [
    'fairshrink: compression campaigns that keep fairness constraints intact',
    '',
    'Usage: fairshrink <command> [flags]     (every command takes --help, --json and --verbose)',
    '',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
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
  if (name === 'help' && rest[0] && commands[rest[0]]) return main([rest[0], '--help'], io);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = commands[name];
  try {
    if (!command)
      throw new UsageError(`unknown command "${name}"`, `run \`fairshrink --help\` for the list of commands`);
    return await command.run(rest, io, { verbose });
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
