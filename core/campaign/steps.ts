/**
 * core/campaign: the compute steps of a compression campaign, as plain async functions the activity adapters call.
 * Every step reads its inputs from S3 (BlobStore), writes under `<prefix>/<campaignId>/<stepKey>/`, and returns the
 * small JSON output of core/campaign/contracts.ts. Steps are idempotent (a complete, verified result.json is reused),
 * deterministic (seeds only via deriveSeed(seed, stepKey, purpose)), and the training steps heartbeat and resume from
 * epoch checkpoints. See the header of each file: store.ts (layout, caches), checkpoints.ts (formats), progress.ts
 * (heartbeats and resume), decisions.ts (decision log, rejection marks, lineage).
 */
import * as tf from '@tensorflow/tfjs';
import { parse as parseYaml } from 'yaml';
import {
  groupLossGradients,
  globalMagnitudeMasks,
  layerwiseMagnitudeMasks,
  randomMasks,
  regrow as regrowWeights,
  regrowthScores,
  rowsByGroup,
  groupSaliencyMasks,
  type GroupGradients,
  type GroupedData,
} from '../compression/criteria.ts';
import { evaluateGroups, excessAccuracyGaps, maxExcessGap, type GroupPerformance } from '../compression/finetune.ts';
import { applyMasksToWeights, createModelMasker, sparsityStats, type MaskSet } from '../compression/masks.ts';
import { readDenseLayers } from '../compression/model-adapter.ts';
import { fakeQuantize, forwardFakeQuant, type ActivationRange } from '../compression/quantize.ts';
import { measureLatencyPer1000Rows } from '../compression/size.ts';
import { neuronL2Scores, selectUnits, structuredMasks } from '../compression/structured.ts';
import { isPrunable } from '../compression/weights.ts';
import type { EncodedDataset } from '../data/dataset.ts';
import { datasetIdOf, rawSha256, sha256Hex, specSha256 } from '../data/hash.ts';
import { maybeGunzip } from '../data/csv.ts';
import { loadDataset } from '../data/load.ts';
import { selectRows, type FeatureMatrix } from '../data/matrix.ts';
import { deserializeDataset, serializeDataset } from '../data/serialize.ts';
import { parseDatasetSpec, sourceKey } from '../data/spec.ts';
import { reliabilityBins, type ReliabilityData } from '../fairness/calibration-curve.ts';
import { decideGate } from '../fairness/gate.ts';
import { allIntersections, intersectionKey } from '../fairness/groups.ts';
import { evaluateFairness } from '../fairness/report.ts';
import type { FairnessReport } from '../fairness/report-types.ts';
import { deriveSeed } from '../lineage/seeds.ts';
import { importLayersModel } from '../model/io.ts';
import { buildMlp } from '../model/mlp.ts';
import { predictProba } from '../model/predict.ts';
import { TrainSpec } from '../model/spec.ts';
import { trainModel, type LossFn } from '../model/train.ts';
import { getWeightValues } from '../model/weights.ts';
import { tfExclusive } from '../model/exclusive.ts';
import { createRng, shuffleInPlace } from '../random/rng.ts';
import { getCached, rememberBlob } from '../storage/blob-cache.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { parseJsonBytes, putJson } from '../storage/json.ts';
import type { Rubric } from '../config/rubric.ts';
import type {
  ArtifactRef,
  CheckpointRef,
  DatasetRef,
  EvaluateInput,
  EvaluateOutput,
  FinetuneInput,
  FinetuneOutput,
  GateInput,
  GateOutput,
  PrepareDatasetInput,
  PruneInput,
  PruneOutput,
  QuantizeInput,
  QuantizeOutput,
  RegrowInput,
  StepIdentity,
  TrainBaselineInput,
  TrainOutput,
} from './contracts.ts';
import {
  ensureBackend,
  checkpointMetadata,
  loadCheckpointMasks,
  loadCheckpointModel,
  saveCheckpoint,
  sizeOf,
  writeModelWeights,
} from './checkpoints.ts';
import {
  attributeGroups,
  evaluationAttributes,
  intersectionalGroups,
  loadEncodedDataset,
  rememberDataset,
  sensitiveLabels,
} from './dataset-cache.ts';
import { createProgressDriver, fingerprintOf, StepAbortedError } from './progress.ts';
import {
  CampaignInputError,
  completedResult,
  datasetDir,
  stepDir,
  validateStepKey,
  type StepContext,
} from './store.ts';
import { summarizeReport } from './summary.ts';
import { withExportPredictor } from './export.ts';

