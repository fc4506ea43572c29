// The local stack: the Temporal dev server (SQLite under .fairshrink/state, Web UI) and SeaweedFS
// (S3 API), started as detached processes whose pids are kept in .fairshrink/state/stack.json.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { connectionSettings, LOCAL_S3_CREDENTIALS, stackPorts, type StackPorts } from '../core/config/connection.ts';
import { CAMPAIGN_SEARCH_ATTRIBUTES } from '../core/config/search-attributes.ts';
import { ArtifactStore, type S3Settings } from '../core/storage/index.ts';
import { fairshrinkHome, logsDir, stateDir } from './paths.ts';
import { isOurProcess, portInUse, spawnDetached, stopProcess, waitFor } from './process.ts';
import { ensureTool } from './tools.ts';

type Env = Record<string, string | undefined>;

interface ServiceRecord {
  pid: number;
  binary: string;
  log: string;
}
interface StackState {
  ports: StackPorts;
  namespace: string;
  bucket: string;
  temporal?: ServiceRecord;
  s3?: ServiceRecord;
}

export class StackError extends Error {
  override name = 'StackError';
}

const stateFile = (home: string) => path.join(stateDir(home), 'stack.json');

function readState(home: string): StackState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(home), 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

function writeState(home: string, state: StackState): void {
  mkdirSync(stateDir(home), { recursive: true });
  writeFileSync(stateFile(home), JSON.stringify(state, null, 2));
}

const portLabels: Record<keyof StackPorts, string> = {
  temporal: 'Temporal gRPC (FAIRSHRINK_TEMPORAL_PORT)',
  temporalUi: 'Temporal Web UI (FAIRSHRINK_TEMPORAL_UI_PORT)',
  s3: 'S3 API (FAIRSHRINK_S3_PORT)',
  seaweedMaster: 'SeaweedFS master (FAIRSHRINK_SEAWEED_BASE_PORT)',
  seaweedVolume: 'SeaweedFS volume (FAIRSHRINK_SEAWEED_BASE_PORT + 1)',
  seaweedFiler: 'SeaweedFS filer (FAIRSHRINK_SEAWEED_BASE_PORT + 2)',
};

async function assertPortsFree(ports: Partial<StackPorts>, withGrpc: (keyof StackPorts)[] = []): Promise<void> {
  for (const [name, port] of Object.entries(ports) as [keyof StackPorts, number][]) {
    const candidates = withGrpc.includes(name) ? [port, port + 10000] : [port];
    for (const candidate of candidates) {
      if (await portInUse(candidate)) {
        throw new StackError(
          `port ${candidate} for ${portLabels[name]}${candidate !== port ? ' (its gRPC port, +10000)' : ''} is already in use. ` +
            `Stop what listens there (\`ss -ltnp | grep :${candidate}\`) or choose another port with the variable named.`,
        );
      }
    }
  }
}

export interface SeaweedOptions {
  binary: string;
  dataDir: string;
  logFile: string;
  ports: Pick<StackPorts, 's3' | 'seaweedMaster' | 'seaweedVolume' | 'seaweedFiler'>;
}

/** Start SeaweedFS (master + volume + filer + S3 gateway in one process) on 127.0.0.1. Returns its pid. */
export function startSeaweed(opts: SeaweedOptions): number {
  mkdirSync(opts.dataDir, { recursive: true });
  const identities = path.join(opts.dataDir, 's3-identities.json');
  writeFileSync(
    identities,
    JSON.stringify({
      identities: [
        {
          name: 'fairshrink',
          credentials: [
            { accessKey: LOCAL_S3_CREDENTIALS.accessKeyId, secretKey: LOCAL_S3_CREDENTIALS.secretAccessKey },
          ],
          actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
        },
      ],
    }),
  );
  const { ports } = opts;
  return spawnDetached(
    opts.binary,
    [
      'server',
      '-ip=127.0.0.1',
      '-ip.bind=127.0.0.1',
      `-dir=${opts.dataDir}`,
      `-master.port=${ports.seaweedMaster}`,
      `-volume.port=${ports.seaweedVolume}`,
      `-filer.port=${ports.seaweedFiler}`,
      '-master.telemetry=false',
      '-volume.max=100',
      // On SIGTERM the volume server stops heartbeating and waits this long before it stops (default 10 s, so a
      // cluster can route around it); one local node has nobody to route to.
      '-volume.preStopSeconds=0',
      // Small volumes: the default 30 GB volume size preallocates nothing, but limits keep a dev box tidy.
      '-master.volumeSizeLimitMB=256',
      '-s3',
      `-s3.port=${ports.s3}`,
      `-s3.config=${identities}`,
      '-s3.port.iceberg=0',
      '-s3.port.lance=0',
      `-filer.localSocket=${path.join(opts.dataDir, 'filer.sock')}`,
      `-s3.localSocket=${path.join(opts.dataDir, 's3.sock')}`,
    ],
    opts.logFile,
    opts.dataDir,
  );
}

