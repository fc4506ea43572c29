// `fairshrink run campaign.yaml`: validate the campaign file (every problem at once), upload its
// inputs to S3, and start the campaign workflow. Same file over the same data, same campaign id:
// starting it again attaches to the existing campaign instead of running a second one; `--fresh`
// starts a new run (`<id>-r2`, ...) of one that failed.
import { parseArgs } from 'node:util';
import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { connectionSettings } from '../../core/config/connection.ts';
import {
  CampaignFileError,
  loadCampaignFile,
  prepareCampaignInput,
  seedCampaignId,
  type LoadedCampaign,
} from '../../core/config/campaign-file.ts';
import type { EncodedDataset } from '../../core/data/dataset.ts';
import { feasibilityWarnings, formatFeasibility, type FeasibilityReport } from '../../core/fairness/feasibility.ts';
import { ArtifactStore } from '../../core/storage/index.ts';
import { projectRoot } from '../../infra/paths.ts';
import { compressionCampaign } from '../../workflows/campaign.ts';
import { startSeedCampaigns } from './run-seeds.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';
import { terminalOf, watchCampaign } from './watch.ts';

export const runHelp = `fairshrink run <campaign.yaml> [--id <campaign-id>] [--fresh] [--watch] [--dry-run] [--strict] [--json]

Validate a campaign file, upload its data set and model files to S3, and start the campaign on
the task queue FAIRSHRINK_TASK_QUEUE (a worker must run: \`fairshrink worker\`). The campaign id is
<name>-<hash of the config and the data set's contents> unless --id is given; running the same file
over the same data again attaches to that campaign (its latest run), and changed data gives a new id.
With \`seeds: [0, 1, 2]\` in the file, the campaign runs once per seed: a parent workflow under the campaign
id starts one campaign per seed (<id>-seed-<seed>), in parallel, and judges them by \`seedRule\`
(docs/architecture.md#seeds); \`fairshrink status <id>\` shows the seeds and their spread.

  --fresh     when the campaign's latest run failed, was terminated, cancelled or timed out, start a
              new run of it as <id>-r2 (then -r3, ...) instead of attaching to the closed one
  --watch     follow the campaign as \`fairshrink watch\` does, until it ends (a multi-seed campaign: wait for
              every seed, then print its status; \`fairshrink watch <id>-seed-<seed>\` follows one seed)
  --dry-run   only validate, as every run does before it uploads or starts anything: the file, its data
              set's header and first rows against every column, attribute and rubric metric the campaign
              names, then every row of the data set and an imported model's input width; print the
              campaign id
  --strict    a rubric constraint that cannot pass at the planned sample size is an error, not a warning
  --json      print the result as JSON

Before anything starts (with or without --dry-run), every group's rows in the split the gates use are
counted; a constraint whose threshold is closer to its ideal value than a group can resolve is a warning
naming the groups and the rows each would need (docs/fairness.md#pre-flight-feasibility).

Exit codes: 0 started (or, with --watch, completed; a multi-seed campaign: its seed rule passed),
1 the campaign failed or stopped early (a multi-seed campaign: its seed rule did not pass),
2 the campaign file is invalid (or, with --strict, a constraint cannot pass).

Examples:
  fairshrink run examples/campaigns/adult-demo.yaml --watch
  fairshrink run my-campaign.yaml --dry-run
  fairshrink run my-campaign.yaml --fresh --watch   # after a failure that was not the input's fault`;

/** The id of a campaign's n-th run: `<id>`, then `<id>-r2`, `<id>-r3`, ... */
export const campaignRunId = (campaignId: string, run: number): string =>
  run === 1 ? campaignId : `${campaignId}-r${run}`;

/** Temporal statuses of a run that closed without completing: --fresh starts the next run after one of these. */
const RERUNNABLE = new Set(['FAILED', 'TERMINATED', 'CANCELLED', 'TIMED_OUT']);

export interface RunChoice {
  /** The workflow id to start (or attach to, when it exists). */
  campaignId: string;
  /** The status of the run attached to, when one exists; undefined when a new run starts. */
  existing?: string;
  /** Said to the user: why --fresh attached, or that --fresh would start a new run. */
  note?: string;
}

/**
 * Which run of `campaignId` \`run\` starts or attaches to: the latest existing one, or with `fresh`, a new one after it
 * when it closed without completing. `statusOf(id)` is a workflow's Temporal status, undefined when there is none.
 */
export async function chooseCampaignRun(
  campaignId: string,
  fresh: boolean,
  statusOf: (id: string) => Promise<string | undefined>,
): Promise<RunChoice> {
  let latest: { run: number; status: string } | undefined;
  for (let run = 1; ; run++) {
    const status = await statusOf(campaignRunId(campaignId, run));
    if (status === undefined) break;
    latest = { run, status };
  }
  if (latest === undefined) return { campaignId };
  const latestId = campaignRunId(campaignId, latest.run);
  const nextId = campaignRunId(campaignId, latest.run + 1);
  if (RERUNNABLE.has(latest.status)) {
    if (fresh) return { campaignId: nextId };
    return {
      campaignId: latestId,
      existing: latest.status,
      note: `to start a new run of it as ${nextId}, run again with --fresh`,
    };
  }
  return {
    campaignId: latestId,
    existing: latest.status,
    ...(fresh
      ? { note: `--fresh starts a new run only after a run that did not complete; ${latestId} is ${latest.status}` }
      : {}),
  };
}