export type { StepContext } from './store.ts';
export { CampaignInputError, validateStepKey } from './store.ts';
export { StepAbortedError } from './progress.ts';
export { appendDecision, markRejected, writeLineage } from './decisions.ts';

const RESULT = 'result.json';

/** Runs `compute` unless `<stepDir>/result.json` holds a verified earlier result; writes result.json last. */
export async function idempotent<T>(ctx: StepContext, step: StepIdentity, compute: () => Promise<T>): Promise<T> {
  const { store } = ctx;
  const key = `${stepDir(step)}/${RESULT}`;
  const done = await completedResult<T>(store, key);
  if (done !== undefined) return done;
  await ensureBackend();
  const result = await tfExclusive(step.stepKey, ctx, compute);
  await putJson(store, key, result);
  return result;
}

function checkIdentity(input: { stepKey: string; seed: number }): void {
  validateStepKey(input.stepKey);
  if (!Number.isInteger(input.seed)) throw new CampaignInputError(`seed must be an integer, got ${input.seed}`);
}

function checkSparsity(what: string, s: number): void {
  if (!(s >= 0 && s < 1)) throw new CampaignInputError(`${what} must be in [0, 1), got ${s}`);
}

async function withModel<T>(model: tf.LayersModel, use: (m: tf.LayersModel) => Promise<T>): Promise<T> {
  try {
    return await use(model);
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------- prepare

function datasetRefOf(encoded: ArtifactRef, dataset: EncodedDataset): DatasetRef {
  return {
    encoded,
    datasetId: dataset.datasetId,
    rawSha256: dataset.rawSha256,
    specSha256: dataset.specSha256,
    rows: {
      train: dataset.splits.train.x.rows,
      validation: dataset.splits.validation.x.rows,
      test: dataset.splits.test.x.rows,
    },
    features: dataset.featureNames.length,
    attributes: dataset.sensitive.map((s) => ({ name: s.name, groups: [...s.groups] })),
    ...(dataset.stats.filter === undefined ? {} : { filter: dataset.stats.filter }),
  };
}

/**
 * Loads the uploaded spec and sources, encodes and splits them (core/data), and stores the result content-addressed
 * at datasets/<datasetId>/{encoded.bin, spec.json}, shared across campaigns: a data set already there is reused.
 */
export async function prepareDataset(input: PrepareDatasetInput, ctx: StepContext): Promise<DatasetRef> {
  checkIdentity(input);
  const { store } = ctx;
  return idempotent(ctx, input, async () => {
    const specText = new TextDecoder().decode(await getCached(store, input.spec));
    let raw: unknown;
    try {
      raw = parseYaml(specText);
    } catch (err) {
      throw new CampaignInputError(
        `${input.spec.uri}: the data set spec is not valid YAML/JSON: ${(err as Error).message}`,
      );
    }
    const spec = parseDatasetSpec(raw, input.spec.uri);
    const sourceBytes: Record<string, Uint8Array> = {};
    for (const source of spec.sources) {
      const key = sourceKey(source);
      const uploaded = input.sources.find((s) => s.path === key);
      if (uploaded === undefined) {
        throw new CampaignInputError(
          `the data set spec names source "${key}" but no uploaded source has that path (uploaded: ${input.sources.map((s) => s.path).join(', ') || 'none'}); upload every file the spec lists`,
        );
      }
      sourceBytes[key] = await getCached(store, uploaded.ref);
    }
    // The data set id from the hashes alone, so a data set already encoded by any campaign is reused.
    const digests = spec.sources.map((s) => ({
      role: s.role,
      contentSha256: sha256Hex(maybeGunzip(sourceBytes[sourceKey(s)]!)),
    }));
    const datasetId = datasetIdOf(rawSha256(digests), specSha256(spec));
    const dir = datasetDir(datasetId);
    const encodedKey = `${dir}/encoded.bin`;
    const existing = await store.head(encodedKey);
    if (existing !== undefined) {
      const { bytes, ref } = await store.getByKey(encodedKey);
      const dataset = deserializeDataset(bytes, ref.uri);
      if (dataset.datasetId === datasetId) {
        rememberBlob(ref, bytes);
        rememberDataset(ref.sha256, dataset);
        await putJson(store, `${dir}/spec.json`, dataset.spec);
        return datasetRefOf(ref, dataset);
      }
    }
    const dataset = await loadDataset({ spec, baseDir: '.', file: input.spec.uri }, { sourceBytes });
    const bytes = serializeDataset(dataset);
    const ref = await store.put(encodedKey, bytes);
    rememberBlob(ref, bytes);
    rememberDataset(ref.sha256, dataset);
    await putJson(store, `${dir}/spec.json`, dataset.spec);
    return datasetRefOf(ref, dataset);
  });
}

// ---------------------------------------------------------------- baseline

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
        const width = m.inputs[0]!.shape[1];
        if (width !== features) {
          throw new CampaignInputError(
            `the imported model ${plan.modelJson} takes ${String(width)} input features but data set '${dataset.name}' encodes ${features} ` +
              `(one-hot categories + standardised numerics, see docs/data-and-models.md). Fix: train the model on this spec's encoding ` +
              `(same categorical/numeric columns and categories) or change the data set spec so it encodes ${String(width)} features.`,
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

// ---------------------------------------------------------------- prune and regrow

/**
 * ∂L_g/∂w on the training split for every group of every sensitive attribute (keys "attr=group"), so group
 * saliency's max over groups (core/compression) keeps a weight that matters to any group of any attribute.
 */
function allGroupGradients(model: tf.LayersModel, dataset: EncodedDataset): GroupGradients {
  const merged: GroupGradients = new Map();
  for (const attr of dataset.sensitive) {
    for (const [group, grads] of groupLossGradients(model, attributeGroups(dataset, 'train', attr.name)))
      merged.set(`${attr.name}=${group}`, grads);
  }
  return merged;
}

function intersectMasks(a: MaskSet, b: MaskSet | undefined): MaskSet {
  if (b === undefined) return a;
  const out: MaskSet = new Map();
  for (const [name, mask] of a) {
    const other = b.get(name);
    out.set(name, other === undefined ? mask : Uint8Array.from(mask, (m, i) => m & other[i]!));
  }
  for (const [name, mask] of b) if (!out.has(name)) out.set(name, mask);
  return out;
}

function layerSummary(weights: ReturnType<typeof getWeightValues>): PruneOutput['layers'] {
  return sparsityStats(weights).layers.map((l) => ({
    name: l.name,
    sparsity: l.sparsity,
    nonzeros: l.nonzeros,
    size: l.total,
  }));
}

/**
 * Prunes `from` to `targetSparsity` of its kernel weights with the criterion; masks already in force stay pruned.
 * 'structured' removes round(targetSparsity · units) hidden units per layer by the L2 norm of their incoming
 * weights, as masks (whole columns and rows zero) so the tfjs model keeps its shape; the checkpoint's size counts
 * the shrunk model.
 */
export async function prune(input: PruneInput, ctx: StepContext): Promise<PruneOutput> {
  checkIdentity(input);
  checkSparsity('targetSparsity', input.targetSparsity);
  const { store } = ctx;
  return idempotent(ctx, input, async () => {
    await ensureBackend();
    const dataset = await loadEncodedDataset(store, input.dataset);
    const existing = await loadCheckpointMasks(store, input.from);
    const model = await loadCheckpointModel(store, input.from);
    return withModel(model, async (m) => {
      const weights = getWeightValues(m);
      const s = input.targetSparsity;
      let masks: MaskSet;
      switch (input.criterion) {
        case 'magnitude-global':
          masks = globalMagnitudeMasks(weights, s, existing);
          break;
        case 'magnitude-layerwise':
          masks = layerwiseMagnitudeMasks(weights, s, existing);
          break;
        case 'random':
          masks = randomMasks(weights, s, deriveSeed(input.seed, input.stepKey, 'random'), 'global', existing);
          break;
        case 'group-saliency':
          masks = groupSaliencyMasks(weights, allGroupGradients(m, dataset), s, 'global', existing);
          break;
        case 'structured': {
          const layers = readDenseLayers(m);
          masks = intersectMasks(structuredMasks(layers, selectUnits(neuronL2Scores(layers), s)), existing);
          break;
        }
      }
      const pruned = applyMasksToWeights(weights, masks);
      writeModelWeights(m, pruned);
      const checkpoint = await saveCheckpoint(store, input, m, { masks });
      return { checkpoint, layers: layerSummary(pruned) };
    });
  });
}

/**
 * Restores round(fraction · pruned) of the candidate's pruned weights with the highest group saliency of their
 * baseline values, max_g |w_baseline · ∂L_g/∂w| (core/compression regrowthScores), at their baseline values.
 */
export async function regrow(input: RegrowInput, ctx: StepContext): Promise<PruneOutput> {
  checkIdentity(input);
  if (!(input.fraction > 0 && input.fraction < 1))
    throw new CampaignInputError(`fraction must be in (0, 1), got ${input.fraction}`);
  const { store } = ctx;
  return idempotent(ctx, input, async () => {
    await ensureBackend();
    const dataset = await loadEncodedDataset(store, input.dataset);
    const masks = await loadCheckpointMasks(store, input.from);
    if (masks === undefined)
      throw new CampaignInputError(`regrow: ${input.from.stepKey} has no masks, nothing was pruned`);
    const baselineModel = await loadCheckpointModel(store, input.baseline);
    const baseline = await withModel(baselineModel, async (b) => getWeightValues(b));
    const model = await loadCheckpointModel(store, input.from);
    return withModel(model, async (m) => {
      const current = getWeightValues(m);
      const scores = regrowthScores(current, allGroupGradients(m, dataset), baseline);
      let prunedCount = 0;
      for (const mask of masks.values()) for (const v of mask) prunedCount += 1 - v;
      const result = regrowWeights(current, masks, scores, Math.round(input.fraction * prunedCount), {
        reinit: 'pre-prune',
        prePrune: baseline,
      });
      const weights = applyMasksToWeights(result.weights, result.masks);
      writeModelWeights(m, weights);
      const checkpoint = await saveCheckpoint(store, input, m, { masks: result.masks });
      return { checkpoint, layers: layerSummary(weights) };
    });
  });
}

// ---------------------------------------------------------------- finetune

/**
 * Masked fine-tuning on core/model's trainModel (masks re-applied after every step, so pruned weights stay +0), or
 * CEAG fairness-constrained fine-tuning (Hashemizadeh et al. 2024) with the same Lagrangian as core/compression's
 * constrainedFinetune: primal L + Σ_g λ_g[(L_g − L_g,dense) − (L − L_dense) − ε], dual λ_g ← max(0, λ_g + η(ψ_g − ε))
 * once per epoch on the training data. The loop is run here (not through maskedFinetune) because the campaign needs
 * an afterStep hook for heartbeats and event-loop yields, which core/compression does not expose.
 */
export async function finetune(input: FinetuneInput, ctx: StepContext): Promise<FinetuneOutput> {
  checkIdentity(input);
  const { store } = ctx;
  return idempotent(ctx, input, async () => {
    const backend = await ensureBackend();
    const dataset = await loadEncodedDataset(store, input.dataset);
    const masks = await loadCheckpointMasks(store, input.from);
    const plan = input.plan;
    const train = intersectionalGroups(dataset, 'train');
    const referenceModel = await loadCheckpointModel(store, input.reference);
    const dense = await withModel(referenceModel, async (r) => evaluateGroups(r, train));
    const model = await loadCheckpointModel(store, input.from);
    return withModel(model, async (m) => {
      const fingerprint = fingerprintOf({
        step: 'finetune',
        stepKey: input.stepKey,
        seed: input.seed,
        dataset: input.dataset.encoded.sha256,
        from: [input.from.weightsBin.sha256, input.from.masks?.sha256 ?? null],
        reference: input.reference.weightsBin.sha256,
        plan,
        constrained: input.constrained,
      });
      const driver = await createProgressDriver(input, ctx, m, plan.epochs, fingerprint);
      const resumed = driver.resumed;
      const masker = masks === undefined ? undefined : createModelMasker(m, masks);
      const groupNames = [...new Set(train.groups as string[])].sort();
      const lambda: Record<string, number> = {};
      for (const g of groupNames) lambda[g] = resumed?.lambda?.[g] ?? 0;
      const lagrangian = input.constrained ? ceagTerm(train, dense, lambda, plan.epsilon) : undefined;
      let history = 0;
      let lastLoss: number | null = resumed?.loss ?? null;
      try {
        masker?.apply();
        if (plan.epochs > 0) {
          const result = await trainModel(
            m,
            { x: train.x, y: train.y },
            {
              seed: deriveSeed(input.seed, input.stepKey, 'finetune'),
              spec: {
                epochs: plan.epochs,
                batchSize: plan.batchSize,
                learningRate: plan.learningRate,
                patience: 0,
                restoreBestWeights: false,
              },
              startEpoch: resumed?.epoch ?? 0,
              ...(resumed === undefined ? {} : { resumeState: resumed.state }),
              ...(lagrangian === undefined ? {} : { extraLoss: lagrangian }),
              afterStep: async (info) => {
                masker?.apply();
                await driver.afterStep(info);
              },
              onEpochEnd: async (report, context) => {
                if (input.constrained) {
                  // Dual ascent on the true excess accuracy gap ψ_g, projected onto λ ≥ 0 (CEAG, Alg. 1).
                  const psi = excessAccuracyGaps(dense, evaluateGroups(m, train));
                  for (const g of groupNames) {
                    const gap = psi[g]?.value;
                    if (gap !== undefined)
                      lambda[g] = Math.max(0, lambda[g]! + plan.dualLearningRate * (gap - plan.epsilon));
                  }
                }
                await driver.onEpochEnd(report, context, input.constrained ? lambda : undefined);
              },
              ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
            },
          );
          if (result.stopReason === 'aborted') throw new StepAbortedError(`${input.stepKey}: fine-tuning aborted`);
          history = result.history.length;
          lastLoss = result.history[result.history.length - 1]?.loss ?? lastLoss;
        }
      } finally {
        masker?.dispose();
      }
      const maxPsi = maxExcessGap(excessAccuracyGaps(dense, evaluateGroups(m, train)));
      const checkpoint = await saveCheckpoint(store, input, m, masks === undefined ? {} : { masks });
      return {
        checkpoint,
        epochsRun: (resumed?.epoch ?? 0) + history,
        resumedFromEpoch: resumed === undefined ? 0 : resumed.epoch + 1,
        finalLoss: lastLoss,
        backend,
        maxPsiTrain: maxPsi.value ?? null,
      };
    });
  });
}

/**
 * CEAG's primal term on one batch (Hashemizadeh et al. 2024, eq. 6 with the excess-loss-gap proxy):
 * Σ_g λ_g [(L_g − L_g,dense) − (L − L_dense) − ε], L the batch mean BCE, L_g over the batch's rows of group g
 * (groups absent from the batch skipped), as one weighted sum of per-row losses (as core/compression/finetune.ts).
 */
function ceagTerm(
  train: GroupedData,
  dense: GroupPerformance,
  lambda: Record<string, number>,
  epsilon: number,
): LossFn {
  const byGroup = rowsByGroup(train.groups);
  const groupNames = [...byGroup.keys()];
  const groupOf = new Int32Array(train.y.length);
  groupNames.forEach((g, k) => byGroup.get(g)!.forEach((r) => (groupOf[r] = k)));
  return (yTrue, yPred, batch) => {
    const counts = new Float64Array(groupNames.length);
    for (const r of batch) counts[groupOf[r]!]!++;
    let lambdaSum = 0;
    let constant = 0;
    groupNames.forEach((g, k) => {
      const l = lambda[g]!;
      if (counts[k] === 0 || l === 0) return;
      lambdaSum += l;
      constant += l * (-(dense.groupLoss[g] ?? 0) + dense.loss - epsilon);
    });
    if (lambdaSum === 0) return tf.scalar(0);
    const weights = Float32Array.from(batch, (r) => {
      const k = groupOf[r]!;
      const l = lambda[groupNames[k]!]!;
      return (l === 0 ? 0 : l / counts[k]!) - lambdaSum / batch.length;
    });
    // Per-row BCE with Keras clipping (as core/model's binaryCrossEntropy), weighted and summed.
    const p = tf.clipByValue(yPred, 1e-7, 1 - 1e-7);
    const rowLoss = tf.neg(tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p)))));
    return tf.add(tf.sum(tf.mul(rowLoss, tf.tensor2d(weights, [batch.length, 1], 'float32'))), constant) as tf.Scalar;
  };
}

