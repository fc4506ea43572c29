// Unstructured pruning (magnitude, random and group saliency) of Conv2D, DepthwiseConv2D, SeparableConv2D (depthwise
// and pointwise), Embedding and Dense kernels of the imported Keras models, and masks that hold through masked and
// fairness-constrained (CEAG excess gap, no-harm) fine-tuning: every pruned entry is still
// exactly +0 after the optimizer steps, while the kept entries did train. On the cpu backend: tfjs-backend-wasm
// 4.22 has no convolution-filter gradient kernels, which the last test pins (training refuses, saying what to do).
import type * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  globalMagnitudeMasks,
  groupLossGradients,
  groupSaliency,
  groupSaliencyMasks,
  layerwiseMagnitudeMasks,
  randomMasks,
  type GroupGradients,
} from '../../../core/compression/criteria.ts';
import { constrainedFinetune, evaluateGroups, maskedFinetune } from '../../../core/compression/finetune.ts';
import { applyMasksToModel, type MaskSet } from '../../../core/compression/masks.ts';
import { readWeights } from '../../../core/compression/model-adapter.ts';
import { expectMasksHeldAndKeptTrained } from './fixtures.ts';
import { initBackend, trainModel } from '../../../core/model/index.ts';
import {
  KERAS_FIXTURES,
  loadKerasFixture,
  type KerasFixtureName,
  type KerasSample,
} from '../../helpers/keras-fixtures.ts';

const KERNELS: Record<KerasFixtureName, string[]> = {
  'cnn-colour-shift': [
    'conv/kernel',
    'depthwise/depthwise_kernel',
    'separable/depthwise_kernel',
    'separable/pointwise_kernel',
    'output/kernel',
  ],
  'tabular-embedding': ['embedding/embeddings', 'hidden/kernel', 'output/kernel'],
};

/** The sample rows as the criteria take them: features, 0/1 labels and each row's group. */
const grouped = (sample: KerasSample) => ({ x: sample.x, y: sample.labels, groups: sample.groups });

/** ∂L_g/∂w of a fixture as loaded (the same weights in every test), computed once: conv gradients on cpu are slow. */
const gradientCache = new Map<KerasFixtureName, GroupGradients>();
function fixtureGradients(name: KerasFixtureName, model: tf.LayersModel, sample: KerasSample): GroupGradients {
  let gradients = gradientCache.get(name);
  if (gradients === undefined) {
    gradients = groupLossGradients(model, grouped(sample));
    gradientCache.set(name, gradients);
  }
  return gradients;
}

beforeAll(async () => {
  await initBackend('cpu');
});

