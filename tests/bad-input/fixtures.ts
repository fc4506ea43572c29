// What some cases need to exist before they run, built once against the test Temporal server and S3: closed and
// running campaigns (for promote, review and status), a deployment (for monitor add-batch) and tfjs model files.
// All of it is made before the corpus takes its snapshots, so none of it counts as written by a case.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { datasetRefOf } from '../../core/campaign/steps/prepare.ts';
import { ensureBackend } from '../../core/model/backend.ts';
import { EvaluationPlan } from '../../core/config/campaign.ts';
import { parseRubric } from '../../core/config/rubric.ts';
import { loadDataset } from '../../core/data/load.ts';
import { serializeDataset } from '../../core/data/serialize.ts';
import { saveModelToBytes } from '../../core/model/io.ts';
import { promote } from '../../core/monitoring/registry.ts';
import type { ArtifactStore } from '../../core/storage/index.ts';
import { uniqueId } from '../helpers/services.ts';
import { baseDatasetSpec, baseRubric, dataCsv, yaml, type CorpusFixtures } from './corpus.ts';

const IDENTITY = 'bad-input corpus';

/**
 * A compressionCampaign that completed with `result`, without running one: the corpus starts the workflow on a task
 * queue of its own and answers its first workflow task with "complete", as a worker would.
 */
async function completedCampaign(client: Client, result: Record<string, unknown>): Promise<string> {
  const taskQueue = uniqueId('bad-input-fixture-q');
  const workflowId = uniqueId('bad-input-aborted');
  await client.workflow.start('compressionCampaign', { taskQueue, workflowId, args: [] });
  const namespace = client.options.namespace;
  // A long poll needs a deadline; the task is already waiting, so it answers at once.
  const task = await client.connection.withDeadline(Date.now() + 30_000, () =>
    client.workflowService.pollWorkflowTaskQueue({ namespace, taskQueue: { name: taskQueue }, identity: IDENTITY }),
  );
  await client.workflowService.respondWorkflowTaskCompleted({
    namespace,
    taskToken: task.taskToken,
    identity: IDENTITY,
    commands: [
      {
        commandType: temporal.api.enums.v1.CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
        completeWorkflowExecutionCommandAttributes: {
          result: { payloads: [defaultPayloadConverter.toPayload({ campaignId: workflowId, ...result })] },
        },
      },
    ],
  });
  await client.workflow.getHandle(workflowId).result();
  return workflowId;
}

/** A deployment serving a model of the base data set: what `monitor add-batch` checks a batch against. */
async function deploymentOfBaseData(store: ArtifactStore): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fairshrink-bad-input-fixture-'));
  await writeFile(path.join(dir, 'data.csv'), dataCsv());
  await writeFile(path.join(dir, 'data.yaml'), yaml(baseDatasetSpec()));
  const dataset = await loadDataset(path.join(dir, 'data.yaml'));
  const encoded = await store.put(`datasets/encoded/${dataset.datasetId}/encoded.bin`, serializeDataset(dataset));
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [dataset.featureNames.length], units: 1, activation: 'sigmoid' })],
  });
  const bytes = await saveModelToBytes(model);
  model.dispose();
  const name = uniqueId('bad-input-dep').slice(0, 63);
  const modelJson = await store.put(`deployments-fixture/${name}/model.json`, bytes.modelJson);
  const weightsBin = await store.put(`deployments-fixture/${name}/weights.bin`, bytes.weightsBin);
  const report = await store.put(`deployments-fixture/${name}/report.json`, new TextEncoder().encode('{}'));
  const parameters = dataset.featureNames.length + 1;
  await promote(
    store,
    {
      name,
      promotedBy: IDENTITY,
      note: 'the bad-input corpus checks batches against this data set',
      source: { campaignId: 'bad-input-fixture', stepKey: 'baseline', lineage: null },
      checkpoint: { stepKey: 'baseline', modelJson, weightsBin, sparsity: 0, parameters, nonzeros: parameters },
      reference: null,
      dataset: datasetRefOf(encoded, dataset),
      rubric: parseRubric(baseRubric()),
      evaluation: EvaluationPlan.parse({}),
      baseline: {
        report,
        summary: {
          rows: 0,
          accuracy: null,
          balancedAccuracy: null,
          worstGroupAccuracy: null,
          attributes: {},
          maxExcessAccuracyGap: null,
          flipRate: null,
        },
      },
    },
    new Date().toISOString(),
  );
  return name;
}

/** model.json text and weights.bin bytes of a one-layer model with `inputs` features and `outputs` sigmoid units. */
async function modelFiles(inputs: number, outputs: number) {
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [inputs], units: outputs, activation: 'sigmoid' })],
  });
  const bytes = await saveModelToBytes(model);
  model.dispose();
  return { modelJson: new TextDecoder().decode(bytes.modelJson), weightsBin: bytes.weightsBin };
}

/** The base data set encodes 2 numeric columns and workclass's 3 categories plus its unseen column. */
export const BASE_FEATURES = 6;

export async function buildFixtures(
  client: Client,
  store: ArtifactStore,
): Promise<{ fixtures: CorpusFixtures; close: () => Promise<void> }> {
  await ensureBackend();
  const abortedCampaignId = await completedCampaign(client, {
    status: 'aborted',
    reason: 'aborted by the bad-input corpus',
  });
  const runningCampaignId = uniqueId('bad-input-running');
  const running = await client.workflow.start('compressionCampaign', {
    taskQueue: uniqueId('bad-input-nobody-q'),
    workflowId: runningCampaignId,
    args: [],
  });
  const fixtures: CorpusFixtures = {
    abortedCampaignId,
    runningCampaignId,
    deployment: await deploymentOfBaseData(store),
    models: {
      goodWidth: await modelFiles(BASE_FEATURES, 1),
      wrongWidth: await modelFiles(BASE_FEATURES + 1, 1),
      twoOutputs: await modelFiles(BASE_FEATURES, 2),
    },
  };
  return {
    fixtures,
    close: async () => {
      await running.terminate('the bad-input corpus is done');
    },
  };
}