// ---------------------------------------------------------------- evaluate and gate

const ACTIVATION_RANGES_KEY = 'fairshrinkActivationRanges';

/** P(y = 1) of some rows, by the model loaded from a checkpoint. */
export type Predict = (x: FeatureMatrix) => Float32Array;

/**
 * Loads a checkpoint's model and lends `use` its predictor: tfjs, or the plain-array fake-quant forward pass when the
 * checkpoint quantizes activations. The model is disposed afterwards.
 */
export async function withPredictor<T>(
  store: BlobStore,
  checkpoint: CheckpointRef,
  use: (predict: Predict, forward: 'tfjs' | 'fake-quant') => Promise<T>,
): Promise<T> {
  if (checkpoint.export !== undefined) return withExportPredictor(store, checkpoint.export, use);
  const meta = checkpoint.int8 === undefined ? {} : await checkpointMetadata(store, checkpoint);
  const ranges = meta[ACTIVATION_RANGES_KEY] as ActivationRange[] | undefined;
  const model = await loadCheckpointModel(store, checkpoint);
  return withModel(model, async (m) => {
    if (ranges === undefined) return use((x) => predictProba(m, x), 'tfjs');
    const layers = readDenseLayers(m);
    return use((x) => forwardFakeQuant(layers, x.values, x.rows, ranges), 'fake-quant');
  });
}

