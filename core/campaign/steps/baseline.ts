// Step "baseline": the dense model, trained from the campaign's plan (heartbeating, resumable) or imported.
import type * as tf from '@tensorflow/tfjs';
import type { EncodedDataset } from '../../data/dataset.ts';
import { loadEncodedDataset } from '../../data/dataset-cache.ts';
import { deriveSeed } from '../../lineage/seeds.ts';
import { ensureBackend } from '../../model/backend.ts';
import { describeInputRow, inputRowShape, inputShapeMismatch } from '../../model/input-shape.ts';
import { importLayersModel } from '../../model/io.ts';
import { buildMlp } from '../../model/mlp.ts';
import { withModel } from '../../model/predictor.ts';
import { TrainSpec } from '../../model/spec.ts';
import { trainModel } from '../../model/train.ts';
import { getCached } from '../../storage/blob-cache.ts';
import { CampaignInputError, type StepContext } from '../../step/context.ts';
import { saveCheckpoint } from '../checkpoints.ts';
import type { DatasetRef, TrainBaselineInput, TrainOutput } from '../contracts.ts';
import { createProgressDriver, fingerprintOf, StepAbortedError } from '../progress.ts';
import { checkIdentity, idempotent } from './idempotent.ts';

function checkDatasetWidth(dataset: EncodedDataset, ref: DatasetRef): void {
  if (dataset.featureNames.length !== ref.features)
    throw new Error(
      `data set ${ref.datasetId}: ${dataset.featureNames.length} features, the DatasetRef says ${ref.features}`,
    );
}

/** Trains the dense baseline ('train' plan, heartbeating and resumable) or imports the user's model ('import' plan). */
export async function trainBaseline(input: TrainBaselineInput, ctx: StepContext): Promise<TrainOutput> {
  checkIdentity(input);
  const { store } = ctx;
  return idempotent(ctx, input, async () => {
    const backend = await ensureBackend();
    const dataset = await loadEncodedDataset(store, input.dataset);
    checkDatasetWidth(dataset, input.dataset);
    const features = dataset.featureNames.length;
    const plan = input.model;

    if (plan.kind === 'import') {
      const files = input.importedModel;
      if (files === undefined)
        throw new CampaignInputError("model.kind is 'import' but the campaign input carries no imported model files");
      const modelJson = await getCached(store, files.modelJson);
      const weights: Record<string, Uint8Array> = {};
      for (const w of files.weights) weights[w.path] = await getCached(store, w.ref);
      let model: tf.LayersModel;
      try {
        model = await importLayersModel(
          { modelJson, weights, source: plan.modelJson },
          { requireBinaryClassifier: true },
        );
      } catch (err) {
        throw new CampaignInputError((err as Error).message);
      }
      return withModel(model, async (m) => {
        // importLayersModel has checked that every dimension after the batch axis is known.
        const rowShape = inputRowShape(m)!;
        const mismatch = inputShapeMismatch(rowShape, { features, inputShape: dataset.inputShape });
        if (mismatch !== undefined) {
          const width = rowShape.reduce((a, b) => a * b, 1);
          throw new CampaignInputError(
            `the imported model ${plan.modelJson} takes ${describeInputRow(rowShape)} but data set '${dataset.name}' ${mismatch} ` +
              `(one-hot categories + standardised numerics, one code per categorical column with categoricalEncoding: codes, or an image spec's pixels, see docs/data-and-models.md). Fix: train the model on this spec's encoding ` +
              `or change the data set spec so it encodes ${dataset.inputShape === undefined || rowShape.length === 1 ? `${String(width)} features` : `images of ${rowShape.join('×')}`}.`,
          );
        }
        const checkpoint = await saveCheckpoint(store, input, m);
        return { checkpoint, epochsRun: 0, resumedFromEpoch: 0, finalLoss: null, backend };
      });
    }

    const spec = TrainSpec.parse(plan.train);
    const model = buildMlp(plan.mlp, { inputDim: features, seed: deriveSeed(input.seed, input.stepKey, 'init') });
    return withModel(model, async (m) => {
      const fingerprint = fingerprintOf({
        step: 'baseline',
        stepKey: input.stepKey,
        seed: input.seed,
        dataset: input.dataset.encoded.sha256,
        plan,
      });
      const driver = await createProgressDriver(input, ctx, m, spec.epochs, fingerprint);
      const resumed = driver.resumed;
      // An attempt that stopped early before its crash must not train on: early stopping had fired.
      const stoppedEarly =
        resumed !== undefined && spec.patience > 0 && resumed.state.epochsWithoutImprovement >= spec.patience;
      const startEpoch = resumed === undefined ? 0 : stoppedEarly ? spec.epochs : resumed.epoch;
      const s = dataset.splits;
      const result = await trainModel(
        m,
        { x: s.train.x, y: s.train.y },
        {
          seed: deriveSeed(input.seed, input.stepKey, 'train'),
          spec,
          validation: { x: s.validation.x, y: s.validation.y },
          startEpoch,
          ...(resumed === undefined ? {} : { resumeState: resumed.state }),
          afterStep: driver.afterStep,
          onEpochEnd: (report, context) => driver.onEpochEnd(report, context),
          ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
        },
      );
      if (result.stopReason === 'aborted') throw new StepAbortedError(`${input.stepKey}: training aborted`);
      const checkpoint = await saveCheckpoint(store, input, m);
      const last = result.history[result.history.length - 1];
      return {
        checkpoint,
        epochsRun: (resumed?.epoch ?? 0) + result.history.length,
        resumedFromEpoch: resumed === undefined ? 0 : resumed.epoch + 1,
        finalLoss: last?.loss ?? resumed?.loss ?? null,
        backend,
      };
    });
  });
}
