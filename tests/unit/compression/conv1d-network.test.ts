// A Conv1D model with a hidden Dense layer after Flatten (Conv1D → BatchNormalization → ReLU → MaxPooling1D → Flatten →
// Dense → Dense), the layer kinds the Keras fixtures do not hold, through the conv paths: structured pruning of the
// Conv1D filters (through pooling and Flatten) and of the hidden Dense units, masks kept through fine-tuning, and
// per-channel int8 with BatchNormalization folded. Built in tfjs with seeded weights; the cpu backend trains it (WASM
// has no convolution-filter gradients).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { globalMagnitudeMasks } from '../../../core/compression/criteria.ts';
import { maskedFinetune } from '../../../core/compression/finetune.ts';
import { applyMasksToModel, applyMasksToWeights } from '../../../core/compression/masks.ts';
import { readWeights } from '../../../core/compression/model-adapter.ts';
import { quantizeNetwork } from '../../../core/compression/quantize-network.ts';
import {
  filterL1Scores,
  liveChannels,
  pruneChannels,
  selectChannels,
  structuredChannelMasks,
} from '../../../core/compression/structured-network.ts';
import type { FeatureMatrix } from '../../../core/data/matrix.ts';
import {
  countParameters,
  getWeightValues,
  initBackend,
  predictProba,
  setWeightValues,
} from '../../../core/model/index.ts';
import { loadModelFromBytes, saveModelToBytes } from '../../../core/model/io.ts';
import { createRng } from '../../../core/random/rng.ts';
import { expectMasksHeldAndKeptTrained } from './fixtures.ts';

const STEPS = 12;
const CHANNELS = 3;

/** The model with seeded weights and non-trivial BatchNormalization statistics. */
function conv1dModel(seed: number): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv1d({ name: 'conv', inputShape: [STEPS, CHANNELS], filters: 6, kernelSize: 3, padding: 'same' }),
      tf.layers.batchNormalization({ name: 'conv_bn' }),
      tf.layers.reLU({ name: 'conv_relu' }),
      tf.layers.maxPooling1d({ name: 'pool', poolSize: 2 }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'hidden', units: 8, activation: 'relu' }),
      tf.layers.dense({ name: 'output', units: 1, activation: 'sigmoid' }),
    ],
  });
  const rng = createRng(seed);
  setWeightValues(
    model,
    getWeightValues(model).map((w) => {
      const bn = /\/(gamma|moving_variance)$/.test(w.name);
      return { ...w, values: Float32Array.from(w.values, () => (bn ? 0.5 + rng.next() : 0.4 * rng.normal())) };
    }),
  );
  return model;
}

function rowsOf(count: number, seed: number): { x: FeatureMatrix; y: Uint8Array; groups: string[] } {
  const rng = createRng(seed);
  const cols = STEPS * CHANNELS;
  const values = Float32Array.from({ length: count * cols }, () => rng.normal());
  // A label the model can learn: the sign of the first channel's mean over the steps.
  const y = Uint8Array.from({ length: count }, (_, r) => {
    let sum = 0;
    for (let t = 0; t < STEPS; t++) sum += values[r * cols + t * CHANNELS]!;
    return sum > 0 ? 1 : 0;
  });
  const groups = Array.from({ length: count }, (_, r) => (r % 4 === 0 ? 'b' : 'a'));
  return { x: { values, rows: count, cols }, y, groups };
}

const maxAbsDifference = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

beforeAll(async () => {
  await initBackend('cpu');
});

describe('a Conv1D model with a hidden Dense layer', () => {
  it('prunes Conv1D filters through pooling and Flatten, and hidden units, into a smaller model that predicts the same', async () => {
    const model = conv1dModel(3);
    const { x } = rowsOf(40, 4);
    const scores = filterL1Scores(model);
    expect([...scores.keys()]).toEqual(['conv', 'hidden']);
    const keep = selectChannels(scores, 0.5);
    expect(keep.get('conv')).toHaveLength(3);
    expect(keep.get('hidden')).toHaveLength(4);
    const masked = await loadModelFromBytes(await saveModelToBytes(model));
    tf.tidy(() =>
      setWeightValues(masked, applyMasksToWeights(getWeightValues(model), structuredChannelMasks(model, keep))),
    );
    const pruned = pruneChannels(model, keep);
    const shapes = new Map(getWeightValues(pruned.model).map((w) => [w.name, w.shape]));
    expect(shapes.get('conv/kernel')).toEqual([3, CHANNELS, 3]);
    expect(shapes.get('conv_bn/moving_mean')).toEqual([3]);
    // Flatten after pooling: 6 steps × 3 filters in, 4 units out.
    expect(shapes.get('hidden/kernel')).toEqual([18, 4]);
    expect(shapes.get('output/kernel')).toEqual([4, 1]);
    expect(maxAbsDifference(predictProba(pruned.model, x), predictProba(masked, x))).toBeLessThan(1e-6);
    expect(countParameters(pruned.model)).toBeLessThan(countParameters(model) / 2);
    expect(liveChannels(masked)).toEqual(keep);
    for (const m of [pruned.model, masked, model]) m.dispose();
  });

  it('keeps magnitude masks on the Conv1D and Dense kernels through masked fine-tuning', async () => {
    const model = conv1dModel(5);
    const data = rowsOf(64, 6);
    const before = readWeights(model);
    const masks = globalMagnitudeMasks(before, 0.6);
    expect([...masks.keys()]).toEqual(['conv/kernel', 'hidden/kernel', 'output/kernel']);
    applyMasksToModel(model, masks);
    await maskedFinetune(model, data, { masks, seed: 1, epochs: 1, batchSize: 16, learningRate: 1e-2 });
    expectMasksHeldAndKeptTrained(before, readWeights(model), masks);
    model.dispose();
  });

  it('quantizes to per-channel int8 with the BatchNormalization folded into the Conv1D, within a bounded error', () => {
    const model = conv1dModel(7);
    const { x } = rowsOf(40, 8);
    const quantized = quantizeNetwork(model, { precision: 'int8', biasCorrectionData: x });
    expect(quantized.folds).toEqual([{ batchNormalization: 'conv_bn', into: 'conv' }]);
    // One scale per output channel: the Conv1D's 6 filters, the hidden layer's 8 units.
    expect(quantized.int8.get('conv/kernel')?.scales).toHaveLength(6);
    expect(quantized.int8.get('hidden/kernel')?.scales).toHaveLength(8);
    // Measured max |Δp| against the float model on these 40 rows: 7.7e-3; the bound asserted is 0.02.
    expect(maxAbsDifference(predictProba(quantized.model, x), predictProba(model, x))).toBeLessThan(0.02);
    quantized.model.dispose();
    model.dispose();
  });
});