/** Wall-clock budget of the latency measurement in one evaluate step (after one untimed warm-up call). */
const LATENCY_BUDGET_MS = 150;
const LATENCY_MAX_REPEATS = 5;

/** `<stepDir>/latency.json`: wall-clock timings, different on every run, so stored mutable and never in a result. */
interface LatencyFile {
  format: 'fairshrink.latency';
  version: 1;
  split: string;
  /** Rows per timed call (the first min(1,000, split rows) rows of the split). */
  rowsPerCall: number;
  repeats: number;
  /** Median over the timed calls, scaled to 1,000 rows. */
  msPer1000Rows: number;
  samplesMs: number[];
  backend: string;
  forward: 'tfjs' | 'fake-quant';
}

/**
 * Inference latency per 1,000 rows (core/compression measureLatencyPer1000Rows) on the first ≤ 1,000 rows of the
 * split: one untimed warm-up call, then as many timed calls (1–5) as fit in LATENCY_BUDGET_MS.
 */
async function measureLatency(
  predict: Predict,
  x: FeatureMatrix,
): Promise<Pick<LatencyFile, 'rowsPerCall' | 'repeats' | 'msPer1000Rows' | 'samplesMs'>> {
  const rowsPerCall = Math.min(1000, x.rows);
  const firstRows = Int32Array.from({ length: rowsPerCall }, (_, i) => i);
  const subset = rowsPerCall === x.rows ? x : selectRows(x, firstRows);
  const start = performance.now();
  predict(subset);
  const probeMs = performance.now() - start;
  const repeats = Math.max(1, Math.min(LATENCY_MAX_REPEATS, Math.floor(LATENCY_BUDGET_MS / Math.max(probeMs, 1e-3))));
  const { msPer1000Rows, samplesMs } = await measureLatencyPer1000Rows(() => predict(subset), {
    rows: rowsPerCall,
    warmup: 0,
    repeats,
  });
  return { rowsPerCall, repeats, msPer1000Rows, samplesMs };
}

