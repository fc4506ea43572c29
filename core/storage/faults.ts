// Test-only S3 fault injection for the fault suite (tests/faults, docs/reliability.md), switched on by one
// environment variable and inert otherwise: with FAIRSHRINK_FAULTS unset or empty nothing is added to the client.
//
//   FAIRSHRINK_FAULTS='[{"id":"f1","op":"PutObject","key":"milestone-1/attempt-0/prune/result.json","action":"kill-after"}]'
//
// A JSON array of rules. A rule matches the S3 requests of its `op` (or "any") whose object key (a listing's prefix)
// contains `key`; it lets `skip` matches through, then acts on the next `times` matches (default 1):
//   error        the request is not sent; it fails as S3's "503 SlowDown" would
//   error-after  the request is sent and done (an object written), then its answer is lost ("ECONNRESET")
//   kill-after   the request is sent and done, then this process is killed with SIGKILL
//   notify       the request is sent and done; the rule only reports (the suite acts, e.g. restarts Temporal)
// Faults fire on events (the n-th matching request), never on the clock. The hook sits inside the SDK's own retry
// loop, so an `error` of times < 3 is absorbed by the SDK's retries and a longer one reaches the caller, as a real
// outage would. Each rule writes `fault: <id> fired …` on stderr when it first acts, which is how the suite counts.
import { writeSync } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';

export const STORAGE_FAULTS_VARIABLE = 'FAIRSHRINK_FAULTS';

export const FaultRule = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
  op: z.enum(['PutObject', 'GetObject', 'HeadObject', 'ListObjectsV2', 'any']),
  key: z.string().min(1),
  skip: z.number().int().nonnegative().default(0),
  times: z.number().int().positive().default(1),
  action: z.enum(['error', 'error-after', 'kill-after', 'notify']),
});
export type FaultRule = z.infer<typeof FaultRule>;

/** Parses the setting; throws on a malformed one, so a mistyped suite cannot silently run without its faults. */
export function parseFaultRules(raw: string | undefined): FaultRule[] {
  if (raw === undefined || raw.trim() === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${STORAGE_FAULTS_VARIABLE} is not JSON (${(err as Error).message}); give a JSON array of rules`);
  }
  const parsed = z.array(FaultRule).safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `${STORAGE_FAULTS_VARIABLE} is not a list of fault rules: ${z.prettifyError(parsed.error)}. ` +
        'Each rule: {"id","op","key","action"[,"skip","times"]} (core/storage/faults.ts)',
    );
  }
  return parsed.data;
}

/** An error shaped like S3's throttling answer, which the SDK and fairshrink treat as transient. */
function slowDown(rule: FaultRule, key: string): Error {
  return Object.assign(new Error(`injected fault ${rule.id}: 503 SlowDown for ${key}`), {
    name: 'SlowDown',
    $fault: 'server',
    $metadata: { httpStatusCode: 503 },
  });
}

/** An error shaped like a connection dropped before the answer arrived. */
function connectionReset(rule: FaultRule, key: string): Error {
  return Object.assign(new Error(`injected fault ${rule.id}: connection reset after ${key} was sent`), {
    name: 'Error',
    code: 'ECONNRESET',
    $metadata: {},
  });
}

// The slice of the SDK's middleware types this hook uses (FinalizeRequestMiddleware of @smithy/types, which is not a
// dependency of ours).
interface RequestArgs {
  input: object;
  request: unknown;
}
type Next = (args: RequestArgs) => Promise<{ output: object; response: unknown }>;
type StackMiddleware = Parameters<S3Client['middlewareStack']['addRelativeTo']>[0];

function report(line: string): void {
  // Synchronous: a kill-after rule kills the process right after this line.
  writeSync(2, `fault: ${line}\n`);
}

/** Adds the configured rules to `client` (no-op when there are none). Returns how many were installed. */
export function installStorageFaults(client: S3Client, raw = process.env[STORAGE_FAULTS_VARIABLE]): number {
  const rules = parseFaultRules(raw);
  if (rules.length === 0) return 0;
  const seen = new Map<string, number>(rules.map((r) => [r.id, 0]));
  const middleware = (next: Next, context: { commandName?: string }) => async (args: RequestArgs) => {
    const input = args.input as { Key?: string; Prefix?: string };
    const key = input.Key ?? input.Prefix ?? '';
    const op = context.commandName?.replace(/Command$/, '') ?? '';
    // A request that an `error` rule stops is never sent: the other rules do not count it.
    const matching = rules.filter((r) => (r.op === 'any' || r.op === op) && key.includes(r.key));
    const acts = (rule: FaultRule): boolean => {
      const n = seen.get(rule.id)! + 1;
      seen.set(rule.id, n);
      if (n <= rule.skip || n > rule.skip + rule.times) return false;
      if (n === rule.skip + 1) report(`${rule.id} fired (${rule.action} on ${op} ${key})`);
      return true;
    };
    const stop = matching.filter((r) => r.action === 'error').find(acts);
    if (stop) throw slowDown(stop, key);
    const acting = matching.filter((r) => r.action !== 'error' && acts(r));
    const result = await next(args);
    for (const rule of acting) {
      if (rule.action === 'kill-after') process.kill(process.pid, 'SIGKILL');
      if (rule.action === 'error-after') {
        // A GET's unread body would hold its socket open.
        (result.output as { Body?: { destroy?: () => void } }).Body?.destroy?.();
        throw connectionReset(rule, key);
      }
    }
    return result;
  };
  client.middlewareStack.addRelativeTo(middleware as unknown as StackMiddleware, {
    relation: 'after',
    toMiddleware: 'retryMiddleware',
    name: 'fairshrinkStorageFaults',
  });
  return rules.length;
}
