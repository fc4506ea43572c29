// What the campaign commands (watch, status, list, review, pause/resume/abort, history, audit) share:
// the connection to Temporal and S3 from the environment, a handle on one campaign with errors that
// name the campaign, the workflow input read back from history, the decision log, and the progress
// the running step last heartbeated.
import { Client, Connection, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, WorkflowNotFoundError, type Payload } from '@temporalio/common';
import type { CampaignInput, DecisionEntry, StepProgress } from '../../core/campaign/contracts.ts';
import { readDecisionLog as readCampaignDecisions } from '../../core/campaign/decision-log.ts';
import { connectionSettings, type ConnectionSettings } from '../../core/config/connection.ts';
import { ArtifactStore } from '../../core/storage/index.ts';
import type { compressionCampaign } from '../../workflows/campaign.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';

export type CampaignHandle = WorkflowHandle<typeof compressionCampaign>;
export interface CommandContext {
  verbose: boolean;
}

/** A failure the user can act on: one line, a hint, and the exit code (1 unless said otherwise). */
export class CampaignCommandError extends Error {
  override name = 'CampaignCommandError';
  constructor(
    message: string,
    readonly hint: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

/** Runs a command body; a CampaignCommandError becomes `error:` + `hint:` lines and its exit code. */
export async function reportingFailures(io: CliIo, context: CommandContext, body: () => Promise<number>) {
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof CampaignCommandError)) throw err;
    io.stderr(`error: ${err.message}`);
    io.stderr(`hint: ${err.hint}`);
    if (context.verbose && err.stack) io.stderr(err.stack);
    return err.exitCode;
  }
}

export { parseCommandArgs } from '../io.ts';

/**
 * What a campaign id can look like: `fairshrink run` makes lower-case letters, digits and "-"; letters of either case,
 * "." and "_" are allowed for ids given to Temporal by other clients. No "/", "..", spaces or other characters: the id
 * is a folder of the campaign's S3 prefix.
 */
export function campaignIdProblem(id: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(id) || id.includes('..'))
    return `${JSON.stringify(id)} is not a campaign id: use letters, digits, ".", "_" and "-" (no "/", "..", spaces or other characters)`;
  return undefined;
}

/** Exactly one campaign id as the first positional. */
export function campaignIdArgument(command: string, positionals: string[], example: string): string {
  const id = positionals[0];
  if (id === undefined || id === '') {
    throw new UsageError(`${command} needs a campaign id`, `${example}   (\`fairshrink list\` shows the campaigns)`);
  }
  const problem = campaignIdProblem(id);
  if (problem !== undefined) throw new UsageError(problem, '`fairshrink list` shows the campaign ids');
  return id;
}

export interface CampaignClient {
  settings: ConnectionSettings;
  client: Client;
  connection: Connection;
  close: () => Promise<void>;
}

/** Connects to Temporal as configured by the environment (core/config/connection.ts). */
export async function openCampaignClient(env: Record<string, string | undefined> = process.env) {
  const settings = connectionSettings(env);
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: settings.temporal.address, connectTimeout: '5 seconds' });
  } catch (err) {
    throw new CampaignCommandError(
      `cannot reach Temporal at ${settings.temporal.address}: ${(err as Error).message.split('\n')[0]}`,
      settings.localTemporal
        ? 'start the local stack with `fairshrink up`'
        : 'check TEMPORAL_ADDRESS (and that the server is running)',
    );
  }
  const client = new Client({ connection, namespace: settings.temporal.namespace });
  return { settings, client, connection, close: () => connection.close() } satisfies CampaignClient;
}

export function openStore(settings: ConnectionSettings, bucket?: string): ArtifactStore {
  return new ArtifactStore(bucket === undefined ? settings.s3 : { ...settings.s3, bucket });
}

/** Runs `use` with a connected client and closes it afterwards. */
export async function withCampaignClient<T>(use: (c: CampaignClient) => Promise<T>): Promise<T> {
  const campaignClient = await openCampaignClient();
  try {
    return await use(campaignClient);
  } finally {
    await campaignClient.close();
  }
}

function notFound(c: CampaignClient, campaignId: string): CampaignCommandError {
  return new CampaignCommandError(
    `no campaign "${campaignId}" in namespace ${c.settings.temporal.namespace} at ${c.settings.temporal.address}`,
    '`fairshrink list` shows the campaigns; check TEMPORAL_NAMESPACE',
    EXIT.usage,
  );
}

/** Workflow types a campaign command can act on: a single campaign, and (where the command says so) a multi-seed one. */
export type CampaignWorkflowType = 'compressionCampaign' | 'seedCampaigns';

/**
 * The campaign's handle and description; an unknown id is a usage error that says where it looked. Commands that act
 * on one campaign's steps (watch, history, audit, review, …) take only compressionCampaign: a multi-seed campaign's
 * parent is refused with the ids of its seeds' campaigns, which they do act on.
 */
