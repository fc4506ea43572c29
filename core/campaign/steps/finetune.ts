// Step "finetune": masked fine-tuning of a pruned candidate, optionally fairness-constrained (CEAG), heartbeating
// every epoch and resuming from its epoch checkpoints.
import {
  constraintGaps,
  evaluateGroups,
  excessAccuracyGaps,
  lagrangianTerm,
  maxExcessGap,
} from '../../compression/finetune.ts';
import { createModelMasker } from '../../compression/masks.ts';
import { loadEncodedDataset } from '../../data/dataset-cache.ts';
import { deriveSeed } from '../../lineage/seeds.ts';
import { ensureBackend } from '../../model/backend.ts';
import { loadCheckpointModel } from '../../model/checkpoint.ts';
import { withModel } from '../../model/predictor.ts';
import { trainModel } from '../../model/train.ts';
import type { StepContext } from '../../step/context.ts';
import { loadCheckpointMasks, saveCheckpoint } from '../checkpoints.ts';
import type { FinetuneInput, FinetuneOutput } from '../contracts.ts';
import { createProgressDriver, fingerprintOf, StepAbortedError } from '../progress.ts';
import { intersectionalGroups } from './groups.ts';
import { checkIdentity, idempotent } from './idempotent.ts';

/**
 * Masked fine-tuning on core/model's trainModel (masks re-applied after every step, so pruned weights stay +0), or
 * fairness-constrained fine-tuning with core/compression's Lagrangian (lagrangianTerm): CEAG's ψ_g ≤ ε (Hashemizadeh
 * et al. 2024) or, with `constraint: no-harm`, every group's own accuracy drop ≤ ε; the dual step once per epoch on
 * the training data. The loop is run here (not through maskedFinetune) because the campaign needs
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
      const constraint = plan.constraint ?? 'excess-gap';
      const lagrangian = input.constrained
        ? lagrangianTerm(
            train.groups,
            dense,
            lambda,
            plan.epsilon,
            constraint === 'no-harm' ? 'group-loss' : 'excess-loss-gap',
          )
        : undefined;
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
                  // Dual ascent on the constraint's true gaps (ψ_g, or the group's own drop), projected onto λ ≥ 0
                  // (CEAG, Alg. 1).
                  const gaps = constraintGaps(constraint, dense, evaluateGroups(m, train));
                  for (const g of groupNames) {
                    const gap = gaps[g]?.value;
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
