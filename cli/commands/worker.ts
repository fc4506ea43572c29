// `fairshrink worker`: the worker process (workers/main.ts), with its layout flags.
import { parseArgs } from 'node:util';
import { EXIT, type CliIo } from '../io.ts';

const WORKER_HELP = `fairshrink worker [--single-process | --compute-processes N]

Run a worker against TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE until SIGINT or SIGTERM.

By default this process runs the workflows and their bookkeeping steps and answers queries, and it
forks a compute process for every regular activity (training, pruning, fine-tuning, evaluation,
quantization, the dashboard render), restarted with back-off when it crashes and gone when this
process dies. So \`state\` queries and workflow tasks never wait for tfjs (docs/architecture.md,
worker layout).

  --compute-processes N
                     fork N compute processes (default 1, or FAIRSHRINK_COMPUTE_PROCESSES): tfjs
                     computes on its process's thread, so N processes run N activities side by
                     side, e.g. a study's cells on N cores
  --single-process   run everything in this one process instead (one event loop: while tfjs
                     computes, workflow tasks and queries wait for it)
  --fork-compute     the default layout, named explicitly (kept for scripts written before it was)

Environment: FAIRSHRINK_TASK_QUEUE, FAIRSHRINK_COMPUTE_TASK_QUEUE, FAIRSHRINK_WORKER_ROLES,
FAIRSHRINK_ACTIVITY_CONCURRENCY, FAIRSHRINK_COMPUTE_PROCESSES (docs/cli.md, worker).

Example (a 2-core machine running a study two cells at a time):
  fairshrink worker --compute-processes 2`;

export async function workerCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h' },
      'single-process': { type: 'boolean' },
      'fork-compute': { type: 'boolean' },
      'compute-processes': { type: 'string' },
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
  const processes = values['compute-processes'];
  if (processes !== undefined && !/^[1-9]\d*$/.test(processes)) {
    io.stderr(
      `error: --compute-processes ${processes}: give a whole number >= 1 (the compute processes to fork, e.g. the cores to use)`,
    );
    return EXIT.usage;
  }
  if (processes !== undefined && values['single-process']) {
    io.stderr('error: --compute-processes and --single-process: compute processes are forked; drop one of the two');
    return EXIT.usage;
  }
  const { runWorker } = await import('../../workers/main.ts');
  await runWorker(process.env, {
    layout: values['single-process'] ? 'single-process' : 'forked',
    ...(processes === undefined ? {} : { computeProcesses: Number(processes) }),
  });
  return EXIT.ok;
}