/** `<stepDir>/calibration.json`: reliability bins of both models on the evaluated split (canonical JSON, immutable). */
interface CalibrationFile {
  format: 'fairshrink.calibration-curves';
  version: 1;
  split: string;
  rows: number;
  bins: number;
  /** The evaluated model ("after"). */
  candidate: ReliabilityData;
  /** The reference (the dense baseline, "before"), when the step compares with one; null otherwise. */
  reference: ReliabilityData | null;
}

/** Group labels per attribute, plus one column per intersection ("sex&age_group" → "female&<=25") when asked. */
function reliabilityGroups(sensitive: Record<string, string[]>, intersections: boolean): Record<string, string[]> {
  if (!intersections) return sensitive;
  const out: Record<string, string[]> = { ...sensitive };
  for (const members of allIntersections(Object.keys(sensitive))) {
    const columns = members.map((m) => sensitive[m]!);
    out[intersectionKey(members)] = columns[0]!.map((_, i) => intersectionKey(columns.map((c) => c[i]!)));
  }
  return out;
}

/**
 * Predicts on plan.split with the candidate (and the reference, for paired comparisons), builds the fairness report
 * (core/fairness, bootstrap seeded by deriveSeed(seed, stepKey, 'bootstrap')), stores it as report.json, stores both
 * models' reliability bins as calibration.json (deterministic, immutable) and the candidate's measured inference
 * latency as latency.json (wall-clock, mutable, never in the returned output), and returns the report's summary and
 * the candidate's deployed size.
 */
