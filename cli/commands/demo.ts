// `fairshrink demo` (`npm run demo`): the real thing on UCI Adult. Bring the local stack up, run a
// worker in this process, run examples/campaigns/adult-demo.yaml (a 64-32 MLP pruned to 90%
// sparsity in 4 gated milestones, then int8) with live progress, and print where everything is.
// `--smoke` instead runs the tiny stack-check workflow (an activity writes one artifact to S3).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { connectionSettings } from '../../core/config/connection.ts';
import { loadCampaignFile, prepareCampaignInput } from '../../core/config/campaign-file.ts';
import { ArtifactStore } from '../../core/storage/index.ts';
import { fairshrinkHome, logsDir, projectRoot } from '../../infra/paths.ts';
import { renderCampaignReport } from '../../core/report/index.ts';
import { stackUp } from '../../infra/stack.ts';
import { createFairshrinkWorker, installRuntime } from '../../workers/worker.ts';
import { compressionCampaign, scheduleTargets, stateQuery, type CampaignResult } from '../../workflows/campaign.ts';
import { campaignOutcome, describeFinalModel, formatBytes } from '../../core/campaign/summary.ts';
import { stackCheck } from '../../workflows/stack-check.ts';
import { EXIT, type CliIo } from '../io.ts';

export const demoHelp = `fairshrink demo [--campaign <file>] [--smoke] [--json]

Start the local stack if needed, run a worker in this process, and run the demo campaign
(examples/campaigns/adult-demo.yaml: UCI Adult, a 64-32 MLP pruned to 90% sparsity in four gated
milestones, then int8) with live progress. Prints the final checkpoint's ArtifactRef, the
dashboard file and the Temporal Web UI link. Running it again attaches to the finished campaign.

  --campaign <file>  run another campaign file the same way
  --smoke            only check the stack: a workflow whose activity writes one artifact to S3

Examples:
  npm run demo
  npx fairshrink demo --smoke`;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

async function attachOrStart(
  client: Client,
  input: Awaited<ReturnType<typeof prepareCampaignInput>>,
  taskQueue: string,
) {
  try {
    return {
      handle: await client.workflow.start(compressionCampaign, {
        taskQueue,
        workflowId: input.campaignId,
        args: [input, {}],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
      resumed: false,
    };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { handle: client.workflow.getHandle<typeof compressionCampaign>(input.campaignId), resumed: true };
  }
}

/** Print each gated attempt as it lands (the `state` query), until the campaign ends. */
async function followProgress(handle: WorkflowHandle<typeof compressionCampaign>, log: (line: string) => void) {
  let printed = 0;
  let lastStep = '';
  const poll = async () => {
    const state = await handle.query(stateQuery);
    for (const a of state.attempts.slice(printed)) {
      const s = a.summary;
      log(
        `  milestone ${a.milestone}/${state.milestones} attempt ${a.attempt}: ${pct(a.achievedSparsity)} sparse${a.constrained ? ', constrained' : ''}` +
          ` · accuracy ${s.accuracy?.toFixed(4) ?? 'n/a'} · gate ${a.status.toUpperCase()}${a.status === 'pass' ? '' : ` — ${a.reason}`}`,
      );
    }
    printed = state.attempts.length;
    if (state.currentStep && state.currentStep !== lastStep) {
      lastStep = state.currentStep;
      log(`  … ${state.currentStep}`);
    }
  };
  // Polls run one after another, and the last one is awaited before returning: a query still in flight when the
  // caller closes the connection made gRPC throw "Channel has been shut down" from a timer, after the summary.
  let polling: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    polling = polling.then(poll).catch(() => undefined);
  }, 1000);
  try {
    const result = await handle.result();
    clearInterval(timer);
    await polling;
    await poll().catch(() => undefined);
    return result;
  } finally {
    clearInterval(timer);
    await polling;
  }
}

