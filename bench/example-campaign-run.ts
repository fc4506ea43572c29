// One example campaign through Temporal, in a process of its own: tfjs picks its backend once per process
// (core/model/backend.ts), so bench/suites/example-campaigns.ts starts this file once per campaign with
// FAIRSHRINK_TFJS_BACKEND set, and reads the measurement it prints after a marker line.
//   node --import tsx bench/example-campaign-run.ts <campaign file, relative to the repository root> <id prefix>
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { loadCampaignFile, prepareCampaignInput } from '../core/config/campaign-file.ts';
import { connectionSettings } from '../core/config/connection.ts';
import type { FairnessReport, MetricValue } from '../core/fairness/report-types.ts';
import { worstGroupAccuracy, type MetricSummary } from '../core/fairness/summary.ts';
import { ArtifactStore } from '../core/storage/index.ts';
import { projectRoot } from '../infra/paths.ts';
import { createFairshrinkWorker, installRuntime } from '../workers/worker.ts';
import { compressionCampaign } from '../workflows/campaign.ts';

export const RUN_MARKER = '@@EXAMPLE-CAMPAIGN@@';

/** What one run measured; the suite turns it into bench rows. */
export interface ExampleCampaignRun {
  campaignId: string;
  backend: string;
  /** From uploading the campaign's inputs to the workflow's result, worker already started. */
  wallSeconds: number;
  status: string;
  reason: string;
  attempts: number;
  milestones: number;
  targetSparsity: number;
  finalSparsity: number;
  /** 'int8' | 'float16' when the final model was quantized, else 'float32'. */
  precision: string;
  /** The split the quality numbers are on: the held-out verdict's when the campaign has one, else the gates'. */
  split: string;
  rows: number;
  final: MetricSummary;
  /** The dense baseline on the same rows (the split's report's reference section, else the baseline's summary). */
  dense: { accuracy: number | null; worstGroup: { attribute: string; group: string; value: number } | null };
  /** max ψ over the groups of any attribute with its paired-bootstrap CI, from the split's fairness report. */
  maxPsi: { attribute: string; value: number | null; ci: [number, number] | null; reason?: string } | undefined;
  formats: { format: string; bytes: number; gzipBytes: number; ratioVsDense: number }[];
  denseBytes: number | undefined;
  shipped: string | undefined;
  exportGate: string | undefined;
}

/** The largest max_excess_accuracy_gap over a report's attributes, with its CI. */
function maxPsiOf(report: FairnessReport): ExampleCampaignRun['maxPsi'] {
  let best: ExampleCampaignRun['maxPsi'];
  for (const [attribute, attr] of Object.entries(report.attributes)) {
    const psi: MetricValue | undefined = attr.disparities['max_excess_accuracy_gap'];
    if (psi === undefined) continue;
    if (best === undefined || (psi.value !== null && (best.value === null || psi.value > best.value)))
      best = { attribute, value: psi.value, ci: psi.ci, ...(psi.reason ? { reason: psi.reason } : {}) };
  }
  return best;
}

async function main(file: string, idPrefix: string): Promise<ExampleCampaignRun> {
  installRuntime('WARN');
  const settings = connectionSettings(process.env);
  const store = new ArtifactStore(settings.s3);
  const campaignId = `${idPrefix}-${Date.now().toString(36)}`;
  const taskQueue = `bench-${campaignId}`;
  const connection = await Connection.connect({ address: settings.temporal.address });
  const client = new Client({ connection, namespace: settings.temporal.namespace });
  const { worker, close } = await createFairshrinkWorker({
    settings: { ...settings, temporal: { ...settings.temporal, taskQueue } },
  });
  const t0 = performance.now();
  const loaded = await loadCampaignFile(`${projectRoot}/${file}`);
  const input = await prepareCampaignInput(loaded, store, { campaignId, projectRoot });
  const result = await worker.runUntil(
    client.workflow.execute(compressionCampaign, { taskQueue, workflowId: campaignId, args: [input, {}] }),
  );
  const wallSeconds = (performance.now() - t0) / 1000;
  await close();
  await connection.close();

  const { heldOut } = result;
  const reportRef = heldOut?.report;
  const report =
    reportRef === undefined
      ? undefined
      : (JSON.parse(Buffer.from(await store.get(reportRef)).toString()) as FairnessReport);
  store.destroy();
  const schedule = input.config.compression.schedule;
  const quantize = input.config.compression.quantize;
  return {
    campaignId,
    backend: process.env.FAIRSHRINK_TFJS_BACKEND ?? 'wasm',
    wallSeconds,
    status: result.status,
    reason: result.reason,
    attempts: result.milestones.length,
    milestones: Math.max(0, ...result.milestones.map((m) => m.milestone)),
    targetSparsity:
      schedule.kind === 'list'
        ? schedule.sparsities.at(-1)!
        : schedule.kind === 'constant'
          ? schedule.sparsity
          : schedule.finalSparsity,
    finalSparsity: result.final.checkpoint.sparsity,
    precision: result.quantized ? (quantize?.precision ?? 'int8') : 'float32',
    split: heldOut?.split ?? input.config.evaluation.split,
    rows: heldOut?.rows ?? result.final.summary.rows,
    final: heldOut?.summary ?? result.final.summary,
    dense:
      report === undefined
        ? { accuracy: result.baseline.summary.accuracy, worstGroup: result.baseline.summary.worstGroupAccuracy }
        : {
            accuracy: report.reference?.overall['accuracy']?.value ?? null,
            worstGroup: report.reference === undefined ? null : worstGroupAccuracy(report, report.reference),
          },
    maxPsi: report === undefined ? undefined : maxPsiOf(report),
    formats: (result.export?.formats ?? []).map((f) => ({
      format: f.format,
      bytes: f.bytes,
      gzipBytes: f.gzipBytes,
      ratioVsDense: f.ratioVsDense,
    })),
    denseBytes: result.export?.dense.bytes,
    shipped: result.export?.format,
    exportGate: result.export?.gate,
  };
}

// Run only as a script: the suite imports RUN_MARKER and the run's type from here.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, idPrefix] = process.argv.slice(2);
  if (!file || !idPrefix) {
    console.error('usage: example-campaign-run.ts <campaign file> <id prefix>');
    process.exit(2);
  }
  const run = await main(file, idPrefix);
  process.stdout.write(`\n${RUN_MARKER}${JSON.stringify(run)}`);
  process.exit(0);
}