export async function evaluate(input: EvaluateInput, ctx: StepContext): Promise<EvaluateOutput> {
  checkIdentity(input);
  const { store } = ctx;
  const dir = stepDir(input);
  return idempotent(ctx, input, async () => {
    await ensureBackend();
    const dataset = await loadEncodedDataset(store, input.dataset);
    const plan = input.plan;
    const split = dataset.splits[plan.split];
    evaluationAttributes(dataset, plan.attributes);
    const { score, latency } = await withPredictor(store, input.candidate, async (predict, forward) => ({
      score: predict(split.x),
      // Timed after scoring, so the scores never depend on it; the timings go to latency.json only.
      latency: split.x.rows === 0 ? undefined : { ...(await measureLatency(predict, split.x)), forward },
    }));
    const referenceScore =
      input.reference === undefined ? undefined : await withPredictor(store, input.reference, async (p) => p(split.x));
    const sensitive = sensitiveLabels(dataset, plan.split, plan.attributes);
    const report = evaluateFairness(
      {
        label: split.y,
        score,
        ...(referenceScore === undefined ? {} : { referenceScore }),
        sensitive,
      },
      {
        ...(plan.attributes === undefined ? {} : { attributes: plan.attributes }),
        intersections: plan.intersections,
        threshold: plan.threshold,
        bootstrap: plan.bootstrap,
        ciMethod: plan.ciMethod,
        seed: deriveSeed(input.seed, input.stepKey, 'bootstrap'),
        minGroupSize: plan.minGroupSize,
      },
    );
    // JSON.stringify, not canonical JSON: the report may hold non-finite numbers (written as null).
    const reportBytes = new TextEncoder().encode(`${JSON.stringify(report)}\n`);
    const reportRef = await store.put(`${dir}/report.json`, reportBytes, { contentType: 'application/json' });
    rememberBlob(reportRef, reportBytes);
    // Reliability diagrams: same bins as the report's ECE; canonical JSON (sorted keys), so a retry writes the same bytes.
    const bins = report.config.calibration_bins;
    const groups = reliabilityGroups(sensitive, plan.intersections);
    const calibration: CalibrationFile = {
      format: 'fairshrink.calibration-curves',
      version: 1,
      split: plan.split,
      rows: split.y.length,
      bins,
      candidate: reliabilityBins(split.y, score, groups, { bins }),
      reference: referenceScore === undefined ? null : reliabilityBins(split.y, referenceScore, groups, { bins }),
    };
    await putJson(store, `${dir}/calibration.json`, calibration);
    if (latency !== undefined) {
      const file: LatencyFile = {
        format: 'fairshrink.latency',
        version: 1,
        split: plan.split,
        ...latency,
        backend: tf.getBackend(),
      };
      await putJson(store, `${dir}/latency.json`, file, 'mutable');
    }
    const masks = await loadCheckpointMasks(store, input.candidate);
    const model = await loadCheckpointModel(store, input.candidate);
    const size = await withModel(model, async (m) => sizeOf(getWeightValues(m), masks));
    return { report: reportRef, summary: summarizeReport(report), size };
  });
}

