// BatchNormalization folded into the Dense/Conv layer before it (core/compression/fold.ts) must leave the model's
// predictions as they were: folding only reassociates float32 products, s·(W·x) → (s·W)·x, so the measured gap is
// under 1e-7; 1e-5 allows other kernels' summation orders and is far below what a wrong channel mapping causes.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { foldBatchNormalization } from '../../../core/compression/fold.ts';
import type { FeatureMatrix } from '../../../core/data/matrix.ts';
import { getWeightValues, initBackend, predictProba, setWeightValues } from '../../../core/model/index.ts';
import { createRng } from '../../../core/random/rng.ts';
import { loadKerasFixture } from '../../helpers/keras-fixtures.ts';

const TOLERANCE = 1e-5;

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function randomRows(rows: number, cols: number, seed: number): FeatureMatrix {
  const rng = createRng(seed);
  return { values: Float32Array.from({ length: rows * cols }, () => rng.normal()), rows, cols };
}

/**
 * Sets every weight from a seeded generator: tfjs's initializers draw from Math.random, so a test on them differs from
 * run to run (and once in a while fails). BNs get non-trivial statistics (the defaults γ = 1, β = 0, μ = 0, σ² = 1
 * would make folding almost the identity); kernels and biases N(0, 0.5²).
 */
function randomiseWeights(model: tf.LayersModel, seed: number): void {
  const rng = createRng(seed);
  setWeightValues(
    model,
    getWeightValues(model).map((w) => {
      if (!/\/(gamma|beta|moving_mean|moving_variance)$/.test(w.name))
        return { ...w, values: Float32Array.from(w.values, () => 0.5 * rng.normal()) };
      const positive = /gamma|variance/.test(w.name);
      return { ...w, values: Float32Array.from(w.values, () => (positive ? 0.5 + rng.next() : rng.normal())) };
    }),
  );
}

beforeAll(async () => {
  await initBackend();
});

describe('folding BatchNormalization before int8', () => {
  it('folds both BNs of the Keras CNN into its Conv2D and DepthwiseConv2D and keeps its predictions', async () => {
    const { model, sample } = await loadKerasFixture('cnn-colour-shift');
    const { model: folded, folds } = foldBatchNormalization(model);
    expect(folds).toEqual([
      { batchNormalization: 'conv_bn', into: 'conv' },
      { batchNormalization: 'depthwise_bn', into: 'depthwise' },
    ]);
    expect(folded.layers.map((l) => l.getClassName())).not.toContain('BatchNormalization');
    expect(model.layers.filter((l) => l.getClassName() === 'BatchNormalization')).toHaveLength(2); // input untouched
    expect(maxAbsDifference(predictProba(folded, sample.x), predictProba(model, sample.x))).toBeLessThanOrEqual(
      TOLERANCE,
    );
    folded.dispose();
    model.dispose();
  });

  const builders: [string, number[], () => tf.layers.Layer[]][] = [
    ['Dense', [6], () => [tf.layers.dense({ inputShape: [6], units: 5 }), tf.layers.batchNormalization({})]],
    [
      'Conv1D without bias',
      [10, 3],
      () => [
        tf.layers.conv1d({ inputShape: [10, 3], filters: 4, kernelSize: 3, useBias: false }),
        tf.layers.batchNormalization({}),
        tf.layers.flatten({}),
      ],
    ],
    [
      'DepthwiseConv2D (channel = input × multiplier)',
      [5, 5, 3],
      () => [
        tf.layers.depthwiseConv2d({ inputShape: [5, 5, 3], kernelSize: 3, depthMultiplier: 2 }),
        tf.layers.batchNormalization({}),
        tf.layers.globalAveragePooling2d({}),
      ],
    ],
    [
      'SeparableConv2D (into the pointwise kernel)',
      [6, 6, 2],
      () => [
        tf.layers.separableConv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3, depthMultiplier: 2 }),
        tf.layers.batchNormalization({}),
        tf.layers.globalMaxPooling2d({}),
      ],
    ],
  ];

  it.each(builders)('keeps the predictions of %s followed by BatchNormalization', (_, inputShape, layers) => {
    const model = tf.sequential({ layers: [...layers(), tf.layers.dense({ units: 1, activation: 'sigmoid' })] });
    randomiseWeights(model, 5);
    const x = randomRows(
      32,
      inputShape.reduce((a, b) => a * b, 1),
      6,
    );
    const { model: folded, folds } = foldBatchNormalization(model);
    expect(folds).toHaveLength(1);
    const before = predictProba(model, x);
    const after = predictProba(folded, x);
    expect(maxAbsDifference(after, before)).toBeLessThanOrEqual(TOLERANCE);
    // The BN was not the identity: without it the model predicts something else.
    const withoutBn = foldBatchNormalization(model).model;
    setWeightValues(
      withoutBn,
      getWeightValues(withoutBn).map((w) =>
        w.name.endsWith('/bias') && folds.some((f) => w.name === `${f.into}/bias`)
          ? { ...w, values: new Float32Array(w.values.length) }
          : w,
      ),
    );
    expect(maxAbsDifference(predictProba(withoutBn, x), before)).toBeGreaterThan(1e-3);
    for (const m of [model, folded, withoutBn]) m.dispose();
  });

  it('leaves a BatchNormalization after an activation in place (nothing linear to fold into)', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 3, activation: 'relu' }),
        tf.layers.batchNormalization({}),
        tf.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    randomiseWeights(model, 7);
    const { model: folded, folds } = foldBatchNormalization(model);
    expect(folds).toEqual([]);
    expect(folded.layers.map((l) => l.getClassName())).toContain('BatchNormalization');
    const x = randomRows(8, 4, 8);
    expect(predictProba(folded, x)).toEqual(predictProba(model, x));
    folded.dispose();
    model.dispose();
  });
});
