// The compute process `fairshrink worker` forks (workers/main.ts): it polls the worker's task queue(s) for activity
// tasks only (training, pruning, fine-tuning, evaluation, quantization, ...), so their tfjs work never holds up the
// workflow tasks and queries that the parent answers. It exits when the parent dies (the IPC channel closes) and
// shuts down gracefully on SIGTERM (the parent's way of stopping it).
import { processPlan, runRoles, workerLogFile, workerPlan } from './main.ts';
import { installRuntime } from './worker.ts';

const label = `worker[compute ${process.pid}]`;

// A parent that died leaves its running activities to Temporal's retries (heartbeat timeout), as a crash of the one
// process did; an orphaned compute process would only hold on to them.
process.once('disconnect', () => {
  console.error(`${label}: the worker process is gone; exiting`);
  process.exit(1);
});

installRuntime('INFO', { file: workerLogFile(), notify: (line) => console.error(`${label}: ${line}`) });
const roles = processPlan(workerPlan(process.env), 'forked').compute;
let code = 0;
try {
  await runRoles(roles, process.env, label);
} catch (err) {
  console.error(`${label}: ${(err as Error).message}`);
  code = 1;
}
// The IPC channel would keep this process alive after its workers stopped.
process.exit(code);
