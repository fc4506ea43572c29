// One campaign of the fault suite, run to its end through a sequence of worker processes ("incarnations"): each gets
// its fault rules (FAIRSHRINK_FAULTS, core/storage/faults.ts) and perhaps a pause at an epoch checkpoint
// (FAIRSHRINK_TEST_FAULT, activities/faults.ts); when one is killed, the next starts, after the suite has damaged
// the objects the plan names. Every fault that actually happened is recorded from evidence (the worker's
// `fault: … fired` lines, a kill the suite made, an object it changed), never assumed from the plan.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { TEST_FAULT_VARIABLE } from '../../activities/faults.ts';
import type { StepProgress } from '../../core/campaign/contracts.ts';
import { readDecisionLog } from '../../core/campaign/decision-log.ts';
import { loadCampaignFile, prepareCampaignInput } from '../../core/config/campaign-file.ts';
import { LOCAL_S3_CREDENTIALS } from '../../core/config/connection.ts';
import { STORAGE_FAULTS_VARIABLE, type FaultRule } from '../../core/storage/faults.ts';
import { parseJsonBytes, parseS3Uri, type ArtifactStore } from '../../core/storage/index.ts';
import { projectRoot } from '../../infra/paths.ts';
import { historyPayloads, lostObjects, type LostObject, type RunRecord } from './check.ts';
import type { FaultStack } from './stack.ts';

/** What the suite does to an object while no worker runs (after an incarnation was killed). */
export interface Damage {
  kind: 'delete' | 'corrupt';
  /** Key below the campaign's folder, or "heartbeat": the epoch checkpoint the killed attempt last heartbeated. */
  key: string;
}

export interface Incarnation {
  rules: FaultRule[];
  /** FAIRSHRINK_TEST_FAULT: pause `<activity>` after heartbeating epoch n; the suite kills the worker once the server holds that heartbeat. */
  pauseAfterCheckpoint?: { activity: string; epoch: number };
  /** Damage done after this incarnation died, before the next one starts. */
  afterDeath?: Damage[];
}

export interface InjectedFault {
  id: string;
  what: string;
}

export interface RunOutcome {
  campaignId: string;
  finished: boolean;
  failure?: string;
  record?: RunRecord;
  lost: LostObject[];
  injected: InjectedFault[];
  /** Planned faults whose trigger never came (not counted as injected). */
  notInjected: string[];
  seconds: number;
}

export interface RunContext {
  stack: FaultStack;
  client: Client;
  store: ArtifactStore;
  campaignFile: string;
  workflowBundle: string;
  logDir: string;
  log: (line: string) => void;
}

const RUN_TIMEOUT_MS = 300_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A call to the server that gives up after `ms` (a call made while it restarts could otherwise wait for ever). */
export function withDeadline<T>(call: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([call, deadline]).finally(() => clearTimeout(timer));
}

interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<NodeJS.Signals | number | null>;
}

function spawnWorker(
  ctx: RunContext,
  taskQueue: string,
  logName: string,
  inc: Incarnation,
  onLine: (line: string) => void,
): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'tests', 'faults', 'worker.ts')], {
    cwd: projectRoot,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: ctx.stack.temporalAddress,
      TEMPORAL_NAMESPACE: 'fairshrink',
      FAIRSHRINK_TASK_QUEUE: taskQueue,
      FAIRSHRINK_S3_ENDPOINT: ctx.stack.s3.endpoint,
      FAIRSHRINK_S3_BUCKET: ctx.stack.s3.bucket,
      AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      FAIRSHRINK_FAULTS_WORKFLOW_BUNDLE: ctx.workflowBundle,
      [STORAGE_FAULTS_VARIABLE]: inc.rules.length === 0 ? '' : JSON.stringify(inc.rules),
      [TEST_FAULT_VARIABLE]: inc.pauseAfterCheckpoint
        ? `pause-after-checkpoint:${inc.pauseAfterCheckpoint.activity}:${inc.pauseAfterCheckpoint.epoch}`
        : '',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const file = createWriteStream(path.join(ctx.logDir, logName));
  let buffered = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    file.write(chunk);
    buffered += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      onLine(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      file.end();
      resolve(signal ?? code);
    }),
  );
  return { child, exited };
}

