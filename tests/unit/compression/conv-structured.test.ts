// Structured pruning through a CNN and an embedding model (structured-network.ts): filters chosen by L1 norm (Li et al.
// 2017) are removed with their BatchNormalization parameters, the depthwise channels computed from them and the next
// layer's input channels, and embedding dimensions with the Dense inputs they feed through Flatten; the smaller model
// predicts what the masked full-size model predicts, and it really is smaller.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyMasksToWeights } from '../../../core/compression/masks.ts';
import {
  filterL1Scores,
  liveChannels,
  pruneChannels,
  selectChannels,
  shrinkDeadChannels,
  structuredChannelMasks,
} from '../../../core/compression/structured-network.ts';
import {
  countParameters,
  getWeightValues,
  initBackend,
  predictProba,
  setWeightValues,
} from '../../../core/model/index.ts';
import { loadModelFromBytes, saveModelToBytes } from '../../../core/model/io.ts';
import { loadKerasFixture } from '../../helpers/keras-fixtures.ts';

beforeAll(async () => {
  await initBackend();
});

describe('structured pruning of conv filters', () => {
  it('the shrunk CNN predicts as the masked one, with fewer parameters and bytes', async () => {
    const { model, sample } = await loadKerasFixture('cnn-colour-shift');
    const scores = filterL1Scores(model);
    // Prunable: layers whose channels reach another layer's weights (the output unit is not).
    expect([...scores.keys()]).toEqual(['conv', 'separable']);
    const keep = selectChannels(scores, 0.5);
    expect(keep.get('conv')).toHaveLength(4);
    expect(keep.get('separable')).toHaveLength(8);
    // The lowest L1 filters go: every removed filter's norm is ≤ every kept one's.
    const conv = scores.get('conv')!;
    const kept = new Set(keep.get('conv'));
    const removedMax = Math.max(...[...conv.keys()].filter((j) => !kept.has(j)).map((j) => conv[j]!));
    expect(Math.min(...keep.get('conv')!.map((j) => conv[j]!))).toBeGreaterThanOrEqual(removedMax);

    const masked = await loadModelFromBytes(await saveModelToBytes(model));
    const masks = structuredChannelMasks(model, keep);
    tf.tidy(() => setWeightValues(masked, applyMasksToWeights(getWeightValues(model), masks)));
    const pruned = pruneChannels(model, keep);
    expect(pruned.channels).toEqual([4, 8]);
    const shapes = new Map(getWeightValues(pruned.model).map((w) => [w.name, w.shape]));
    expect(shapes.get('conv/kernel')).toEqual([3, 3, 3, 4]);
    expect(shapes.get('conv_bn/gamma')).toEqual([4]);
    expect(shapes.get('depthwise/depthwise_kernel')).toEqual([3, 3, 4, 2]);
    expect(shapes.get('depthwise/bias')).toEqual([8]);
    expect(shapes.get('depthwise_bn/moving_mean')).toEqual([8]);
    expect(shapes.get('separable/depthwise_kernel')).toEqual([3, 3, 8, 1]);
    expect(shapes.get('separable/pointwise_kernel')).toEqual([1, 1, 8, 8]);
    expect(shapes.get('output/kernel')).toEqual([8, 1]);
    // Same outputs up to float32 summation order (fewer terms in each sum): 1e-6 asserted.
    const want = predictProba(masked, sample.x);
    const got = predictProba(pruned.model, sample.x);
    want.forEach((p, i) => expect(Math.abs(p - got[i]!)).toBeLessThan(1e-6));
    expect(countParameters(pruned.model)).toBeLessThan(countParameters(model) * 0.6);
    const bytes = async (m: tf.LayersModel) => (await saveModelToBytes(m)).weightsBin.length;
    expect(await bytes(pruned.model)).toBeLessThan(await bytes(model));
    // The masked model's dead channels are exactly the removed ones, so the structured export shrinks it the same way.
    expect(liveChannels(masked)).toEqual(keep);
    const shrunk = shrinkDeadChannels(masked);
    expect(shrunk.channels).toEqual([4, 8]);
    const again = predictProba(shrunk.model, sample.x);
    again.forEach((p, i) => expect(Math.abs(p - got[i]!)).toBeLessThan(1e-6));
    for (const m of [shrunk.model, pruned.model, masked, model]) m.dispose();
  });

  it('removes embedding dimensions: the embedding column and the Dense inputs it fed through Flatten', async () => {
    const { model, sample } = await loadKerasFixture('tabular-embedding');
    const scores = filterL1Scores(model);
    // The Embedding (its dimensions) and the hidden Dense (its units) reach another layer's weights.
    expect([...scores.keys()]).toEqual(['embedding', 'hidden']);
    const keep = new Map([
      ['embedding', [0, 2]],
      ['hidden', [...Array(16).keys()]],
    ]);
    const masked = await loadModelFromBytes(await saveModelToBytes(model));
    const masks = structuredChannelMasks(model, keep);
    tf.tidy(() => setWeightValues(masked, applyMasksToWeights(getWeightValues(model), masks)));
    const pruned = pruneChannels(model, keep);
    expect(pruned.channels).toEqual([2, 16]);
    const shapes = new Map(getWeightValues(pruned.model).map((w) => [w.name, w.shape]));
    const before = new Map(getWeightValues(model).map((w) => [w.name, w.shape]));
    const [vocabulary, dims] = before.get('embedding/embeddings')!;
    expect(dims).toBe(4);
    expect(shapes.get('embedding/embeddings')).toEqual([vocabulary, 2]);
    // Flatten turns [7 columns, 4 dims] into 28 inputs; half of the dimensions leave 14.
    expect(before.get('hidden/kernel')).toEqual([28, 16]);
    expect(shapes.get('hidden/kernel')).toEqual([14, 16]);
    const want = predictProba(masked, sample.x);
    const got = predictProba(pruned.model, sample.x);
    want.forEach((p, i) => expect(Math.abs(p - got[i]!)).toBeLessThan(1e-6));
    expect(countParameters(pruned.model)).toBeLessThan(countParameters(model));
    // The structured export finds the same dead dimensions in the masked model.
    expect(liveChannels(masked).get('embedding')).toEqual([0, 2]);
    const shrunk = shrinkDeadChannels(masked);
    expect(shrunk.channels[0]).toBe(2);
    predictProba(shrunk.model, sample.x).forEach((p, i) => expect(Math.abs(p - got[i]!)).toBeLessThan(1e-6));
    for (const m of [shrunk.model, pruned.model, masked, model]) m.dispose();
  });

  it('refuses a keep list that is not sorted unique channel indices', async () => {
    const { model } = await loadKerasFixture('cnn-colour-shift');
    expect(() => pruneChannels(model, new Map([['conv', [3, 1]]]))).toThrow(/sorted unique indices < 8/);
    expect(() => pruneChannels(model, new Map([['conv', []]]))).toThrow(/no channels left/);
    model.dispose();
  });
});
