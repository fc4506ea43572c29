// Step "finetune": masked fine-tuning of a pruned candidate, optionally fairness-constrained (CEAG), heartbeating
// every epoch and resuming from its epoch checkpoints.
import * as tf from '@tensorflow/tfjs';
import { rowsByGroup, type GroupedData } from '../../compression/criteria.ts';
import { evaluateGroups, excessAccuracyGaps, maxExcessGap, type GroupPerformance } from '../../compression/finetune.ts';
import { createModelMasker } from '../../compression/masks.ts';
import { loadEncodedDataset } from '../../data/dataset-cache.ts';
import { deriveSeed } from '../../lineage/seeds.ts';
import { ensureBackend } from '../../model/backend.ts';
import { loadCheckpointModel } from '../../model/checkpoint.ts';
import { withModel } from '../../model/predictor.ts';
import { trainModel, type LossFn } from '../../model/train.ts';
import type { StepContext } from '../../step/context.ts';
import { loadCheckpointMasks, saveCheckpoint } from '../checkpoints.ts';
import type { FinetuneInput, FinetuneOutput } from '../contracts.ts';
import { createProgressDriver, fingerprintOf, StepAbortedError } from '../progress.ts';
import { intersectionalGroups } from './groups.ts';
import { checkIdentity, idempotent } from './idempotent.ts';

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
