import { beforeAll, describe, expect, it } from 'vitest';
import { groupLossGradients } from '../../../core/compression/criteria.ts';
import { applyMasksToModel, maskSparsity } from '../../../core/compression/masks.ts';
import { readDenseLayers, readWeights } from '../../../core/compression/model-adapter.ts';
import { modelSize } from '../../../core/compression/size.ts';
import {
  buildShrunkModel,
  neuronL2Scores,
  neuronSaliencyScores,
  selectUnits,
  shrinkLayers,
  shrinkMasks,
  structuredMasks,
} from '../../../core/compression/structured.ts';
import { buildMlp, countParameters, initBackend, predictProba } from '../../../core/model/index.ts';
import { trainedMinorityModel, type TrainedFixture } from './model-fixtures.ts';

describe('structured neuron pruning', () => {
  let fx: TrainedFixture;
  beforeAll(async () => {
    fx = await trainedMinorityModel();
  });

  for (const criterion of ['l2', 'group-saliency'] as const) {
    it(`(${criterion}) shrinks the layers and gives the masked model's outputs`, () => {
      const layers = readDenseLayers(fx.model);
      const scores =
        criterion === 'l2'
          ? neuronL2Scores(layers)
          : neuronSaliencyScores(layers, groupLossGradients(fx.model, fx.data));
      const keep = selectUnits(scores, 0.5);
      expect(keep.map((k) => k.length)).toEqual([8]);

      const shrunk = buildShrunkModel(shrinkLayers(layers, keep));
      const masked = fx.copy();
      applyMasksToModel(masked, structuredMasks(layers, keep));
      const a = predictProba(shrunk, fx.data.x);
      const b = predictProba(masked, fx.data.x);
      let maxDiff = 0;
      a.forEach((p, i) => (maxDiff = Math.max(maxDiff, Math.abs(p - b[i]!))));
      expect(maxDiff).toBeLessThanOrEqual(1e-6);

      // Really smaller: 5·8 + 8 + 8 + 1 = 57 parameters instead of 5·16 + 16 + 16 + 1 = 113, half the FLOPs.
      expect(countParameters(shrunk)).toBe(57);
      expect(countParameters(fx.model)).toBe(113);
      const before = modelSize(readWeights(fx.model)).total;
      const after = modelSize(readWeights(shrunk)).total;
      expect(after.parameters).toBe(57);
      expect(after.flops).toBeLessThanOrEqual(before.flops / 2);
      expect(after.denseBytes).toBe(57 * 4);
    });
  }

  it('L2 removes the units with the smallest incoming norm (ties: lower index first) and never empties a layer', () => {
    const scores = [Float64Array.from([3, 1, 1, 2])];
    expect(Array.from(selectUnits(scores, 0.5)[0]!)).toEqual([0, 3]);
    expect(Array.from(selectUnits(scores, 1)[0]!)).toEqual([0]);
  });

  it('carries existing unstructured masks over to the shrunk layers', async () => {
    await initBackend('cpu');
    const model = buildMlp({ hidden: [{ units: 4 }, { units: 3 }] }, { inputDim: 2, seed: 9 });
    const layers = readDenseLayers(model);
    const masks = new Map(layers.map((l) => [l.kernelName, Uint8Array.from(l.kernel, (_, k) => k % 2)]));
    const keep = [Int32Array.from([1, 3]), Int32Array.from([0, 2])];
    const shrunk = shrinkMasks(layers, masks, keep);
    // dense_0: [2, 4] → columns 1, 3 of rows 0, 1: entries 1, 3, 5, 7 → all odd → 1.
    expect(Array.from(shrunk.get('dense_0/kernel')!)).toEqual([1, 1, 1, 1]);
    // dense_1: [4, 3] → rows 1, 3, columns 0, 2: entries 3, 5, 9, 11 → 1, 1, 1, 1.
    expect(Array.from(shrunk.get('dense_1/kernel')!)).toEqual([1, 1, 1, 1]);
    // output: [3, 1] → rows 0, 2: entries 0, 2 → 0, 0.
    expect(Array.from(shrunk.get('output/kernel')!)).toEqual([0, 0]);
    expect(maskSparsity(structuredMasks(layers, keep)).layers.map((l) => l.nonzeros)).toEqual([4, 4, 2]);
  });
});
