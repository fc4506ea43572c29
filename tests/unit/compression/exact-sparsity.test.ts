import { describe, expect, it } from 'vitest';
import {
  globalMagnitudeMasks,
  groupSaliencyMasks,
  layerwiseMagnitudeMasks,
  masksFromScores,
  randomMasks,
  type GroupGradients,
} from '../../../core/compression/criteria.ts';
import { applyMasksToWeights, maskSparsity, sparsityStats } from '../../../core/compression/masks.ts';
import { createRng } from '../../../core/random/rng.ts';
import { randomMlpWeights } from './fixtures.ts';

const weights = randomMlpWeights([11, 8, 6, 1], 3);
const sizes = [88, 48, 6];
const total = 142;

function fakeGradients(seed: number): GroupGradients {
  const rng = createRng(seed);
  const grads: GroupGradients = new Map();
  for (const group of ['A', 'B'])
    grads.set(group, new Map(weights.map((w) => [w.name, Float32Array.from(w.values, () => rng.normal())])));
  return grads;
}

describe('each criterion reaches exactly the requested sparsity', () => {
  for (const s of [0, 0.25, 0.5, 0.9, 0.95, 1]) {
    it(`layer-wise at ${s}: every layer prunes round(s · n)`, () => {
      const criteria = {
        magnitude: layerwiseMagnitudeMasks(weights, s),
        random: randomMasks(weights, s, 42, 'layer'),
        saliency: groupSaliencyMasks(weights, fakeGradients(5), s, 'layer'),
      };
      for (const masks of Object.values(criteria)) {
        const stats = maskSparsity(masks);
        expect(stats.layers.map((l) => l.total - l.nonzeros)).toEqual(sizes.map((n) => Math.round(s * n)));
      }
    });

    it(`globally at ${s}: round(s · N) pruned in total`, () => {
      for (const masks of [
        globalMagnitudeMasks(weights, s),
        randomMasks(weights, s, 42, 'global'),
        groupSaliencyMasks(weights, fakeGradients(5), s, 'global'),
      ])
        expect(maskSparsity(masks).global.total - maskSparsity(masks).global.nonzeros).toBe(Math.round(s * total));
    });
  }

  it('measured on the pruned values too (no accidental extra zeros in random N(0,1) weights)', () => {
    const pruned = applyMasksToWeights(weights, globalMagnitudeMasks(weights, 0.8));
    expect(sparsityStats(pruned).global.nonzeros).toBe(total - Math.round(0.8 * total));
  });

  it('breaks ties by index: all-equal scores prune the first entries', () => {
    const masks = masksFromScores(
      new Map([
        ['a', new Float64Array(10).fill(1)],
        ['b', new Float64Array(6).fill(1)],
      ]),
      0.5,
      { scope: 'global' },
    );
    expect(Array.from(masks.get('a')!)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect(Array.from(masks.get('b')!)).toEqual([1, 1, 1, 1, 1, 1]);
    const layer = masksFromScores(new Map([['a', new Float64Array(4).fill(2)]]), 0.5, { scope: 'layer' });
    expect(Array.from(layer.get('a')!)).toEqual([0, 0, 1, 1]);
  });

  it('magnitude prunes the smallest |w| first; global ranks across layers', () => {
    const masks = masksFromScores(
      new Map([
        ['a', Float64Array.from([3, 0.1, 2])],
        ['b', Float64Array.from([0.2, 5])],
      ]),
      0.4,
      { scope: 'global' },
    );
    expect(Array.from(masks.get('a')!)).toEqual([1, 0, 1]);
    expect(Array.from(masks.get('b')!)).toEqual([0, 1]);
  });

  it('is monotone: already-pruned weights stay pruned when sparsity grows', () => {
    const first = randomMasks(weights, 0.5, 1, 'global');
    const second = globalMagnitudeMasks(weights, 0.8, first);
    for (const [name, m] of first) m.forEach((v, i) => v === 0 && expect(second.get(name)![i]).toBe(0));
    expect(maskSparsity(second).global.nonzeros).toBe(total - Math.round(0.8 * total));
  });

  it('random is reproducible from its seed and differs across seeds', () => {
    expect(randomMasks(weights, 0.5, 9, 'global')).toEqual(randomMasks(weights, 0.5, 9, 'global'));
    expect(randomMasks(weights, 0.5, 9, 'global')).not.toEqual(randomMasks(weights, 0.5, 10, 'global'));
  });
});
