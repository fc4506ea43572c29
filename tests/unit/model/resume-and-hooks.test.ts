import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  binaryCrossEntropy,
  buildMlp,
  getDenseVariables,
  initBackend,
  loadModelFromBytes,
  saveModelToBytes,
  trainModel,
  type ModelArtifactsBytes,
  type TrainState,
} from '../../../core/model/index.ts';
import { syntheticData } from './fixtures.ts';

const train = syntheticData(300, 6, 11);
const validation = syntheticData(100, 6, 12);
const mlp = { hidden: [{ units: 12, dropout: 0.1 }] };

beforeAll(async () => {
  await initBackend('wasm');
});

describe('resuming a run', () => {
  it('continues bit for bit from an epoch checkpoint (weights + state)', async () => {
    const spec = { epochs: 4, batchSize: 32, learningRate: 0.01, patience: 0, restoreBestWeights: false };
    const straight = buildMlp(mlp, { inputDim: 6, seed: 3 });
    await trainModel(straight, train, { seed: 5, spec, validation });
    const expected = await saveModelToBytes(straight);

    let checkpoint: { bytes: ModelArtifactsBytes; state: TrainState } | undefined;
    const first = buildMlp(mlp, { inputDim: 6, seed: 3 });
    await trainModel(first, train, {
      seed: 5,
      spec,
      validation,
      onEpochEnd: async (report, ctx) => {
        if (report.epoch === 1) checkpoint = { bytes: await saveModelToBytes(ctx.model), state: ctx.state() };
      },
    });
    expect(checkpoint?.state.nextEpoch).toBe(2);
    const resumed = await loadModelFromBytes(checkpoint!.bytes);
    const result = await trainModel(resumed, train, { seed: 5, spec, validation, resumeState: checkpoint!.state });
    expect(result.history.map((h) => h.epoch)).toEqual([2, 3]);
    expect((await saveModelToBytes(resumed)).weightsBin).toEqual(expected.weightsBin);
  });
});

describe('training hooks', () => {
  it('afterStep runs after every optimizer step; a re-applied mask keeps weights exactly zero in weights.bin', async () => {
    const model = buildMlp(mlp, { inputDim: 6, seed: 1 });
    const [first] = getDenseVariables(model);
    const mask = tf.tensor2d(
      Array.from({ length: 6 * 12 }, (_, i) => (i % 3 === 0 ? 0 : 1)),
      [6, 12],
    );
    first!.kernel.assign(tf.mul(first!.kernel, mask));
    let steps = 0;
    await trainModel(model, train, {
      seed: 2,
      spec: { epochs: 2, batchSize: 50 },
      afterStep: ({ globalStep }) => {
        steps = globalStep;
        tf.tidy(() => first!.kernel.assign(tf.mul(first!.kernel, mask)));
      },
    });
    expect(steps).toBe(2 * Math.ceil(300 / 50));
    const { weightsBin } = await saveModelToBytes(model);
    const kernel = new Float32Array(weightsBin.buffer.slice(weightsBin.byteOffset, weightsBin.byteOffset + 6 * 12 * 4));
    // A masked negative weight times 0 is -0; both are exact zeros.
    expect(kernel.every((v, i) => i % 3 !== 0 || v === 0)).toBe(true);
    expect(kernel.some((v, i) => i % 3 !== 0 && v !== 0)).toBe(true);
  });

  it('extraLoss and lossFn see the batch rows and change the objective', async () => {
    const seen = new Set<number>();
    const model = buildMlp(mlp, { inputDim: 6, seed: 1 });
    const plain = await trainModel(buildMlp(mlp, { inputDim: 6, seed: 1 }), train, { seed: 2, spec: { epochs: 1 } });
    const penalised = await trainModel(model, train, {
      seed: 2,
      spec: { epochs: 1 },
      extraLoss: (_yTrue, yPred, rows) => {
        rows.forEach((r) => seen.add(r));
        return tf.mul(tf.mean(yPred), 10) as tf.Scalar;
      },
    });
    expect(seen.size).toBe(300);
    expect(penalised.history[0]!.loss).toBeGreaterThan(plain.history[0]!.loss);
    const custom = await trainModel(buildMlp(mlp, { inputDim: 6, seed: 1 }), train, {
      seed: 2,
      spec: { epochs: 1 },
      lossFn: (yTrue, yPred) => tf.mul(binaryCrossEntropy(yTrue, yPred), 2) as tf.Scalar,
    });
    expect(custom.history[0]!.loss).toBeCloseTo(plain.history[0]!.loss * 2, 1);
  });

  it('stops early on validation loss and restores the best weights', async () => {
    const noisyTrain = syntheticData(200, 6, 21, 4);
    const noisyVal = syntheticData(200, 6, 22, 4);
    const model = buildMlp({ hidden: [{ units: 64 }, { units: 64 }] }, { inputDim: 6, seed: 1 });
    const reports: number[] = [];
    const result = await trainModel(model, noisyTrain, {
      seed: 3,
      spec: { epochs: 200, batchSize: 16, learningRate: 0.01, patience: 3 },
      validation: noisyVal,
      onEpochEnd: (r) => void reports.push(r.epoch),
    });
    expect(result.stopReason).toBe('early-stopping');
    expect(result.history.length).toBeLessThan(200);
    expect(result.history.length).toBe(result.bestEpoch! + 1 + 3);
    const { binaryCrossEntropyOf, predictProba } = await import('../../../core/model/index.ts');
    const bestLoss = result.history[result.bestEpoch!]!.valLoss!;
    expect(binaryCrossEntropyOf(predictProba(model, noisyVal.x), noisyVal.y)).toBe(bestLoss);
    expect(reports).toEqual(result.history.map((h) => h.epoch));
  });

  it('stops between steps when the signal is aborted', async () => {
    const controller = new AbortController();
    const result = await trainModel(buildMlp(mlp, { inputDim: 6, seed: 1 }), train, {
      seed: 2,
      spec: { epochs: 5, batchSize: 50 },
      signal: controller.signal,
      afterStep: ({ step }) => {
        if (step === 2) controller.abort();
      },
    });
    expect(result.stopReason).toBe('aborted');
    expect(result.state.optimizer.step).toBe(3);
  });
});
