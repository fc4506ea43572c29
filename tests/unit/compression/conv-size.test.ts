// Size and FLOPs of convolutional and embedding models from their real kernel shapes and output sizes.
import { beforeAll, describe, expect, it } from 'vitest';
import { readWeights } from '../../../core/compression/model-adapter.ts';
import { kernelUsesPerRow, modelSize } from '../../../core/compression/size.ts';
import { initBackend } from '../../../core/model/index.ts';
import { loadKerasFixture } from '../../helpers/keras-fixtures.ts';

beforeAll(async () => {
  await initBackend();
});

describe('model size of imported Keras models', () => {
  it('counts each CNN kernel by output channel, with its own bias only, and FLOPs per output position', async () => {
    const { model } = await loadKerasFixture('cnn-colour-shift');
    const uses = kernelUsesPerRow(model);
    // 16×16 positions before max pooling, 8×8 after; the final Dense runs once.
    expect(Object.fromEntries(uses)).toEqual({
      'conv/kernel': 256,
      'depthwise/depthwise_kernel': 256,
      'separable/depthwise_kernel': 64,
      'separable/pointwise_kernel': 64,
      'output/kernel': 1,
    });
    const size = modelSize(readWeights(model), uses);
    const rows = size.layers.map((l) => [l.name, l.inputs, l.units, l.parameters]);
    expect(rows).toEqual([
      ['conv/kernel', 27, 8, 216], // [3, 3, 3, 8], no bias: conv_bn/gamma after it is not one
      ['depthwise/depthwise_kernel', 9, 16, 144 + 16], // [3, 3, 8, 2]: 8 × 2 output channels, depthwise/bias
      ['separable/depthwise_kernel', 9, 16, 144], // [3, 3, 16, 1]; the separable bias belongs to the pointwise part
      ['separable/pointwise_kernel', 16, 16, 256 + 16],
      ['output/kernel', 16, 1, 17],
    ]);
    const conv = size.layers[0]!;
    expect(conv.flops).toBe(2 * conv.nonzeros * 256);
    expect(conv.int8Bytes).toBe(216 + 4 * 8);
    expect(() => modelSize(readWeights(model))).toThrow(/conv\/kernel has shape \[3, 3, 3, 8\]; pass kernelUsesPerRow/);
    model.dispose();
  });

  it('counts an Embedding table as parameters without FLOPs (a lookup)', async () => {
    const { model } = await loadKerasFixture('tabular-embedding');
    const size = modelSize(readWeights(model), kernelUsesPerRow(model));
    expect(size.layers[0]).toMatchObject({
      name: 'embedding/embeddings',
      inputs: 57,
      units: 4,
      parameters: 228,
      flops: 0,
    });
    expect(size.layers[1]).toMatchObject({ name: 'hidden/kernel', inputs: 28, units: 16, parameters: 28 * 16 + 16 });
    model.dispose();
  });
});