/**
 * Grace before `stopSeaweed` kills. weed runs its shutdown hooks in turn on SIGTERM (SIGINT alike) and exits; the
 * filer's hook waits for its gRPC streams to end, and the S3 gateway's metadata subscription never does, so it gives
 * up after its built-in 15 s (logged "gRPC server graceful stop timed out after 15s"). With `-volume.preStopSeconds=0`
 * a clean stop takes about 15 s; this leaves room for a loaded machine.
 */
export const SEAWEED_STOP_GRACE_MS = 45_000;

/** Stop a SeaweedFS started by `startSeaweed` and wait until it exits by itself (SIGKILL only past the grace). */
export function stopSeaweed(pid: number): ReturnType<typeof stopProcess> {
  return stopProcess(pid, { signal: 'SIGTERM', graceMs: SEAWEED_STOP_GRACE_MS });
}

export interface TemporalOptions {
  binary: string;
  dbFile: string;
  logFile: string;
  namespace: string;
  ports: Pick<StackPorts, 'temporal' | 'temporalUi'>;
}

/** Start the Temporal dev server with SQLite persistence and the campaign search attributes. */
export function startTemporal(opts: TemporalOptions): number {
  mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  return spawnDetached(
    opts.binary,
    [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(opts.ports.temporal),
      '--ui-port',
      String(opts.ports.temporalUi),
      '--db-filename',
      opts.dbFile,
      '--namespace',
      opts.namespace,
      '--log-level',
      'warn',
      // WAL with synchronous=NORMAL: commits survive a killed server process (the restart test kills
      // it mid-campaign) without an fsync per transaction, which dominated activity round trips.
      '--sqlite-pragma',
      'journal_mode=wal',
      '--sqlite-pragma',
      'synchronous=normal',
      // The Web UI's newsfeed fetches from the internet; a local stack works offline.
      '--ui-disable-news-fetch',
      ...CAMPAIGN_SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', `${a.name}=${a.type}`]),
    ],
    opts.logFile,
    path.dirname(opts.dbFile),
  );
}

const INDEXED_TYPE = {
  Keyword: SearchAttributeType.KEYWORD,
  Int: SearchAttributeType.INT,
  Double: SearchAttributeType.DOUBLE,
} as const;

function indexedValueType(type: keyof typeof INDEXED_TYPE) {
  const encoded = encodeSearchAttributeIndexedValueType(INDEXED_TYPE[type]);
  if (encoded === undefined) throw new Error(`search attribute type ${type} has no indexed value type`);
  return encoded;
}

/**
 * Registers the campaign search attributes the namespace lacks and returns their names. `start-dev` registers them
 * only when it starts, so a stack an older `up` started misses attributes added since (CampaignStatus), and a
 * workflow that upserts an unregistered attribute fails its workflow task until it is registered.
 */
export async function registerMissingSearchAttributes(address: string, namespace: string): Promise<string[]> {
  const connection = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = CAMPAIGN_SEARCH_ATTRIBUTES.filter((a) => customAttributes?.[a.name] === undefined);
    if (missing.length === 0) return [];
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((a) => [a.name, indexedValueType(a.type)])),
    });
    return missing.map((a) => a.name);
  } finally {
    await connection.close();
  }
}

export async function temporalHealthy(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } finally {
    await connection.close();
  }
}

/**
 * S3 is healthy when a probe object can be written and read back: listing alone succeeds before
 * SeaweedFS's volume server has registered, and the first real write would then fail.
 */