export async function describeCampaign(
  c: CampaignClient,
  campaignId: string,
  accepted: readonly CampaignWorkflowType[] = ['compressionCampaign'],
): Promise<{ handle: CampaignHandle; description: WorkflowExecutionDescription }> {
  const handle = c.client.workflow.getHandle<typeof compressionCampaign>(campaignId);
  try {
    const description = await handle.describe();
    if (!(accepted as readonly string[]).includes(description.type)) {
      throw new CampaignCommandError(
        description.type === 'seedCampaigns'
          ? `campaign "${campaignId}" runs one campaign per seed; this command acts on one seed's campaign`
          : `workflow "${campaignId}" is a ${description.type}, not a compression campaign`,
        description.type === 'seedCampaigns'
          ? `give a seed's campaign id, ${campaignId}-seed-<seed> (\`fairshrink status ${campaignId}\` lists them)`
          : description.type === 'compressionStudy'
            ? `it is a study: \`fairshrink study status ${campaignId}\` lists its cells' campaign ids`
            : '`fairshrink list` shows the campaigns',
        EXIT.usage,
      );
    }
    return { handle, description };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound(c, campaignId);
    throw err;
  }
}

/** Maps "workflow not found" from any client call on the campaign to the same one-line error. */
export async function onCampaign<T>(c: CampaignClient, campaignId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound(c, campaignId);
    throw err;
  }
}

/** The campaign's input, decoded from the first event of its (latest run's) history. */
export async function campaignInputOf(c: CampaignClient, campaignId: string, runId?: string): Promise<CampaignInput> {
  const response = await onCampaign(c, campaignId, () =>
    c.client.workflowService.getWorkflowExecutionHistory({
      namespace: c.settings.temporal.namespace,
      execution: { workflowId: campaignId, ...(runId ? { runId } : {}) },
      maximumPageSize: 1,
    }),
  );
  const payload = response.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) throw new Error(`the history of ${campaignId} has no workflow input`);
  return defaultPayloadConverter.fromPayload<CampaignInput>(payload as Payload);
}

export const campaignPrefix = (input: CampaignInput): string => `${input.config.storage.prefix}/${input.campaignId}`;

/** The decision log as entries, in seq order, and as decisions.jsonl text; empty before the first decision. */
export async function readDecisionLog(
  store: ArtifactStore,
  input: CampaignInput,
): Promise<{ entries: DecisionEntry[]; text: string }> {
  return readCampaignDecisions(store, input.config.storage.prefix, input.campaignId);
}

export interface PendingStep {
  activityType: string;
  attempt: number;
  state: string;
  /** The last heartbeat's details, when the step has heartbeated (training steps do, every epoch). */
  progress: StepProgress | null;
  lastFailure: string | null;
}

const ACTIVITY_STATE: Record<number, string> = { 1: 'scheduled', 2: 'started', 3: 'cancel-requested', 4: 'paused' };

/** The campaign's running activities with their last heartbeat (StepProgress), from a description. */
export function pendingSteps(description: WorkflowExecutionDescription): PendingStep[] {
  return (description.raw.pendingActivities ?? []).map((activity) => {
    const payload = activity.heartbeatDetails?.payloads?.[0];
    let progress: StepProgress | null = null;
    if (payload) {
      try {
        const decoded = defaultPayloadConverter.fromPayload<unknown>(payload as Payload);
        if (isStepProgress(decoded)) progress = decoded;
      } catch {
        progress = null; // Details of another shape (or codec): show the step without a bar.
      }
    }
    return {
      activityType: activity.activityType?.name ?? 'unknown',
      attempt: activity.attempt ?? 1,
      state: ACTIVITY_STATE[Number(activity.state ?? 0)] ?? 'unknown',
      progress,
      lastFailure: activity.lastFailure?.message ?? null,
    };
  });
}

export function isStepProgress(value: unknown): value is StepProgress {
  if (value === null || typeof value !== 'object') return false;
  const p = value as Record<string, unknown>;
  return (
    typeof p.stepKey === 'string' &&
    typeof p.epoch === 'number' &&
    typeof p.epochs === 'number' &&
    typeof p.loss === 'number'
  );
}

/** How long a running campaign's worker gets to answer the state query (status and its seeds view). */
export const QUERY_DEADLINE_MS = 5000;

/** Runs `call` with a deadline (e.g. a query to a campaign whose worker is down); undefined on timeout. */
export async function withinDeadline<T>(c: CampaignClient, ms: number, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await c.connection.withDeadline(Date.now() + ms, call);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw err;
    const text = `${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? '')}`;
    if (/deadline|timed? ?out|DEADLINE_EXCEEDED/i.test(text)) return undefined;
    throw err;
  }
}

/** Flags every campaign command takes, for parseArgs. */
/** Who runs a command, for records that name a person (--by, --reviewer defaults): FAIRSHRINK_USER, else USER. */
export const defaultActor = (): string | undefined => process.env.FAIRSHRINK_USER || process.env.USER || undefined;

export const commonFlags = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
