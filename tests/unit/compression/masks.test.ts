import { describe, expect, it } from 'vitest';
import {
  applyMasksToWeights,
  denseMasks,
  deserializeMasks,
  maskSparsity,
  serializeMasks,
  sparsityStats,
} from '../../../core/compression/masks.ts';
import { globalMagnitudeMasks } from '../../../core/compression/criteria.ts';
import { randomMlpWeights } from './fixtures.ts';

describe('masks', () => {
  const weights = randomMlpWeights([7, 5, 3, 1], 1);

  it('covers kernels only: biases are never masked', () => {
    expect([...denseMasks(weights).keys()]).toEqual(['dense0/kernel', 'dense1/kernel', 'dense2/kernel']);
  });

  it('applying masks zeroes exactly the pruned entries and leaves biases alone', () => {
    const masks = globalMagnitudeMasks(weights, 0.5);
    const pruned = applyMasksToWeights(weights, masks);
    const stats = sparsityStats(pruned);
    expect(stats.global.total).toBe(7 * 5 + 5 * 3 + 3);
    expect(stats.global.nonzeros).toBe(53 - Math.round(0.5 * 53));
    expect(maskSparsity(masks).global).toEqual(stats.global);
    expect(pruned.find((w) => w.name === 'dense0/bias')!.values).toEqual(weights[1]!.values);
    for (const [name, mask] of masks) {
      const values = pruned.find((w) => w.name === name)!.values;
      mask.forEach((m, i) => expect(m === 0 ? Object.is(values[i], 0) : values[i] !== 0).toBe(true));
    }
  });

  it('serialises deterministically (insertion order does not matter) and round-trips', () => {
    const masks = globalMagnitudeMasks(weights, 0.7);
    const reversed = new Map([...masks].reverse());
    const bytes = serializeMasks(masks);
    expect(serializeMasks(reversed)).toEqual(bytes);
    expect(Buffer.from(bytes.subarray(0, 4)).toString('latin1')).toBe('FSMK');
    expect(bytes.length).toBe(9 + 3 * (2 + 13 + 4) + Math.ceil(35 / 8) + Math.ceil(15 / 8) + 1);
    const back = deserializeMasks(bytes);
    expect([...back.keys()]).toEqual([...masks.keys()].sort());
    for (const [name, mask] of masks) expect(back.get(name)).toEqual(mask);
  });

  it('rejects truncated or foreign bytes', () => {
    const bytes = serializeMasks(globalMagnitudeMasks(weights, 0.2));
    expect(() => deserializeMasks(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
    expect(() => deserializeMasks(new Uint8Array([1, 2, 3, 4, 1, 0, 0, 0, 0]))).toThrow(/magic/);
  });
});