export async function s3Healthy(settings: S3Settings, createBucket: boolean): Promise<boolean> {
  const store = new ArtifactStore(settings);
  try {
    if (createBucket) await store.ensureBucket();
    const probe = await store.put('__health__/probe', new TextEncoder().encode('ok'), { mode: 'mutable' });
    await store.get(probe);
    return true;
  } finally {
    store.destroy();
  }
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface StackStatus {
  temporal: {
    running: boolean;
    healthy: boolean;
    pid?: number;
    address: string;
    ui: string;
    namespace: string;
    log?: string;
  };
  s3: { running: boolean; healthy: boolean; pid?: number; endpoint: string; bucket: string; log?: string };
}

export async function stackStatus(env: Env = process.env): Promise<StackStatus> {
  const home = fairshrinkHome(env);
  const state = readState(home);
  const settings = connectionSettings(env);
  const ports = state?.ports ?? stackPorts(env);
  const temporalRunning = !!state?.temporal && isOurProcess(state.temporal.pid, state.temporal.binary);
  const s3Running = !!state?.s3 && isOurProcess(state.s3.pid, state.s3.binary);
  const temporalOk = await temporalHealthy(settings.temporal.address, settings.temporal.namespace).catch(() => false);
  const s3Ok = await s3Healthy(settings.s3, false).catch(() => false);
  return {
    temporal: {
      running: temporalRunning,
      healthy: temporalOk,
      pid: temporalRunning ? state?.temporal?.pid : undefined,
      address: settings.temporal.address,
      ui: `http://127.0.0.1:${ports.temporalUi}`,
      namespace: settings.temporal.namespace,
      log: state?.temporal?.log,
    },
    s3: {
      running: s3Running,
      healthy: s3Ok,
      pid: s3Running ? state?.s3?.pid : undefined,
      endpoint: settings.s3.endpoint ?? 'AWS',
      bucket: settings.s3.bucket,
      log: state?.s3?.log,
    },
  };
}

/** `fairshrink up`: start what is not running, wait until both are healthy, create the bucket. */
export async function stackUp(env: Env = process.env, log: (line: string) => void = () => {}): Promise<StackStatus> {
  const home = fairshrinkHome(env);
  const settings = connectionSettings(env);
  const ports = stackPorts(env);
  const previous = readState(home);
  const state: StackState = { ports, namespace: settings.temporal.namespace, bucket: settings.s3.bucket };
  mkdirSync(logsDir(home), { recursive: true });

  const temporalRunning = !!previous?.temporal && isOurProcess(previous.temporal.pid, previous.temporal.binary);
  const s3Running = !!previous?.s3 && isOurProcess(previous.s3.pid, previous.s3.binary);
  const startTemporalHere = settings.localTemporal && !temporalRunning;
  const startS3Here = settings.localS3 && !s3Running;
  if (temporalRunning) state.temporal = previous.temporal;
  if (s3Running) state.s3 = previous.s3;

  // Check every port before starting anything, so a clash never leaves half a stack running.
  const temporalTool = startTemporalHere ? await ensureTool('temporal', { log }) : undefined;
  const weedTool = startS3Here ? await ensureTool('weed', { log }) : undefined;
  if (startTemporalHere) await assertPortsFree({ temporal: ports.temporal, temporalUi: ports.temporalUi });
  if (startS3Here) {
    const { s3, seaweedMaster, seaweedVolume, seaweedFiler } = ports;
    await assertPortsFree({ s3, seaweedMaster, seaweedVolume, seaweedFiler }, [
      's3',
      'seaweedMaster',
      'seaweedVolume',
      'seaweedFiler',
    ]);
  }

  if (temporalTool) {
    const logFile = path.join(logsDir(home), 'temporal.log');
    const pid = startTemporal({
      binary: temporalTool.path,
      dbFile: path.join(stateDir(home), 'temporal.sqlite'),
      logFile,
      namespace: settings.temporal.namespace,
      ports,
    });
    state.temporal = { pid, binary: temporalTool.path, log: logFile };
    log(`temporal started (pid ${pid}), log ${logFile}`);
  } else {
    log(
      temporalRunning
        ? `temporal already running (pid ${previous.temporal!.pid})`
        : `using Temporal at ${settings.temporal.address} (TEMPORAL_ADDRESS); no local server started`,
    );
  }
  if (weedTool) {
    const logFile = path.join(logsDir(home), 'seaweedfs.log');
    const pid = startSeaweed({ binary: weedTool.path, dataDir: path.join(stateDir(home), 's3'), logFile, ports });
    state.s3 = { pid, binary: weedTool.path, log: logFile };
    log(`seaweedfs started (pid ${pid}), log ${logFile}`);
  } else {
    log(
      s3Running
        ? `s3 already running (pid ${previous.s3!.pid})`
        : `using S3 at ${settings.s3.endpoint} (FAIRSHRINK_S3_ENDPOINT); no local S3 started`,
    );
  }
  writeState(home, state);

  await waitFor(
    'Temporal dev server',
    async () => ((await temporalHealthy(settings.temporal.address, settings.temporal.namespace)) ? true : undefined),
    {
      timeoutMs: 90_000,
      onTimeout: () => `Last lines of ${state.temporal?.log}:\n${tail(state.temporal?.log ?? '')}`,
    },
  );
  if (temporalRunning) {
    const added = await registerMissingSearchAttributes(settings.temporal.address, settings.temporal.namespace);
    if (added.length > 0) log(`registered search attributes ${added.join(', ')} on the running Temporal`);
  }
  await waitFor('S3 endpoint', async () => ((await s3Healthy(settings.s3, true)) ? true : undefined), {
    timeoutMs: 90_000,
    onTimeout: () => `Last lines of ${state.s3?.log}:\n${tail(state.s3?.log ?? '')}`,
  });
  return stackStatus(env);
}

/** `fairshrink down`: stop what `up` started; the SQLite file and S3 data stay for the next `up`. */
export async function stackDown(env: Env = process.env, log: (line: string) => void = () => {}): Promise<void> {
  const home = fairshrinkHome(env);
  const state = readState(home);
  if (!state) {
    log('nothing to stop (no stack state)');
    return;
  }
  for (const name of ['temporal', 's3'] as const) {
    const service = state[name];
    if (!service) continue;
    if (!isOurProcess(service.pid, service.binary)) {
      log(`${name} was not running`);
    } else {
      const outcome = name === 's3' ? await stopSeaweed(service.pid) : await stopProcess(service.pid);
      log(`${name} ${outcome} (pid ${service.pid})`);
    }
    state[name] = undefined;
  }
  if (existsSync(stateFile(home))) rmSync(stateFile(home));
}
