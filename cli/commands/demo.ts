// `fairshrink demo`: bring the local stack up, run a worker in this process, run the stack-check
// workflow (an activity writes an artifact to S3 and returns its ArtifactRef) and print the result.
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { connectionSettings } from '../../core/config/connection.ts';
import { stackUp } from '../../infra/stack.ts';
import { createFairshrinkWorker, installRuntime } from '../../workers/worker.ts';
import { stackCheck } from '../../workflows/stack-check.ts';
import { EXIT, type CliIo } from '../io.ts';

export const demoHelp = `fairshrink demo [--json]

Start the local stack if needed, run a worker in this process and an end-to-end workflow whose
activity writes an artifact to S3; print its ArtifactRef and the Temporal Web UI address.

Example:
  npm run demo`;

export async function demoCommand(argv: string[], io: CliIo, context = { verbose: false }): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    io.stdout(demoHelp);
    return EXIT.ok;
  }
  const log = values.json ? () => {} : (line: string) => io.stdout(line);
  installRuntime(context.verbose ? 'INFO' : 'WARN');
  const status = await stackUp(process.env, log);
  const settings = connectionSettings(process.env);
  const connection = await Connection.connect({ address: settings.temporal.address });
  const client = new Client({ connection, namespace: settings.temporal.namespace });
  const { worker, close } = await createFairshrinkWorker({ settings });
  try {
    const workflowId = `stack-check-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    log(`running workflow ${workflowId} on task queue ${settings.temporal.taskQueue}`);
    const result = await worker.runUntil(
      client.workflow.execute(stackCheck, {
        taskQueue: settings.temporal.taskQueue,
        workflowId,
        args: [{ key: `stack-check/${workflowId}.json`, message: 'hello from fairshrink demo' }],
      }),
    );
    const ui = `${status.temporal.ui}/namespaces/${settings.temporal.namespace}/workflows/${workflowId}`;
    if (values.json) {
      io.stdout(JSON.stringify({ workflowId, ...result, ui }, null, 2));
    } else {
      io.stdout(`ArtifactRef ${JSON.stringify(result.ref)}`);
      io.stdout(`sha256 verified on read: ${result.verified ? 'yes' : 'NO'}`);
      io.stdout(`Temporal UI: ${ui}`);
    }
    return result.verified ? EXIT.ok : EXIT.failed;
  } finally {
    await close();
    await connection.close();
  }
}
