// Models trained in Keras and converted by the official tensorflowjs converter (tests/fixtures/keras, made by
// scripts/keras-fixtures) import through fairshrink's importer and predict what Keras predicted for the same rows.
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importLayersModel, initBackend, predictProba, saveModelToBytes } from '../../../core/model/index.ts';
import { SUPPORTED_LAYER_CLASSES } from '../../../core/model/layers.ts';
import { KERAS_FIXTURES, kerasFixtureDir, loadKerasFixture } from '../../helpers/keras-fixtures.ts';

// Both sides compute in float32 with different kernels (TensorFlow's Eigen/oneDNN vs tfjs's WASM/XNNPACK or JS), so
// sums are taken in different orders: the measured gap is at most 1.2e-7 (one float32 ulp near 1) on WASM and CPU.
// 1e-5 leaves room for other kernels' orders, while any layer mapped wrongly (BN epsilon or moving statistics,
// padding, channel order, a dropped activation) moves probabilities by far more (see the perturbation test below).
const TOLERANCE = 1e-5;

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

async function fixtureFiles(name: (typeof KERAS_FIXTURES)[number]) {
  const dir = kerasFixtureDir(name);
  const modelJson = JSON.parse(await readFile(`${dir}/model.json`, 'utf8')) as {
    modelTopology: { model_config: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } };
    weightsManifest: { paths: string[] }[];
  };
  const weights: Record<string, Uint8Array> = {};
  for (const path of modelJson.weightsManifest.flatMap((g) => g.paths))
    weights[path] = new Uint8Array(await readFile(`${dir}/${path}`));
  return { modelJson, weights };
}

beforeAll(async () => {
  await initBackend();
});

describe.each(KERAS_FIXTURES)('Keras fixture %s', (name) => {
  it(`predicts Keras's probabilities on the sample rows within ${TOLERANCE}`, async () => {
    const { model, sample, meta } = await loadKerasFixture(name);
    expect(meta.versions).toMatchObject({ tensorflow: '2.12.1', tensorflowjs: '4.10.0' });
    expect(model.layers.map((l) => l.getClassName()).filter((c) => c !== 'InputLayer')).toEqual(
      meta.layers.filter((c) => c !== 'InputLayer'),
    );
    expect(sample.x.rows).toBe(64);
    const probabilities = predictProba(model, sample.x);
    expect(maxAbsDifference(probabilities, sample.kerasProbabilities)).toBeLessThanOrEqual(TOLERANCE);
    // The fixture is not degenerate: it predicts both classes and mostly the right ones.
    const predicted = Array.from(probabilities, (p) => (p >= 0.5 ? 1 : 0));
    expect(new Set(predicted).size).toBe(2);
    const correct = predicted.filter((p, i) => p === sample.labels[i]).length;
    expect(correct / sample.x.rows).toBeGreaterThan(0.7);
    model.dispose();
  });
});

describe('the equality check can fail', () => {
  it('a BatchNormalization epsilon changed in model.json moves the CNN probabilities past the tolerance', async () => {
    const { sample } = await loadKerasFixture('cnn-colour-shift');
    const { modelJson, weights } = await fixtureFiles('cnn-colour-shift');
    const bn = modelJson.modelTopology.model_config.config.layers.find((l) => l.class_name === 'BatchNormalization')!;
    expect(bn.config.epsilon).toBe(0.001);
    bn.config.epsilon = 0.5;
    const model = await importLayersModel({ modelJson, weights, source: 'perturbed' });
    expect(maxAbsDifference(predictProba(model, sample.x), sample.kerasProbabilities)).toBeGreaterThan(100 * TOLERANCE);
    model.dispose();
  });
});

describe('which layers import', () => {
  it('refuses a Keras model with an unsupported layer, naming it and listing what is supported', async () => {
    const { modelJson, weights } = await fixtureFiles('tabular-embedding');
    const layers = modelJson.modelTopology.model_config.config.layers;
    layers.find((l) => l.class_name === 'Flatten')!.class_name = 'LSTM';
    layers.find((l) => l.class_name === 'Dropout')!.class_name = 'LSTM';
    const error = await importLayersModel({ modelJson, weights, source: 'upload' }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('upload: the model has layers fairshrink does not support: LSTM ×2.');
    expect((error as Error).message).toContain(`Supported: ${SUPPORTED_LAYER_CLASSES.join(', ')}`);
  });

  it('imports tfjs-built models of every other supported layer (1D conv and pooling, global max pooling, ReLU, SeparableConv2D ×2)', async () => {
    const conv1d = tf.sequential({
      layers: [
        tf.layers.conv1d({ inputShape: [12, 2], filters: 4, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling1d({ poolSize: 2 }),
        tf.layers.averagePooling1d({ poolSize: 2 }),
        tf.layers.globalMaxPooling1d({}),
        tf.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    const image = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3 }),
        tf.layers.reLU({}),
        tf.layers.globalMaxPooling2d({}),
        tf.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    const pooled = tf.sequential({
      layers: [
        tf.layers.conv1d({ inputShape: [8, 3], filters: 2, kernelSize: 2 }),
        tf.layers.globalAveragePooling1d({}),
        tf.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    // tfjs's own getConfig drops a SeparableConv2D's depthMultiplier; saveModelToBytes writes it back.
    const separable = tf.sequential({
      layers: [
        tf.layers.separableConv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3, depthMultiplier: 2 }),
        tf.layers.flatten({}),
        tf.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    for (const built of [conv1d, image, pooled, separable]) {
      const bytes = await saveModelToBytes(built);
      const inputSize = (built.inputs[0]!.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
      const imported = await importLayersModel(
        { modelJson: bytes.modelJson, weights: bytes.weightsBin },
        { inputDim: inputSize },
      );
      const x = {
        values: Float32Array.from({ length: 3 * inputSize }, (_, i) => Math.sin(i)),
        rows: 3,
        cols: inputSize,
      };
      expect(predictProba(imported, x)).toEqual(predictProba(built, x));
      imported.dispose();
    }
  });

  it('names the per-row input size of an image model when the data set width differs', async () => {
    const { modelJson, weights } = await fixtureFiles('cnn-colour-shift');
    await expect(importLayersModel({ modelJson, weights, source: 'cnn' }, { inputDim: 100 })).rejects.toThrow(
      'cnn: the model expects 768 input values per row (16×16×3) but the data set has 100',
    );
  });

  it('refuses a functional model with two inputs', async () => {
    const a = tf.input({ shape: [3] });
    const b = tf.input({ shape: [3] });
    const out = tf.layers
      .dense({ units: 1, activation: 'sigmoid' })
      .apply(tf.layers.dense({ units: 2 }).apply(a) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const other = tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(b) as tf.SymbolicTensor;
    const model = tf.model({ inputs: [a, b], outputs: [out, other] });
    const bytes = await saveModelToBytes(model);
    await expect(importLayersModel({ modelJson: bytes.modelJson, weights: bytes.weightsBin })).rejects.toThrow(
      /must take one input .* and give one output; got inputs \[null, 3\], \[null, 3\] and 2 output/,
    );
  });
});
