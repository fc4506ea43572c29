import { beforeAll, describe, expect, it } from 'vitest';
import {
  globalMagnitudeMasks,
  groupLossGradients,
  groupSaliency,
  groupSaliencyMasks,
  regrow,
  regrowthScores,
  type GroupGradients,
} from '../../../core/compression/criteria.ts';
import { evaluateGroups } from '../../../core/compression/finetune.ts';
import { applyMasksToWeights, maskSparsity } from '../../../core/compression/masks.ts';
import { readWeights, writeWeights } from '../../../core/compression/model-adapter.ts';
import { trainedMinorityModel, type TrainedFixture } from './model-fixtures.ts';

describe('group-aware saliency', () => {
  let fx: TrainedFixture;
  beforeAll(async () => {
    fx = await trainedMinorityModel();
  });

  it('per-group tfjs gradients match a finite difference of the group loss', () => {
    const grads = groupLossGradients(fx.model, fx.data, { batchSize: 500 });
    expect([...grads.keys()]).toEqual(['A', 'B']);
    const weights = readWeights(fx.model);
    const h = 1e-2;
    for (const [group, index] of [
      ['B', 2 * 16 + 3],
      ['A', 5],
    ] as const) {
      const lossAt = (delta: number) => {
        const m = fx.copy();
        const w = weights.map((t) => ({ ...t, values: new Float32Array(t.values) }));
        w[0]!.values[index]! += delta;
        writeWeights(m, w);
        return evaluateGroups(m, fx.data).groupLoss[group]!;
      };
      const numeric = (lossAt(h) - lossAt(-h)) / (2 * h);
      expect(grads.get(group)!.get('dense_0/kernel')![index]).toBeCloseTo(numeric, 3);
    }
  });

  it('normalises each group to sum 1 and combines by max, so the minority keeps its important weights', () => {
    const weights = readWeights(fx.model);
    const grads = groupLossGradients(fx.model, fx.data);
    const s = groupSaliency(weights, grads);
    for (const scores of s.perGroup.values()) {
      let sum = 0;
      for (const v of scores.values()) for (const x of v) sum += x;
      expect(sum).toBeCloseTo(1, 10);
    }
    const c = s.combined.get('dense_0/kernel')!;
    c.forEach((v, i) =>
      expect(v).toBe(
        Math.max(s.perGroup.get('A')!.get('dense_0/kernel')![i]!, s.perGroup.get('B')!.get('dense_0/kernel')![i]!),
      ),
    );

    // Minority features x2..x4 are kernel rows 2..4: group-aware pruning keeps more of them than magnitude does.
    const rowsKept = (m: Map<string, Uint8Array>) =>
      Array.from(m.get('dense_0/kernel')!.subarray(2 * 16)).reduce((a, b) => a + b, 0);
    const aware = groupSaliencyMasks(weights, grads, 0.8, 'global');
    const magnitude = globalMagnitudeMasks(weights, 0.8);
    expect(rowsKept(aware)).toBeGreaterThan(rowsKept(magnitude));
    expect(maskSparsity(aware).global.nonzeros).toBe(maskSparsity(magnitude).global.nonzeros);
  });

  it('skips a group whose gradient is zero, with a reason', () => {
    const weights = [{ name: 'k', shape: [1, 2], values: Float32Array.from([1, 2]) }];
    const grads: GroupGradients = new Map([
      ['A', new Map([['k', Float32Array.from([1, 1])]])],
      ['Z', new Map([['k', Float32Array.from([0, 0])]])],
    ]);
    const s = groupSaliency(weights, grads);
    expect(s.skipped).toEqual([{ group: 'Z', reason: expect.stringContaining('zero') }]);
    expect(Array.from(s.combined.get('k')!)).toEqual([1 / 3, 2 / 3]);
  });

  it('regrowth restores the k pruned weights with the highest group saliency, to pre-prune values or zero', () => {
    const before = readWeights(fx.model);
    const masks = globalMagnitudeMasks(before, 0.9);
    const pruned = applyMasksToWeights(before, masks);
    const grads = groupLossGradients(fx.model, fx.data);
    const scores = regrowthScores(pruned, grads, before);
    const k = 5;
    const back = regrow(pruned, masks, scores, k, { reinit: 'pre-prune', prePrune: before });
    expect(back.regrown).toBe(k);
    expect(maskSparsity(back.masks).global.nonzeros).toBe(maskSparsity(masks).global.nonzeros + k);
    // The regrown entries are the top-k scores among pruned entries.
    const candidates: number[] = [];
    for (const [name, m] of masks) m.forEach((v, i) => v === 0 && candidates.push(scores.get(name)![i]!));
    const threshold = candidates.sort((a, b) => b - a)[k - 1]!;
    for (const [name, m] of masks)
      m.forEach((v, i) => {
        if (v === 0 && back.masks.get(name)![i] === 1) {
          expect(scores.get(name)![i]).toBeGreaterThanOrEqual(threshold);
          const w = back.weights.find((t) => t.name === name)!.values[i];
          expect(w).toBe(before.find((t) => t.name === name)!.values[i]);
        }
      });
    const zero = regrow(pruned, masks, scores, k, { reinit: 'zero' });
    expect(zero.masks).toEqual(back.masks);
    for (const w of zero.weights) expect(w.values).toEqual(pruned.find((t) => t.name === w.name)!.values);
    expect(() => regrow(pruned, masks, scores, k, { reinit: 'pre-prune' })).toThrow(/pre-prune weights/);
  });
});
