// Per-channel int8 on every supported kernel, after BatchNormalization folding: channel = output channel (the last
// axis; for a depthwise kernel [kh, kw, in, multiplier] the in × multiplier output channels), each entry within half
// its channel's scale of the float weight, depthwise kernels stored as .q8 kind 2, predictions close to the float model.
import { beforeAll, describe, expect, it } from 'vitest';
import { foldBatchNormalization } from '../../../core/compression/fold.ts';
import { readWeights, writeWeights } from '../../../core/compression/model-adapter.ts';
import {
  exportInt8,
  fakeQuantize,
  importInt8,
  kernelChannels,
  quantizeWeights,
} from '../../../core/compression/quantize.ts';
import { initBackend, predictProba } from '../../../core/model/index.ts';
import { KERAS_FIXTURES, loadKerasFixture } from '../../helpers/keras-fixtures.ts';

beforeAll(async () => {
  await initBackend();
});

describe('per-channel int8 of convolutional, depthwise, separable, embedding and dense kernels', () => {
  it('counts output channels per kernel kind', () => {
    expect(kernelChannels({ name: 'conv/kernel', shape: [3, 3, 3, 8] })).toBe(8);
    expect(kernelChannels({ name: 'depthwise/depthwise_kernel', shape: [3, 3, 8, 2] })).toBe(16);
    expect(kernelChannels({ name: 'separable/pointwise_kernel', shape: [1, 1, 16, 16] })).toBe(16);
    expect(kernelChannels({ name: 'embedding/embeddings', shape: [57, 4] })).toBe(4);
    expect(kernelChannels({ name: 'output/kernel', shape: [16, 1] })).toBe(1);
  });

  it.each(KERAS_FIXTURES)('keeps every entry of %s within half a channel scale and round-trips .q8', async (name) => {
    const { model, sample } = await loadKerasFixture(name);
    const { model: folded } = foldBatchNormalization(model);
    const float = readWeights(folded);
    const { weights, int8 } = quantizeWeights(float, 'int8');
    const expectedKernels =
      name === 'cnn-colour-shift'
        ? ['conv/kernel', 'depthwise/depthwise_kernel', 'separable/depthwise_kernel', 'separable/pointwise_kernel']
        : ['embedding/embeddings', 'hidden/kernel'];
    expect([...int8.keys()]).toEqual([...expectedKernels, 'output/kernel']);
    for (const w of float) {
      const q = int8.get(w.name);
      if (q === undefined) continue;
      const channels = kernelChannels(w);
      expect(q.scales).toHaveLength(channels);
      const dequantized = weights.find((d) => d.name === w.name)!.values;
      // |w − s·q| ≤ s/2 (round to nearest); the small slack covers float32 rounding of s·q.
      for (let k = 0; k < w.values.length; k++)
        expect(Math.abs(w.values[k]! - dequantized[k]!)).toBeLessThanOrEqual(q.scales[k % channels]! * 0.5 + 1e-7);
    }
    const back = importInt8(exportInt8(weights, int8));
    expect(back.weights.map((w) => [w.name, w.values])).toEqual(weights.map((w) => [w.name, w.values]));
    // Predictions with int8 weights stay close to the float model's: measured 0.0021 (CNN) and 0.0042 (embedding)
    // at most on these rows; 0.05 is the bound asserted.
    const floatProbs = predictProba(folded, sample.x);
    writeWeights(folded, weights);
    const int8Probs = predictProba(folded, sample.x);
    let max = 0;
    for (let i = 0; i < floatProbs.length; i++) max = Math.max(max, Math.abs(floatProbs[i]! - int8Probs[i]!));
    expect(max).toBeGreaterThan(0);
    expect(max).toBeLessThan(0.05);
    folded.dispose();
    model.dispose();
  });

  it('refuses the Dense-only fake-quant path (activation calibration, bias correction) for a CNN, saying why', async () => {
    const { model } = await loadKerasFixture('cnn-colour-shift');
    expect(() => fakeQuantize(model, { precision: 'int8' })).toThrow(
      /works on Dense-only models .* has Conv2D, BatchNormalization, ReLU, DepthwiseConv2D.*weight-only int8/,
    );
    model.dispose();
  });
});
