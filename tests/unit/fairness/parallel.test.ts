// Resamples spread over worker threads must give the very report one thread gives: same draws, same rows.
import { describe, expect, it } from 'vitest';
import { evaluateFairnessParallel, packMultiplicities } from '../../../core/fairness/parallel.ts';
import { evaluateFairness, type EvaluationInput } from '../../../core/fairness/report.ts';
import { createRng } from '../../../core/random/rng.ts';

function syntheticInput(rows: number, seed: number): EvaluationInput {
  const rng = createRng(seed);
  const sex = ['Female', 'Male'];
  const race = ['A', 'B', 'C', 'D'];
  const input = {
    label: [] as number[],
    score: [] as number[],
    referenceScore: [] as number[],
    sensitive: { sex: [] as string[], race: [] as string[] },
  };
  for (let i = 0; i < rows; i++) {
    const y = rng.next() < 0.3 ? 1 : 0;
    const s = Math.min(1, Math.max(0, 0.35 * y + 0.6 * rng.next()));
    input.label.push(y);
    input.score.push(s);
    input.referenceScore.push(Math.min(1, Math.max(0, s + 0.1 * (rng.next() - 0.5))));
    input.sensitive.sex.push(sex[rng.nextInt(2)]!);
    // A small group (D, ~3%) so max/min statistics and small-group views are exercised too.
    input.sensitive.race.push(race[rng.next() < 0.03 ? 3 : rng.nextInt(3)]!);
  }
  return input;
}

describe('evaluateFairnessParallel', () => {
  const input = syntheticInput(3000, 11);
  const options = { bootstrap: 450, seed: 5, intersections: true, smallGroupViewSizes: [50] };
  const serial = evaluateFairness(input, options);

  // 450 resamples also wrap the pipeline's ring of 256 statistics blocks.
  it.each([
    ['split', 2],
    ['split', 3],
    ['pipelined', 2],
  ] as const)(
    'gives the one-thread report %s over %i threads',
    async (way, threads) => {
      const parallel = await evaluateFairnessParallel(input, options, threads, way);
      expect(JSON.stringify(parallel)).toBe(JSON.stringify(serial));
    },
    60_000,
  );

  // Either thread may sweep the reference's AUC, resample by resample (by the worker's lag, which depends on timing):
  // each way on its own, and so any mix of them, gives the one-thread report.
  it.each(['worker', 'main'] as const)(
    'gives the one-thread report pipelined with the reference AUC always on the %s thread',
    async (policy) => {
      const parallel = await evaluateFairnessParallel(input, options, 2, 'pipelined', policy);
      expect(JSON.stringify(parallel)).toBe(JSON.stringify(serial));
    },
    60_000,
  );

  it('packs multiplicities into 16 bits, and says when one does not fit', () => {
    const out = new Uint16Array(3);
    expect(packMultiplicities(Float64Array.of(0, 7, 65_535), out)).toBe(true);
    expect([...out]).toEqual([0, 7, 65_535]);
    expect(packMultiplicities(Float64Array.of(1, 65_536, 2), out)).toBe(false);
  });

  it('gives the one-thread report pipelined without a reference model', async () => {
    const { referenceScore: _, ...alone } = input;
    const few = { ...options, bootstrap: 300 };
    expect(JSON.stringify(await evaluateFairnessParallel(alone, few, 2, 'pipelined'))).toBe(
      JSON.stringify(evaluateFairness(alone, few)),
    );
  }, 60_000);

  it('runs on one thread when there are too few resamples to split', async () => {
    const few = { ...options, bootstrap: 150 };
    expect(JSON.stringify(await evaluateFairnessParallel(input, few, 4))).toBe(
      JSON.stringify(evaluateFairness(input, few)),
    );
  });

  it('continues a generator from a saved state exactly', () => {
    const a = createRng(9);
    for (let k = 0; k < 5; k++) a.normal();
    const b = createRng(0, a.saveState());
    expect(Array.from({ length: 8 }, () => b.normal())).toEqual(Array.from({ length: 8 }, () => a.normal()));
  });
});
