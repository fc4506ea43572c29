import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildMlp,
  countParameters,
  getDenseWeights,
  initBackend,
  predictProba,
  setDenseWeights,
} from '../../../core/model/index.ts';
import { syntheticData } from './fixtures.ts';

const data = syntheticData(1000, 7, 3);

beforeAll(async () => {
  await initBackend('wasm');
});

describe('batched inference', () => {
  it('gives the same probabilities for any batch size and matches model.predict', () => {
    const model = buildMlp({ hidden: [{ units: 16, dropout: 0.3 }] }, { inputDim: 7, seed: 4 });
    const big = predictProba(model, data.x);
    expect(predictProba(model, data.x, { batchSize: 37 })).toEqual(big);
    const reference = (model.predict(tf.tensor2d(data.x.values, [1000, 7])) as tf.Tensor).dataSync();
    expect(big).toEqual(reference);
    expect(() => predictProba(model, { values: new Float32Array(6), rows: 1, cols: 6 })).toThrow(
      /expects 7 features per row but x has 6/,
    );
  });
});

describe('dense weight access', () => {
  it('reads kernels [in, out] and biases, and writes them back with shape checks', () => {
    const model = buildMlp({ hidden: [{ units: 4 }] }, { inputDim: 7, seed: 4 });
    const weights = getDenseWeights(model);
    expect(weights.map((w) => [w.name, w.kernel.shape, w.bias?.shape])).toEqual([
      ['dense_0', [7, 4], [4]],
      ['output', [4, 1], [1]],
    ]);
    expect(countParameters(model)).toBe(7 * 4 + 4 + 4 + 1);
    const zeroed = { ...weights[0]!, kernel: { shape: [7, 4], values: new Float32Array(28) } };
    setDenseWeights(model, [zeroed]);
    expect(getDenseWeights(model)[0]!.kernel.values.every((v) => v === 0)).toBe(true);
    expect(getDenseWeights(model)[1]).toEqual(weights[1]);
    expect(() =>
      setDenseWeights(model, [{ name: 'dense_0', kernel: { shape: [4, 7], values: new Float32Array(28) } }]),
    ).toThrow(/expected shape \[7, 4\]/);
    expect(() =>
      setDenseWeights(model, [{ name: 'nope', kernel: { shape: [1], values: new Float32Array(1) } }]),
    ).toThrow(/no Dense layer named 'nope'/);
  });

  it('same spec and seed give identical initial weights', () => {
    const a = getDenseWeights(buildMlp({ hidden: [{ units: 4 }] }, { inputDim: 7, seed: 4 }));
    const b = getDenseWeights(buildMlp({ hidden: [{ units: 4 }] }, { inputDim: 7, seed: 4 }));
    const c = getDenseWeights(buildMlp({ hidden: [{ units: 4 }] }, { inputDim: 7, seed: 5 }));
    expect(a).toEqual(b);
    expect(a[0]!.kernel.values).not.toEqual(c[0]!.kernel.values);
  });
});