/** The epoch checkpoint an activity of `activity` last heartbeated to the server, once it is at least `epoch`. */
async function heartbeatedCheckpoint(
  ctx: RunContext,
  campaignId: string,
  activity: string,
  epoch: number,
): Promise<StepProgress | undefined> {
  const description = await withDeadline(ctx.client.workflow.getHandle(campaignId).describe(), 5000, 'describe');
  for (const pending of description.raw.pendingActivities ?? []) {
    const payload = pending.heartbeatDetails?.payloads?.[0];
    if (pending.activityType?.name !== activity || !payload) continue;
    const details = defaultPayloadConverter.fromPayload<StepProgress>(payload);
    if (details.checkpoint && details.epoch >= epoch) return details;
  }
  return undefined;
}

async function damage(
  ctx: RunContext,
  campaignId: string,
  d: Damage,
  heartbeat: StepProgress | undefined,
): Promise<string | undefined> {
  const { store } = ctx;
  const key =
    d.key === 'heartbeat'
      ? heartbeat?.checkpoint === undefined
        ? undefined
        : parseS3Uri(heartbeat.checkpoint.uri).key
      : `campaigns/${campaignId}/${d.key}`;
  if (key === undefined || (await store.head(key)) === undefined) return undefined;
  if (d.kind === 'delete') {
    await store.client.send(new DeleteObjectCommand({ Bucket: store.bucket, Key: key }));
    return `deleted ${key}`;
  }
  // Bit rot: other bytes of the same length under the same key, still labelled with the sha256 of the old ones.
  const { bytes } = await store.getByKey(key);
  const head = await store.head(key);
  const rotten = Uint8Array.from(bytes, (b, i) => (i % 7 === 3 ? b ^ 0x5a : b));
  await store.client.send(
    new PutObjectCommand({
      Bucket: store.bucket,
      Key: key,
      Body: rotten,
      Metadata: head?.sha256 === undefined ? {} : { 'fairshrink-sha256': head.sha256 },
    }),
  );
  return `corrupted ${key}`;
}