/** Per-group metrics and disparities that only exist against a reference model (core/fairness snapshot.ts). */
const REFERENCE_METRICS = new Set([
  'accuracy_drop',
  'excess_accuracy_gap',
  'flip_rate',
  'max_accuracy_drop',
  'max_excess_accuracy_gap',
  'max_flip_rate',
]);

/** The rubric a gate applies: scope 'absolute' (the baseline, no reference yet) keeps the absolute constraints only. */
export function rubricForScope(rubric: Rubric, scope: GateInput['scope']): Rubric {
  if (scope === 'all') return rubric;
  return {
    ...rubric,
    constraints: rubric.constraints.filter((c) => c.relative_to !== 'reference' && !REFERENCE_METRICS.has(c.metric)),
  };
}

interface GateFile {
  fingerprint: string;
  scope: GateInput['scope'];
  report: ArtifactRef;
  decision: GateOutput['decision'];
}

/**
 * Applies the rubric (core/fairness decideGate) to the report in S3 and writes `<stepDir>/gate.json`. Scope
 * 'absolute' drops constraints with relative_to 'reference' and those on reference-only metrics (ψ_g, accuracy
 * drop, flip rate), which the baseline cannot have. gate.json is the gate's result file (no result.json), so the
 * gate may share the evaluate step's folder.
 */
