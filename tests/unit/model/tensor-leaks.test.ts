// Campaign workers call these many times in one process: they must not leave tensors behind.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMlp, getWeightValues, initBackend, setWeightValues, trainModel } from '../../../core/model/index.ts';

const rows = 64;
const cols = 5;
const x = { values: Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i)), rows, cols };
const y = Uint8Array.from({ length: rows }, (_, i) => i % 2);

beforeAll(async () => {
  await initBackend('cpu');
});

describe('tensor bookkeeping', () => {
  it('trainModel leaves no tensors behind', async () => {
    const model = buildMlp({ hidden: [{ units: 4 }] }, { inputDim: cols, seed: 1 });
    await trainModel(model, { x, y }, { seed: 1, spec: { epochs: 1, batchSize: 16, patience: 0 } });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++)
      await trainModel(model, { x, y }, { seed: 1, spec: { epochs: 1, batchSize: 16, patience: 0 } });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('setWeightValues leaves no tensors behind', () => {
    const model = buildMlp({ hidden: [{ units: 4 }] }, { inputDim: cols, seed: 1 });
    const values = getWeightValues(model);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) setWeightValues(model, values);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