/** Starts the campaign, drives it through `incarnations` to its end, and checks what it left behind. */
export async function runCampaign(ctx: RunContext, name: string, incarnations: Incarnation[]): Promise<RunOutcome> {
  const started = Date.now();
  const campaignId = `${name}-${started.toString(36)}`;
  const taskQueue = `faults-${campaignId}`;
  const input = await prepareCampaignInput(await loadCampaignFile(ctx.campaignFile), ctx.store, {
    campaignId,
    projectRoot,
  });
  const handle = await ctx.client.workflow.start('compressionCampaign', {
    taskQueue,
    workflowId: campaignId,
    // A killed worker's long step is retried after 5 s without a heartbeat instead of the default minute.
    args: [input, { heartbeatTimeout: '5s' }],
  });
  const injected: InjectedFault[] = [];
  const planned = new Map<string, string>();
  for (const inc of incarnations) {
    for (const r of inc.rules) planned.set(r.id, `${r.action} on ${r.op} *${r.key}*`);
    if (inc.pauseAfterCheckpoint)
      planned.set(
        `kill-${inc.pauseAfterCheckpoint.activity}-epoch-${inc.pauseAfterCheckpoint.epoch}`,
        'SIGKILL at an epoch checkpoint',
      );
  }
  let restarting: Promise<void> = Promise.resolve();
  let closed: string | undefined;
  const status = async () => {
    try {
      return (await withDeadline(handle.describe(), 5000, 'describe')).status.name;
    } catch {
      return 'UNKNOWN'; // the server is restarting
    }
  };

  for (let i = 0; closed === undefined && Date.now() - started < RUN_TIMEOUT_MS; i++) {
    const inc: Incarnation = incarnations[i] ?? { rules: [] };
    let paused = false;
    const worker = spawnWorker(ctx, taskQueue, `${campaignId}-worker-${i}.log`, inc, (line) => {
      const fired = /^fault: (\S+) fired \((.*)\)$/.exec(line);
      if (fired) {
        const [, id, what] = fired as unknown as [string, string, string];
        if (id.startsWith('temporal-restart')) {
          // The campaign is certainly running (its worker is in a step); the server dies under it.
          restarting = restarting.then(async () => {
            const before = await status();
            await ctx.stack.killAndRestartTemporal();
            if (before === 'RUNNING')
              injected.push({ id, what: `Temporal server SIGKILLed and restarted after ${what}` });
          });
        } else injected.push({ id, what });
      }
      if (line.startsWith('fault: paused')) paused = true;
    });
    let heartbeat: StepProgress | undefined;
    for (;;) {
      const exited = await Promise.race([worker.exited.then(() => true), sleep(250).then(() => false)]);
      if (exited) break;
      if (paused && inc.pauseAfterCheckpoint && heartbeat === undefined) {
        const { activity, epoch } = inc.pauseAfterCheckpoint;
        heartbeat = await heartbeatedCheckpoint(ctx, campaignId, activity, epoch).catch(() => undefined);
        if (heartbeat) {
          worker.child.kill('SIGKILL');
          injected.push({
            id: `kill-${activity}-epoch-${epoch}`,
            what: `SIGKILL while ${heartbeat.stepKey} held its epoch-${heartbeat.epoch} checkpoint`,
          });
        }
      }
      await restarting;
      const s = await status();
      if (s !== 'RUNNING' && s !== 'UNKNOWN') {
        closed = s;
        break;
      }
      if (Date.now() - started > RUN_TIMEOUT_MS) break;
    }
    await restarting;
    if (closed !== undefined || Date.now() - started > RUN_TIMEOUT_MS) {
      worker.child.kill('SIGTERM');
      await worker.exited;
      break;
    }
    const how = await worker.exited;
    ctx.log(`  ${campaignId}: worker ${i} ended (${String(how)})`);
    for (const d of inc.afterDeath ?? []) {
      const done = await damage(ctx, campaignId, d, heartbeat);
      if (done !== undefined) injected.push({ id: `${d.kind}-${d.key}`, what: `${done} while no worker ran` });
      else planned.set(`${d.kind}-${d.key}`, `${d.kind} (object absent)`);
    }
  }
  for (const f of injected) planned.delete(f.id);
  const notInjected = [...planned.entries()].map(([id, what]) => `${id} (${what})`);
  const seconds = (Date.now() - started) / 1000;
  if (closed !== 'COMPLETED') {
    let failure = closed === undefined ? `did not finish within ${RUN_TIMEOUT_MS / 1000} s` : `ended ${closed}`;
    try {
      await handle.result();
    } catch (err) {
      failure += `: ${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause?: Error }).cause!.message})` : ''}`;
    }
    return { campaignId, finished: false, failure, lost: [], injected, notInjected, seconds };
  }
  const result = (await handle.result()) as RunRecord['result'] & { lineage: { uri: string } };
  const decisions = (await readDecisionLog(ctx.store, 'campaigns', campaignId)).entries;
  const lineageKey = parseS3Uri(result.lineage.uri).key;
  const lineage = parseJsonBytes<RunRecord['lineage']>((await ctx.store.getByKey(lineageKey)).bytes, lineageKey);
  const history = await handle.fetchHistory();
  const lost = await lostObjects(ctx.store, [result, decisions, lineage, ...historyPayloads(history)]);
  return {
    campaignId,
    finished: true,
    record: { campaignId, result, decisions, lineage },
    lost,
    injected,
    notInjected,
    seconds,
  };
}
