import { beforeAll, describe, expect, it } from 'vitest';
import { globalMagnitudeMasks } from '../../../core/compression/criteria.ts';
import { evaluateGroups, groupPerformance } from '../../../core/compression/finetune.ts';
import { applyMasksToModel } from '../../../core/compression/masks.ts';
import { readWeights, writeWeights } from '../../../core/compression/model-adapter.ts';
import { fakeQuantize, importInt8 } from '../../../core/compression/quantize.ts';
import { predictProba } from '../../../core/model/index.ts';
import { trainedMinorityModel, type TrainedFixture } from './model-fixtures.ts';

describe('fake-quant evaluation of a real model', () => {
  let fx: TrainedFixture;
  beforeAll(async () => {
    fx = await trainedMinorityModel();
  });

  it('int8 weights in the tfjs model give the same outputs as the plain forward pass; pruned zeros stay zero', async () => {
    const model = fx.copy();
    const masks = globalMagnitudeMasks(readWeights(model), 0.5);
    applyMasksToModel(model, masks);
    const q = fakeQuantize(model, { precision: 'int8' });
    for (const [name, mask] of masks) {
      const w = q.weights.find((t) => t.name === name)!.values;
      mask.forEach((m, i) => m === 0 && expect(Object.is(w[i], 0)).toBe(true));
    }
    const deployed = fx.copy();
    writeWeights(deployed, q.weights);
    const tfjs = predictProba(deployed, fx.data.x);
    const plain = q.predict(fx.data.x);
    tfjs.forEach((p, i) => expect(Math.abs(p - plain[i]!)).toBeLessThan(1e-5));
    // int8 costs (almost) nothing here; the numbers are measured on what would deploy.
    expect(Math.abs(evaluateGroups(deployed, fx.data).accuracy - evaluateGroups(model, fx.data).accuracy)).toBeLessThan(
      0.01,
    );
    // The exported bytes load back to the same weights.
    const back = importInt8(q.exportBytes());
    back.weights.forEach((w, k) => expect(w.values).toEqual(q.weights[k]!.values));
  });

  it('activation fake-quant and bias correction run on calibration data; float16 is near-lossless', () => {
    const float = predictProba(fx.model, fx.data.x);
    const withActs = fakeQuantize(fx.model, {
      precision: 'int8',
      biasCorrectionData: fx.data.x,
      activations: { data: fx.data.x, seed: 7, samples: 500, method: { percentile: 99.9 } },
    });
    expect(withActs.activationRanges).toHaveLength(2);
    const p = withActs.predict(fx.data.x);
    const acc = (probs: Float32Array) => groupPerformance(probs, fx.data).accuracy;
    expect(Math.abs(acc(p) - acc(float))).toBeLessThan(0.02);
    const fp16 = fakeQuantize(fx.model, { precision: 'float16' });
    const p16 = fp16.predict(fx.data.x);
    float.forEach((v, i) => expect(Math.abs(v - p16[i]!)).toBeLessThan(2e-3));
    expect(fp16.int8.size).toBe(0);
  });
});