export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      id: { type: 'string' },
      watch: { type: 'boolean' },
      fresh: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      strict: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(runHelp);
    return EXIT.ok;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1)
    throw new UsageError('give exactly one campaign file', 'fairshrink run examples/campaigns/adult-demo.yaml');
  if (values.id !== undefined && !/^[a-z0-9][a-z0-9-]{0,127}$/.test(values.id)) {
    throw new UsageError(`--id "${values.id}" is not a valid campaign id`, 'use lower-case letters, digits and "-"');
  }
  let loaded;
  try {
    loaded = await loadCampaignFile(file);
  } catch (err) {
    if (err instanceof CampaignFileError) {
      io.stderr(`error: ${err.message}`);
      io.stderr('hint: fix each field named above; the schema is examples/campaign.schema.json');
      return EXIT.usage;
    }
    throw err;
  }
  // Every row of the data and an imported model are checked before anything is uploaded or started.
  const { preflightProblems } = await import('../../core/config/preflight.ts');
  const { problems, dataset } = await preflightProblems(loaded);
  if (problems.length > 0 || dataset === undefined) {
    io.stderr(`error: ${new CampaignFileError(file, problems).message}`);
    io.stderr('hint: fix each field named above (docs/datasets.md#checking-a-campaign-before-it-runs)');
    return EXIT.usage;
  }
  const settings = connectionSettings(process.env);
  if (values['dry-run']) {
    const { campaignIdOf, datasetIdOfCampaign } = await import('../../core/config/campaign-file.ts');
    const feasibility = await preflight(loaded, dataset, values.strict === true, io);
    if (feasibility === undefined) return EXIT.usage;
    const id = values.id ?? campaignIdOf(loaded, await datasetIdOfCampaign(loaded));
    if (values.json) io.stdout(JSON.stringify({ valid: true, campaignId: id, feasibility }));
    else {
      io.stdout(`valid: ${file} → campaign ${id}`);
      const seeds = loaded.config.seeds;
      if (seeds !== undefined)
        io.stdout(
          `seeds: ${seeds.length} (rule ${loaded.config.seedRule ?? 'all'}), as ${seeds.map((seed) => seedCampaignId(id, seed)).join(', ')}`,
        );
      for (const line of formatFeasibility(feasibility)) io.stdout(line);
    }
    return EXIT.ok;
  }
  if ((await preflight(loaded, dataset, values.strict === true, io)) === undefined) return EXIT.usage;
  const store = new ArtifactStore(settings.s3);
  const connection = await Connection.connect({ address: settings.temporal.address });
  try {
    const prepared = await prepareCampaignInput(loaded, store, { campaignId: values.id, projectRoot });
    const client = new Client({ connection, namespace: settings.temporal.namespace });
    const choice = await chooseCampaignRun(prepared.campaignId, values.fresh === true, async (id) => {
      try {
        return (await client.workflow.getHandle(id).describe()).status.name;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      }
    });
    const input = { ...prepared, campaignId: choice.campaignId };
    const computeQueue = process.env.FAIRSHRINK_COMPUTE_TASK_QUEUE;
    const options =
      computeQueue && computeQueue !== settings.temporal.taskQueue ? { computeTaskQueue: computeQueue } : {};
    if (input.config.seeds !== undefined) {
      return await startSeedCampaigns(
        { settings, client, connection, close: () => connection.close() },
        input,
        options,
        { watch: values.watch === true, json: values.json === true },
        io,
      );
    }
    let handle;
    try {
      handle = await client.workflow.start(compressionCampaign, {
        taskQueue: settings.temporal.taskQueue,
        workflowId: input.campaignId,
        args: [input, options],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      if (!values.json) io.stdout(`started campaign ${input.campaignId} on task queue ${settings.temporal.taskQueue}`);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      handle = client.workflow.getHandle<typeof compressionCampaign>(input.campaignId);
      const description = await handle.describe();
      if (!values.json) {
        io.stdout(`campaign ${input.campaignId} already exists (${description.status.name}); attaching`);
        if (choice.note !== undefined) io.stdout(choice.note);
      }
    }
    if (!values.watch) {
      if (values.json) io.stdout(JSON.stringify({ campaignId: input.campaignId }));
      return EXIT.ok;
    }
    // Follow it exactly as `fairshrink watch` does (decisions, state, step progress, result and exit code).
    const terminal = terminalOf(io);
    return await watchCampaign(
      { settings, client, connection, close: () => connection.close() },
      store,
      input.campaignId,
      terminal.io,
      { intervalMs: 1000, json: values.json === true, tty: terminal.tty && values.json !== true },
    );
  } finally {
    store.destroy();
    await connection.close();
  }
}

/**
 * Counts each group's rows in the split the gates use and checks every constraint can pass there: warnings on
 * stderr, or (strict) errors. undefined when the run must stop with exit code 2.
 */
async function preflight(
  loaded: LoadedCampaign,
  dataset: EncodedDataset,
  strict: boolean,
  io: CliIo,
): Promise<FeasibilityReport | undefined> {
  const { checkFeasibility } = await import('../../core/config/data-check.ts');
  const report = checkFeasibility(loaded, dataset);
  const lines = feasibilityWarnings(report, loaded.rubric);
  for (const line of lines) io.stderr(`${strict ? 'error' : 'warning'}: ${line}`);
  if (lines.length === 0) return report;
  io.stderr(
    'hint: relax the threshold, collect more rows for the groups named, or merge small groups with a map derivation in the data set spec (docs/fairness.md#pre-flight-feasibility)',
  );
  return strict ? undefined : report;
}
