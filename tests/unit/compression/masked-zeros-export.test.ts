import { beforeAll, describe, expect, it } from 'vitest';
import { globalMagnitudeMasks } from '../../../core/compression/criteria.ts';
import { evaluateGroups, maskedFinetune } from '../../../core/compression/finetune.ts';
import { maskSparsity, sparsityStats } from '../../../core/compression/masks.ts';
import { readWeights } from '../../../core/compression/model-adapter.ts';
import { loadModelFromBytes, saveModelToBytes } from '../../../core/model/index.ts';
import { trainedMinorityModel, type TrainedFixture } from './model-fixtures.ts';

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
}

describe('masked fine-tuning', () => {
  let fx: TrainedFixture;
  beforeAll(async () => {
    fx = await trainedMinorityModel();
  });

  it('keeps pruned weights exactly +0 in the exported weights.bin after every-step re-masking', async () => {
    const masks = globalMagnitudeMasks(readWeights(fx.model), 0.5);
    const model = fx.copy();
    const epochs: number[] = [];
    const run = await maskedFinetune(model, fx.data, {
      masks,
      seed: 4,
      epochs: 3,
      learningRate: 0.01,
      dense: evaluateGroups(fx.model, fx.data),
      onEpoch: (p) => void epochs.push(p.epoch),
    });
    expect(epochs).toEqual([0, 1, 2]);
    expect(run.lambda).toEqual({ A: 0, B: 0 });
    expect(run.history[0]!.psi?.B?.value).toBeTypeOf('number');

    const bytes = await saveModelToBytes(model);
    const json = JSON.parse(new TextDecoder().decode(bytes.modelJson)) as {
      weightsManifest: { weights: WeightSpec[] }[];
    };
    const view = new DataView(bytes.weightsBin.buffer, bytes.weightsBin.byteOffset, bytes.weightsBin.byteLength);
    let offset = 0;
    let checked = 0;
    let kept = 0;
    for (const spec of json.weightsManifest[0]!.weights) {
      expect(spec.dtype).toBe('float32');
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const mask = masks.get(spec.name);
      for (let i = 0; i < size; i++) {
        const bits = view.getUint32(offset + 4 * i, true);
        if (mask !== undefined && mask[i] === 0) {
          expect(bits).toBe(0); // +0.0f, not -0 and not a tiny value
          checked++;
        } else if (mask !== undefined && bits !== 0) kept++;
      }
      offset += 4 * size;
    }
    expect(offset).toBe(bytes.weightsBin.length);
    expect(checked).toBe(maskSparsity(masks).global.total - maskSparsity(masks).global.nonzeros);
    expect(kept).toBe(maskSparsity(masks).global.nonzeros); // the kept weights really trained (none stuck at 0)

    const reloaded = await loadModelFromBytes(bytes);
    expect(sparsityStats(readWeights(reloaded)).global).toEqual(maskSparsity(masks).global);
  });
});
