// The campaign's deployable export, end to end against the real Temporal server and real S3: the campaign ships
// sparse-int8 and tfjs-standard, the test downloads both from S3, loads tfjs-standard with plain tfjs (no
// fairshrink code) and sparse-int8 with fairshrink's loader, and reproduces the final gate's report and verdict
// exactly from the re-loaded sparse-int8 predictions, which equal the quantized model's bitwise.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadCheckpointModel } from '../../core/model/checkpoint.ts';
import type { CheckpointRef } from '../../core/campaign/contracts.ts';
import { sensitiveLabels } from '../../core/data/dataset-cache.ts';
import { summarizeReport } from '../../core/fairness/summary.ts';
import { withPredictor } from '../../core/model/predictor.ts';
import { rubricForScope } from '../../core/fairness/rubric-scope.ts';
import { CheckpointRefSchema } from '../../core/config/deployment.ts';
import { deploymentFromCampaign, readCampaignDataset } from '../../core/monitoring/promotion.ts';
import { deserializeDataset } from '../../core/data/serialize.ts';
import { exportPredictor, loadExport, type ExportFile } from '../../core/export/index.ts';
import { decideGate } from '../../core/fairness/gate.ts';
import { evaluateFairness } from '../../core/fairness/report.ts';
import { deriveSeed } from '../../core/lineage/seeds.ts';
import { predictProba } from '../../core/model/index.ts';
import type { ArtifactRef } from '../../core/storage/index.ts';
import { campaignInput, campaignWorker, fixtureCampaign, startCampaign } from '../helpers/campaign.ts';
import { replayAndMaybeRecord } from '../helpers/replay.ts';
import { uniqueId, useTemporalAndStore, workflowBundle } from '../helpers/services.ts';

const { temporal: connection, store } = useTemporalAndStore();

const json = async <T>(ref: ArtifactRef): Promise<T> => JSON.parse(Buffer.from(await store.get(ref)).toString()) as T;

async function download(files: { name: string; ref: ArtifactRef }[]): Promise<ExportFile[]> {
  return Promise.all(files.map(async (f) => ({ name: f.name, bytes: await store.get(f.ref) })));
}

/** What a tfjs user does with the downloaded model.json + shard: no fairshrink code. */
async function plainTfjsLoad(files: ExportFile[]): Promise<tf.LayersModel> {
  const byName = new Map(files.map((f) => [f.name, f.bytes]));
  const modelJson = JSON.parse(Buffer.from(byName.get('model.json')!).toString()) as tf.io.ModelJSON;
  const shards = modelJson.weightsManifest.flatMap((g) => g.paths).map((p) => byName.get(p)!);
  const weightData = new Uint8Array(Buffer.concat(shards));
  return tf.loadLayersModel({
    load: async () => ({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights),
      weightData: weightData.buffer,
    }),
  });
}

const sameBits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));

describe('campaign export', () => {
  it('ships a re-loadable export whose final gate the downloaded files reproduce exactly', async () => {
    const id = uniqueId('german-export');
    const taskQueue = uniqueId('campaign-q');
    const input = await campaignInput(fixtureCampaign('german-pass'), store, id);
    const worker = await campaignWorker(connection().nativeConnection, taskQueue, store);
    const handle = await startCampaign(connection().client, input, taskQueue);
    const result = await worker.runUntil(handle.result());
    await replayAndMaybeRecord(handle, { workflowBundle: workflowBundle() }, 'campaign-german-pass-export');

    expect(result.status).toBe('completed');
    const exported = result.export!;
    expect(exported.format).toBe('sparse-int8');
    expect(exported.gate).toBe('pass');
    expect(exported.formats.map((f) => f.format)).toEqual(['sparse-int8', 'tfjs-standard']);
    const sizes = await json<{
      shipped: string;
      dense: { bytes: number };
      formats: { format: string; bytes: number }[];
    }>(exported.sizes);
    expect(exported.sizes.uri).toBe(`s3://${store.bucket}/campaigns/${id}/export/sizes.json`);
    expect(sizes.shipped).toBe('sparse-int8');
    const sparse = exported.formats[0]!;
    const standard = exported.formats[1]!;
    expect(sparse.bytes).toBeLessThan(sizes.dense.bytes / 4);
    expect(sizes.formats.map((f) => f.bytes)).toEqual([sparse.bytes, standard.bytes]);

    // Data and models as the final gate saw them.
    const lineage = await json<{ data: { encoded: ArtifactRef }; finalCheckpoint: CheckpointRef }>(result.lineage);
    expect(lineage.finalCheckpoint.export?.format).toBe('sparse-int8');
    const dataset = deserializeDataset(await store.get(lineage.data.encoded), 'encoded');
    const plan = input.config.evaluation;
    const split = dataset.splits[plan.split];

    const sparseModel = await loadExport('sparse-int8', await download(sparse.files));
    const sparseScores = exportPredictor(sparseModel)(split.x);
    const quantizedModel = await loadCheckpointModel(store, result.final.checkpoint);
    expect(result.final.checkpoint.stepKey).toBe('quantize');
    expect(sameBits(sparseScores, predictProba(quantizedModel, split.x))).toBe(true);

    const plainModel = await plainTfjsLoad(await download(standard.files));
    const standardScores = predictProba(plainModel, split.x);
    const maxDiff = standardScores.reduce((m, p, i) => Math.max(m, Math.abs(p - sparseScores[i]!)), 0);
    expect(maxDiff).toBe(standard.maxAbsPredictionDifference);
    expect(maxDiff).toBeLessThan(0.05);

    // The final gate's report and verdict, recomputed from the downloaded export.
    const baselineModel = await loadCheckpointModel(store, result.baseline.checkpoint);
    const report = evaluateFairness(
      {
        label: split.y,
        score: sparseScores,
        referenceScore: predictProba(baselineModel, split.x),
        sensitive: sensitiveLabels(dataset, plan.split, plan.attributes),
      },
      {
        ...(plan.attributes === undefined ? {} : { attributes: plan.attributes }),
        intersections: plan.intersections,
        threshold: plan.threshold,
        bootstrap: plan.bootstrap,
        ciMethod: plan.ciMethod,
        seed: deriveSeed(input.config.seed, 'export/evaluate', 'bootstrap'),
        minGroupSize: plan.minGroupSize,
      },
    );
    const stored = (await store.getByKey(`campaigns/${id}/export/evaluate/report.json`)).bytes;
    expect(`${JSON.stringify(report)}\n`).toBe(Buffer.from(stored).toString());
    const gate = await json<{ decision: unknown }>((await store.getByKey(`campaigns/${id}/export/gate/gate.json`)).ref);
    expect(decideGate(rubricForScope(input.rubric, 'all'), report)).toEqual(gate.decision);
    expect(summarizeReport(report)).toEqual(exported.summary);

    // promote and monitor: the deployment record of the shipped export, scored the way audits score a deployment.
    const record = deploymentFromCampaign({
      campaign: input,
      result: { ...result, final: { checkpoint: exported.checkpoint, summary: exported.summary } },
      lineage,
      dataset: await readCampaignDataset(store, input),
      name: 'export-test',
      promotedBy: 'test',
      note: '',
    });
    expect(record.source.stepKey).toBe('export');
    expect(CheckpointRefSchema.parse(record.checkpoint).export).toEqual(exported.checkpoint.export);
    const served = await withPredictor(store, record.checkpoint, async (predict) => predict(split.x));
    expect(sameBits(served, sparseScores)).toBe(true);
    for (const m of [sparseModel.model, quantizedModel, plainModel, baselineModel]) m.dispose();
  });
});