describe.each(KERAS_FIXTURES)('pruning %s', (name) => {
  it('masks exactly the kernels (never BatchNormalization or biases), to the exact sparsity per layer', async () => {
    const { model, sample } = await loadKerasFixture(name);
    const weights = readWeights(model);
    for (const masks of [
      globalMagnitudeMasks(weights, 0.5),
      randomMasks(weights, 0.5, 11, 'global'),
      layerwiseMagnitudeMasks(weights, 0.5),
      groupSaliencyMasks(weights, fixtureGradients(name, model, sample), 0.5, 'global'),
    ])
      expect([...masks.keys()]).toEqual(KERNELS[name]);
    for (const [kernel, mask] of layerwiseMagnitudeMasks(weights, 0.5)) {
      const pruned = mask.filter((m) => m === 0).length;
      expect(pruned, kernel).toBe(Math.round(0.5 * mask.length));
    }
    model.dispose();
  });

  it('group saliency keeps the weights that matter most to some group: max over groups of |w · ∂L_g/∂w|', async () => {
    const { model, sample } = await loadKerasFixture(name);
    const weights = readWeights(model);
    const gradients = fixtureGradients(name, model, sample);
    // One gradient per group of the fixture's attribute, for every kernel (never a BatchNormalization or bias).
    expect(gradients.size).toBe(new Set(sample.groups).size);
    for (const perKernel of gradients.values()) expect([...perKernel.keys()].sort()).toEqual([...KERNELS[name]].sort());
    const { combined } = groupSaliency(weights, gradients);
    const masks = groupSaliencyMasks(weights, gradients, 0.5, 'global');
    // Global: every kept weight scores at least as high as every pruned one, across all kernels of the network.
    let lowestKept = Infinity;
    let highestPruned = -Infinity;
    for (const kernel of KERNELS[name]) {
      const score = combined.get(kernel)!;
      const mask = masks.get(kernel)!;
      for (let i = 0; i < mask.length; i++) {
        if (mask[i] === 1) lowestKept = Math.min(lowestKept, score[i]!);
        else highestPruned = Math.max(highestPruned, score[i]!);
      }
    }
    expect(highestPruned).toBeLessThanOrEqual(lowestKept);
    expect(lowestKept).toBeGreaterThan(0);
    model.dispose();
  });

  it.each(['excess-gap', 'no-harm'] as const)(
    'keeps masks through fairness-constrained (%s) fine-tuning, with a multiplier per group',
    async (constraint) => {
      const { model, sample } = await loadKerasFixture(name);
      const before = readWeights(model);
      const masks = globalMagnitudeMasks(before, 0.6);
      applyMasksToModel(model, masks);
      const data = grouped(sample);
      const run = await constrainedFinetune(model, data, {
        masks,
        seed: 1,
        epochs: 1,
        batchSize: 32,
        learningRate: 1e-2,
        dense: evaluateGroups(model, data),
        epsilon: 0.01,
        dualLearningRate: 1,
        constraint,
      });
      // The Lagrangian ran through the whole network: one multiplier per group of the sample.
      expect(Object.keys(run.lambda).sort()).toEqual([...new Set(sample.groups)].sort());
      expect([...masks.keys()]).toEqual(KERNELS[name]);
      expectMasksHeldAndKeptTrained(before, readWeights(model), masks);
      model.dispose();
    },
  );

  it.each(['magnitude', 'random', 'group saliency'] as const)(
    'keeps %s masks through masked fine-tuning',
    async (criterion) => {
      const { model, sample } = await loadKerasFixture(name);
      const before = readWeights(model);
      const masks: MaskSet =
        criterion === 'magnitude'
          ? globalMagnitudeMasks(before, 0.6)
          : criterion === 'random'
            ? randomMasks(before, 0.6, 3, 'global')
            : groupSaliencyMasks(before, fixtureGradients(name, model, sample), 0.6, 'global');
      applyMasksToModel(model, masks);
      // Two optimizer steps are enough to move every kept weight; the pure-JS conv gradients are slow on 2 cores.
      await maskedFinetune(
        model,
        { x: sample.x, y: sample.labels, groups: sample.groups },
        { masks, seed: 1, epochs: 1, batchSize: 32, learningRate: 1e-2 },
      );
      expect([...masks.keys()]).toEqual(KERNELS[name]);
      expectMasksHeldAndKeptTrained(before, readWeights(model), masks);
      model.dispose();
    },
  );
});

describe('training a CNN (or taking its gradients) on the WASM backend', () => {
  it('refuses before the first step, naming the missing gradient kernels and the backends that have them', async () => {
    await initBackend('wasm');
    const { model, sample } = await loadKerasFixture('cnn-colour-shift');
    await expect(
      trainModel(model, { x: sample.x, y: sample.labels }, { seed: 1, spec: { epochs: 1 } }),
    ).rejects.toThrow(
      /needs the tfjs gradient kernels Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter.* backend 'wasm' does not have.*FAIRSHRINK_TFJS_BACKEND=cpu/,
    );
    expect(() => groupLossGradients(model, grouped(sample))).toThrow(
      /group saliency needs the tfjs gradient kernels .* backend 'wasm' does not have/,
    );
    model.dispose();
    await initBackend('cpu');
  });
});
