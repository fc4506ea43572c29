// `fairshrink up | down | status`: the local Temporal dev server and S3.
import { parseArgs } from 'node:util';
import { stackDown, stackStatus, stackUp, type StackStatus } from '../../infra/stack.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';

export const stackHelp = {
  up: `fairshrink up [--json]

Start the local stack: the Temporal dev server (SQLite under .fairshrink/state, Web UI) and
SeaweedFS as the S3 endpoint, then create the bucket. Already running services are left alone.

Ports: FAIRSHRINK_TEMPORAL_PORT (7233), FAIRSHRINK_TEMPORAL_UI_PORT (8233), FAIRSHRINK_S3_PORT (8333),
FAIRSHRINK_SEAWEED_BASE_PORT (9340; uses base..base+2 and +10000 for gRPC).

Example:
  fairshrink up && fairshrink status`,
  down: `fairshrink down [--json]

Stop the local stack. Workflow history (SQLite) and S3 objects stay for the next \`fairshrink up\`.`,
  status: `fairshrink status [--json]

Show whether Temporal and S3 are running and healthy. Exit code 0 when both are healthy, 1 otherwise.`,
};

function describe(status: StackStatus): string {
  const t = status.temporal;
  const s = status.s3;
  const mark = (ok: boolean) => (ok ? 'healthy' : 'DOWN');
  return [
    `temporal  ${mark(t.healthy)}  ${t.address}  namespace ${t.namespace}${t.pid ? `  pid ${t.pid}` : ''}`,
    `          Web UI ${t.ui}`,
    `s3        ${mark(s.healthy)}  ${s.endpoint}  bucket ${s.bucket}${s.pid ? `  pid ${s.pid}` : ''}`,
  ].join('\n');
}

export async function stackCommand(command: 'up' | 'down' | 'status', argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    io.stdout(stackHelp[command]);
    return EXIT.ok;
  }
  const log = values.json ? () => {} : (line: string) => io.stdout(line);
  if (command === 'down') {
    await stackDown(process.env, log);
    if (values.json) io.stdout(JSON.stringify({ stopped: true }));
    return EXIT.ok;
  }
  const status = command === 'up' ? await stackUp(process.env, log) : await stackStatus(process.env);
  io.stdout(values.json ? JSON.stringify(status, null, 2) : describe(status));
  return status.temporal.healthy && status.s3.healthy ? EXIT.ok : EXIT.failed;
}

export function unknownFlag(err: unknown): never {
  throw new UsageError((err as Error).message, 'see --help for the flags this command takes');
}