/** Stored size of the shipped export (bytes on disk) next to the dense float32 model's, and the final gate on it. */
function describeExport(exported: NonNullable<CampaignResult['export']>): string {
  const kb = formatBytes;
  const shipped = exported.formats.find((f) => f.format === exported.format);
  const others = exported.formats.filter((f) => f !== shipped).map((f) => `${f.format} ${kb(f.bytes)}`);
  return (
    `${exported.format} ${shipped === undefined ? '' : `${kb(shipped.bytes)} stored (${shipped.ratioVsDense.toFixed(1)}× smaller than the dense float32 model's ${kb(exported.dense.bytes)})`}` +
    `, final gate on the re-loaded export: ${exported.gate}${others.length > 0 ? `; also exported: ${others.join(', ')}` : ''}`
  );
}

function describeResult(
  result: CampaignResult,
  asked: number,
  ui: string,
  dashboard: string,
  lines: (line: string) => void,
) {
  const final = result.final.checkpoint;
  lines('');
  lines(campaignOutcome(result, asked).headline);
  lines(`  dense baseline: ${describeFinalModel(result.baseline, false)}`);
  lines(
    `  final model:    ${describeFinalModel(result.final, result.quantized)} (${final.nonzeros} nonzero of ${final.parameters})`,
  );
  if (result.export !== undefined) lines(`  shipped:        ${describeExport(result.export)}`);
  if (result.heldOut !== undefined)
    lines(
      `  held-out:       ${result.heldOut.status} on the ${result.heldOut.split} split (${result.heldOut.rows} rows no gate saw): ${result.heldOut.reason}`,
    );
  lines(`ArtifactRef ${JSON.stringify(result.final.checkpoint.weightsBin)}`);
  lines(`lineage      ${result.lineage.uri}`);
  lines(`decision log ${result.lineage.uri.replace(/lineage\.json$/, 'decisions.jsonl')}`);
  lines(`dashboard    ${dashboard}`);
  lines(`worker log   ${path.join(logsDir(), 'worker.log')}`);
  lines(`Temporal UI: ${ui}`);
  lines(`next: npx fairshrink promote ${result.campaignId} --name adult-demo   (then \`fairshrink monitor --help\`)`);
}

export async function demoCommand(argv: string[], io: CliIo, context = { verbose: false }): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      campaign: { type: 'string' },
      smoke: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(demoHelp);
    return EXIT.ok;
  }
  const log = values.json ? () => {} : (line: string) => io.stdout(line);
  // The SDK's own log goes to the worker log; --verbose shows it on the console instead.
  const workerLogFile = path.join(logsDir(), 'worker.log');
  installRuntime('INFO', context.verbose ? undefined : { file: workerLogFile, notify: (line) => io.stderr(line) });
  const status = await stackUp(process.env, log);
  const settings = connectionSettings(process.env);
  const connection = await Connection.connect({ address: settings.temporal.address });
  const client = new Client({ connection, namespace: settings.temporal.namespace });
  const { worker, close } = await createFairshrinkWorker({ settings });
  const store = new ArtifactStore(settings.s3);
  const uiOf = (id: string) =>
    `${status.temporal.ui}/namespaces/${settings.temporal.namespace}/workflows/${encodeURIComponent(id)}`;
  try {
    if (values.smoke) {
      const workflowId = `stack-check-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      const result = await worker.runUntil(
        client.workflow.execute(stackCheck, {
          taskQueue: settings.temporal.taskQueue,
          workflowId,
          args: [{ key: `stack-check/${workflowId}.json`, message: 'hello from fairshrink demo' }],
        }),
      );
      if (values.json) io.stdout(JSON.stringify({ workflowId, ...result, ui: uiOf(workflowId) }, null, 2));
      else {
        io.stdout(`ArtifactRef ${JSON.stringify(result.ref)}`);
        io.stdout(`sha256 verified on read: ${result.verified ? 'yes' : 'NO'}`);
        io.stdout(`Temporal UI: ${uiOf(workflowId)}`);
      }
      return result.verified ? EXIT.ok : EXIT.failed;
    }

    const file = values.campaign ?? path.join(projectRoot, 'examples', 'campaigns', 'adult-demo.yaml');
    const input = await prepareCampaignInput(await loadCampaignFile(file), store, { projectRoot });
    const { handle, resumed } = await attachOrStart(client, input, settings.temporal.taskQueue);
    log(`${resumed ? 'attached to' : 'started'} campaign ${input.campaignId} (${path.relative(process.cwd(), file)})`);
    log(`  watch it in the Temporal UI: ${uiOf(input.campaignId)}`);
    const result = await worker.runUntil(followProgress(handle, log));
    // The workflow keeps report.html in S3 current; a local copy is what a person opens.
    const { html } = await renderCampaignReport(store, {
      campaignId: input.campaignId,
      prefix: input.config.storage.prefix,
      generatedAt: new Date().toISOString(),
    });
    const reportsDir = path.join(fairshrinkHome(), 'reports');
    mkdirSync(reportsDir, { recursive: true });
    const dashboard = path.join(reportsDir, `${input.campaignId}.html`);
    writeFileSync(dashboard, html);
    const ui = uiOf(input.campaignId);
    if (values.json) io.stdout(JSON.stringify({ ...result, ui, dashboard }, null, 2));
    else describeResult(result, scheduleTargets(input.config).at(-1) ?? 0, ui, dashboard, (line) => io.stdout(line));
    return result.status === 'completed' ? EXIT.ok : EXIT.failed;
  } finally {
    store.destroy();
    await close();
    await connection.close();
  }
}