export async function gate(input: GateInput, ctx: StepContext): Promise<GateOutput> {
  checkIdentity(input);
  const { store } = ctx;
  const key = `${stepDir(input)}/gate.json`;
  const fingerprint = fingerprintOf({ report: input.report.sha256, rubric: input.rubric, scope: input.scope });
  const done = await completedResult<GateFile>(store, key);
  if (done !== undefined && done.fingerprint === fingerprint) {
    const { ref } = await store.getByKey(key);
    return { decision: done.decision, ref };
  }
  const report = parseJsonBytes<FairnessReport>(await getCached(store, input.report), input.report.uri);
  const decision = decideGate(rubricForScope(input.rubric, input.scope), report);
  const file: GateFile = { fingerprint, scope: input.scope, report: input.report, decision };
  const ref = await putJson(store, key, file);
  return { decision, ref };
}

// ---------------------------------------------------------------- quantize

/** `count` rows of the training split drawn without replacement by a seeded shuffle, in row order. */
function seededRows(rows: number, count: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  shuffleInPlace(order, createRng(seed));
  return order.slice(0, Math.min(rows, count)).sort();
}

/**
 * Post-training quantization (core/compression fakeQuantize): int8 symmetric per-channel weights (or float16),
 * optional empirical bias correction (Nagel et al. 2019) and uint8 activation calibration on a seeded subset of the
 * training split. Stores the fake-quant model (dequantized weights; activation ranges in model.json's
 * userDefinedMetadata) as model.json/weights.bin, the masks, and the int8 export as int8.bin.
 */
export async function quantize(input: QuantizeInput, ctx: StepContext): Promise<QuantizeOutput> {
  checkIdentity(input);
  const { store } = ctx;
  return idempotent(ctx, input, async () => {
    await ensureBackend();
    const dataset = await loadEncodedDataset(store, input.dataset);
    const masks = await loadCheckpointMasks(store, input.from);
    const plan = input.plan;
    const train = dataset.splits.train;
    const calibration = selectRows(
      train.x,
      seededRows(train.x.rows, plan.calibrationRows, deriveSeed(input.seed, input.stepKey, 'calibration')),
    );
    const model = await loadCheckpointModel(store, input.from);
    return withModel(model, async (m) => {
      const before = getWeightValues(m);
      const fq = fakeQuantize(m, {
        precision: plan.precision,
        ...(plan.biasCorrection && plan.precision === 'int8' ? { biasCorrectionData: calibration } : {}),
        ...(plan.activations
          ? {
              activations: {
                data: calibration,
                samples: calibration.rows,
                seed: deriveSeed(input.seed, input.stepKey, 'activation-calibration'),
                method: 'minmax' as const,
              },
            }
          : {}),
      });
      let maxAbsWeightError = 0;
      fq.weights.forEach((w, i) => {
        if (!isPrunable(w)) return;
        const orig = before[i]!.values;
        for (let k = 0; k < orig.length; k++)
          maxAbsWeightError = Math.max(maxAbsWeightError, Math.abs(orig[k]! - w.values[k]!));
      });
      writeModelWeights(m, fq.weights);
      const checkpoint = await saveCheckpoint(store, input, m, {
        ...(masks === undefined ? {} : { masks }),
        int8: fq.exportBytes(),
        ...(fq.activationRanges === undefined ? {} : { metadata: { [ACTIVATION_RANGES_KEY]: fq.activationRanges } }),
      });
      return { checkpoint, maxAbsWeightError };
    });
  });
}
