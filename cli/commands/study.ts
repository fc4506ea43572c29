// `fairshrink study study.yaml`: validate a study file (every problem at once, exit 2 before anything starts), list
// its cells, upload each data set's files and start the compressionStudy workflow; `--wait` waits for it and writes
// the study table. `fairshrink study status <studyId>` shows a running study's cells, or a finished one's table.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import {
  cellCampaignId,
  loadStudyFile,
  prepareStudyInput,
  studyDatasetIds,
  studyIdOf,
  StudyFileError,
  type LoadedStudy,
} from '../../core/config/study.ts';
import { CampaignFileError } from '../../core/config/campaign-file.ts';
import { projectRoot } from '../../infra/paths.ts';
import { compressionStudy } from '../../workflows/study.ts';
import { EXIT, parseCommandArgs, UsageError, type CliIo } from '../io.ts';
import { openCampaignClient, openStore, reportingFailures, type CommandContext } from './campaign.ts';
import { followStudy, studyStatusCommand } from './study-status.ts';

export const studyHelp = `fairshrink study <study.yaml> [--dry-run] [--wait] [--table-out FILE] [--json]
fairshrink study status <studyId> [--wait] [--table-out FILE] [--json]

A compression study: every cell (data set × final sparsity × arm × seed) of the study file runs as its own
campaign, a child of one compressionStudy workflow, at most \`concurrency\` cells at a time
(docs/architecture.md#studies). A cell that fails its gates is a result, not a failure of the study. The
study writes <prefix>/<studyId>/study.json; the study table (README "Results") is rendered from it.
The study id is <name>-<hash of every cell's config and data>; running the same file again attaches to the
study, or, when its last run failed, was cancelled or terminated, starts it again: cells whose campaign completed
are taken as they ended, the others run again.

  --dry-run         validate the study file, every base campaign and every row of their data, and list
                    the cells with their campaign ids; start nothing
  --wait            wait for the study to end, then print (or write) its table
  --table-out FILE  write the study table (Markdown) to FILE instead of printing it
  --json            print the result as JSON

Exit codes: 0 started (with --wait: ended), 1 the study could not run or did not complete,
2 the study file is invalid.

Examples:
  fairshrink study examples/studies/compression-study.yaml --dry-run
  fairshrink study examples/studies/compression-study.yaml
  fairshrink study status compression-study-0123456789ab --wait --table-out results.md`;

const FLAGS = {
  'dry-run': { type: 'boolean' },
  wait: { type: 'boolean' },
  'table-out': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function studyCommand(argv: string[], io: CliIo, context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('study', argv, FLAGS);
  if (values.help) {
    io.stdout(studyHelp);
    return EXIT.ok;
  }
  const flags = { wait: values.wait === true, json: values.json === true, tableOut: values['table-out'] };
  if (positionals[0] === 'status') {
    if (positionals.length !== 2)
      throw new UsageError('give one study id', 'fairshrink study status compression-study-0123456789ab');
    return reportingFailures(io, context, () => studyStatusCommand(positionals[1]!, flags, io));
  }
  if (positionals.length !== 1)
    throw new UsageError('give exactly one study file', 'fairshrink study examples/studies/compression-study.yaml');
  const study = await checkedStudy(positionals[0]!, io);
  if (study === undefined) return EXIT.usage;
  if (values['dry-run']) {
    const studyId = studyIdOf(study, await studyDatasetIds(study));
    const cells = study.cells.map((c) => ({ ...c.cell, campaignId: cellCampaignId(studyId, c.cell) }));
    if (flags.json) io.stdout(JSON.stringify({ valid: true, studyId, cells }));
    else {
      io.stdout(
        `valid: ${positionals[0]} → study ${studyId}, ${cells.length} cells, ${study.config.concurrency} at a time`,
      );
      for (const cell of cells) io.stdout(`  ${cell.campaignId}`);
    }
    return EXIT.ok;
  }
  return reportingFailures(io, context, () => startStudy(study, flags, io));
}

/** The study file and every base campaign's data, checked; undefined (after saying why on stderr) when invalid. */
async function checkedStudy(file: string, io: CliIo): Promise<LoadedStudy | undefined> {
  let study: LoadedStudy;
  try {
    study = await loadStudyFile(file);
  } catch (err) {
    if (!(err instanceof CampaignFileError)) throw err;
    io.stderr(`error: ${err.message}`);
    io.stderr('hint: fix each field named above (docs/architecture.md#studies)');
    return undefined;
  }
  // Every row of each data set (and an imported model), as `fairshrink run` checks a campaign before it starts.
  const { preflightProblems } = await import('../../core/config/preflight.ts');
  const problems: string[] = [];
  for (const [i, base] of study.bases.entries()) {
    const checked = await preflightProblems(base.loaded);
    problems.push(...checked.problems.map((p) => `datasets[${i}] (${base.name}): ${p}`));
  }
  if (problems.length === 0) return study;
  io.stderr(`error: ${new StudyFileError(file, problems).message}`);
  io.stderr('hint: fix each field named above (docs/datasets.md#checking-a-campaign-before-it-runs)');
  return undefined;
}

async function startStudy(
  study: LoadedStudy,
  flags: { wait: boolean; json: boolean; tableOut?: string },
  io: CliIo,
): Promise<number> {
  const c = await openCampaignClient();
  const store = openStore(c.settings);
  try {
    const input = await prepareStudyInput(study, store, { projectRoot });
    const computeQueue = process.env.FAIRSHRINK_COMPUTE_TASK_QUEUE;
    const options =
      computeQueue && computeQueue !== c.settings.temporal.taskQueue ? { computeTaskQueue: computeQueue } : {};
    const earlier = await c.client.workflow
      .getHandle(input.studyId)
      .describe()
      .then((d) => d.status.name)
      .catch(() => undefined);
    try {
      // A study that ended without completing starts again under its id; its completed cells are taken as they are.
      await c.client.workflow.start(compressionStudy, {
        taskQueue: c.settings.temporal.taskQueue,
        workflowId: input.studyId,
        args: [input, options],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      });
      if (!flags.json)
        io.stdout(
          `started study ${input.studyId} on task queue ${c.settings.temporal.taskQueue}: ${input.cells.length} cells, ${input.concurrency} at a time${earlier ? ` (again: its last run is ${earlier}; the cells that run completed are taken as they ended)` : ''}`,
        );
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const description = await c.client.workflow.getHandle(input.studyId).describe();
      if (!flags.json) io.stdout(`study ${input.studyId} already exists (${description.status.name}); attaching`);
    }
    if (!flags.wait) {
      if (flags.json)
        io.stdout(JSON.stringify({ studyId: input.studyId, cells: input.cells.map((cell) => cell.cell.campaignId) }));
      else io.stdout(`\`fairshrink study status ${input.studyId} --wait --table-out results.md\` waits for its table`);
      return EXIT.ok;
    }
    return await followStudy(c, store, input.studyId, flags, io);
  } finally {
    store.destroy();
    await c.close();
  }
}
