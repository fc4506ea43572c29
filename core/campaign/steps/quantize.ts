// Step "quantize": post-training int8 (or float16) quantization of the accepted model, with optional bias
// correction and activation calibration on a seeded subset of the training split.
import type * as tf from '@tensorflow/tfjs';
import { isDenseChain, nonDenseClasses } from '../../compression/model-adapter.ts';
import { exportInt8, fakeQuantize } from '../../compression/quantize.ts';
import { quantizeNetwork } from '../../compression/quantize-network.ts';
import { isPrunable } from '../../compression/weights.ts';
import type { MaskSet } from '../../compression/masks.ts';
import type { NamedWeight } from '../../compression/weights.ts';
import type { FeatureMatrix } from '../../data/matrix.ts';
import { loadEncodedDataset } from '../../data/dataset-cache.ts';
import { selectRows } from '../../data/matrix.ts';
import { deriveSeed } from '../../lineage/seeds.ts';
import { ensureBackend } from '../../model/backend.ts';
import { loadCheckpointModel } from '../../model/checkpoint.ts';
import { ACTIVATION_RANGES_KEY, withModel } from '../../model/predictor.ts';
import { getWeightValues } from '../../model/weights.ts';
import { createRng, shuffleInPlace } from '../../random/rng.ts';
import { CampaignInputError, type StepContext } from '../../step/context.ts';
import { loadCheckpointMasks, saveCheckpoint, writeModelWeights } from '../checkpoints.ts';
import type { QuantizeInput, QuantizeOutput } from '../contracts.ts';
import { checkIdentity, idempotent } from './idempotent.ts';

/** `count` rows of the training split drawn without replacement by a seeded shuffle, in row order. */
function seededRows(rows: number, count: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  shuffleInPlace(order, createRng(seed));
  return order.slice(0, Math.min(rows, count)).sort();
}

/** The largest |w − w_q| over the kernels (rank ≥ 2) of two weight lists in the same order. */
function maxKernelError(float: readonly NamedWeight[], quantized: readonly NamedWeight[]): number {
  let max = 0;
  quantized.forEach((w, i) => {
    if (!isPrunable(w)) return;
    const orig = float[i]!.values;
    for (let k = 0; k < orig.length; k++) max = Math.max(max, Math.abs(orig[k]! - w.values[k]!));
  });
  return max;
}

/**
 * A model with layers other than Dense and Dropout (core/compression quantizeNetwork): BatchNormalization folded,
 * per-channel int8 (or float16) weights, bias correction when the plan asks for it; activations stay float32. The
 * checkpoint is the folded model with the dequantized weights, so evaluate's tfjs predictions are the quantized
 * model's, and it is what the export step writes.
 */
async function quantizeNonDense(
  model: tf.LayersModel,
  input: QuantizeInput,
  ctx: StepContext,
  masks: MaskSet | undefined,
  calibration: FeatureMatrix,
): Promise<QuantizeOutput> {
  const plan = input.plan;
  if (plan.activations)
    throw new CampaignInputError(
      `quantize.activations: activation fake-quant works on Dense-only models and this model has ${nonDenseClasses(model).join(', ')}; set quantize.activations: false (weights are still int8)`,
    );
  const quantized = quantizeNetwork(model, {
    precision: plan.precision,
    ...(plan.biasCorrection && plan.precision === 'int8' ? { biasCorrectionData: calibration } : {}),
  });
  try {
    const checkpoint = await saveCheckpoint(ctx.store, input, quantized.model, {
      ...(masks === undefined ? {} : { masks }),
      int8: exportInt8(quantized.weights, quantized.int8),
    });
    return { checkpoint, maxAbsWeightError: maxKernelError(quantized.floatWeights, quantized.weights) };
  } finally {
    quantized.model.dispose();
  }
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
    if (!isDenseChain(model)) return withModel(model, (m) => quantizeNonDense(m, input, ctx, masks, calibration));
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
