// `fairshrink study status <studyId>`: a running study's cells as its state query reports them; a finished one's
// study.json rendered as the study table. `--wait` waits for the study to end first.
import { WorkflowNotFoundError } from '@temporalio/client';
import { writeFile } from 'node:fs/promises';
import type { StudyReport } from '../../core/campaign/study.ts';
import { studyTable } from '../../core/report/study-table.ts';
import type { ArtifactStore } from '../../core/storage/index.ts';
import { studyStateQuery, type compressionStudy, type StudyState } from '../../workflows/study.ts';
import { EXIT, type CliIo } from '../io.ts';
import {
  CampaignCommandError,
  campaignIdProblem,
  openCampaignClient,
  openStore,
  QUERY_DEADLINE_MS,
  type CampaignClient,
} from './campaign.ts';
import { formatTable } from './campaign-format.ts';
import { campaignFailure } from './campaign-failure.ts';

type Flags = { wait: boolean; json: boolean; tableOut?: string };

export async function studyStatusCommand(studyId: string, flags: Flags, io: CliIo): Promise<number> {
  const problem = campaignIdProblem(studyId);
  if (problem !== undefined) throw new CampaignCommandError(problem, '`fairshrink list` shows the ids', EXIT.usage);
  const c = await openCampaignClient();
  const store = openStore(c.settings);
  try {
    return await followStudy(c, store, studyId, flags, io);
  } finally {
    store.destroy();
    await c.close();
  }
}

/** Describe the study (waiting for its end with `wait`), then print its cells or write its table. */
export async function followStudy(
  c: CampaignClient,
  store: ArtifactStore,
  studyId: string,
  flags: Flags,
  io: CliIo,
): Promise<number> {
  const handle = c.client.workflow.getHandle<typeof compressionStudy>(studyId);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    throw new CampaignCommandError(
      `no study "${studyId}" in namespace ${c.settings.temporal.namespace} at ${c.settings.temporal.address}`,
      '`fairshrink study <study.yaml> --dry-run` prints the study id of a study file',
      EXIT.usage,
    );
  }
  if (description.type !== 'compressionStudy')
    throw new CampaignCommandError(
      `workflow "${studyId}" is a ${description.type}, not a study`,
      '`fairshrink status <id>` shows a campaign',
      EXIT.usage,
    );
  if (flags.wait && description.status.name === 'RUNNING') {
    if (!flags.json) io.stdout(`waiting for study ${studyId} (${description.status.name})`);
    await handle.result().catch(() => undefined);
    description = await handle.describe();
  }
  if (description.status.name === 'RUNNING') {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const state = await Promise.race([
      handle.query(studyStateQuery).catch(() => undefined),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), QUERY_DEADLINE_MS))),
    ]).finally(() => clearTimeout(timer));
    if (flags.json) io.stdout(JSON.stringify({ studyId, status: 'RUNNING', state: state ?? null }, null, 2));
    else io.stdout(formatRunningStudy(studyId, state));
    return EXIT.ok;
  }
  if (description.status.name !== 'COMPLETED') {
    const failure = await handle.result().then(
      () => null,
      (err: unknown) => campaignFailure(err),
    );
    io.stderr(`study ${studyId} ${description.status.name}${failure ? `: ${failure.text}` : ''}`);
    return EXIT.failed;
  }
  const result = await handle.result();
  const bytes = await store.get(result.report);
  const report = JSON.parse(new TextDecoder().decode(bytes)) as StudyReport;
  if (!flags.json) io.stdout(`study ${studyId} completed: ${result.reason}; study.json at ${result.report.uri}`);
  await emitTable(report, studyTable(report), flags, io);
  return EXIT.ok;
}

function formatRunningStudy(studyId: string, state: StudyState | undefined): string {
  if (state === undefined)
    return `study ${studyId} RUNNING; no worker answered the state query within ${QUERY_DEADLINE_MS / 1000} s (is a worker running?)`;
  const done = state.cells.filter((cell) => cell.status !== 'waiting' && cell.status !== 'running').length;
  return [
    `study ${studyId} RUNNING (${state.phase}): ${done} of ${state.cells.length} cells ended, ${state.concurrency} at a time`,
    '',
    formatTable(
      ['Cell campaign', 'Status', 'Reason'],
      state.cells.map((cell) => [
        cell.campaignId,
        cell.attached ? `${cell.status} (an earlier run's)` : cell.status,
        cell.reason ?? '',
      ]),
    ),
  ].join('\n');
}

/** Writes the table to `tableOut`, or prints it; with json, prints study.json and the table together. */
export async function emitTable(
  report: StudyReport,
  table: string,
  flags: { json: boolean; tableOut?: string },
  io: CliIo,
): Promise<void> {
  if (flags.tableOut !== undefined) {
    await writeFile(flags.tableOut, table);
    if (!flags.json) io.stdout(`wrote the study table to ${flags.tableOut}`);
  }
  if (flags.json) io.stdout(JSON.stringify({ study: report, table }, null, 2));
  else if (flags.tableOut === undefined) io.stdout(table);
}
