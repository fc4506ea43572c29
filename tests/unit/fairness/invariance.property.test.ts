// Property tests on seeded random cases: row order changes nothing (point values and, because cells
// are resampled in content order, bootstrap CIs too); relabelling groups changes nothing but names.
import { describe, expect, it } from 'vitest';
import { evaluateFairness, type EvaluationInput } from '../../../core/fairness/report.ts';
import type { FairnessReport } from '../../../core/fairness/report-types.ts';
import { createRng, shuffleInPlace, type Rng } from '../../../core/random/rng.ts';

function randomCase(rng: Rng): EvaluationInput {
  const n = 40 + rng.nextInt(160);
  const sexes = ['F', 'M', 'X'].slice(0, 2 + rng.nextInt(2));
  const races = ['r1', 'r2', 'r3', 'r4'].slice(0, 2 + rng.nextInt(3));
  const sex: string[] = [];
  const race: string[] = [];
  const label: number[] = [];
  const score: number[] = [];
  const referenceScore: number[] = [];
  for (let i = 0; i < n; i++) {
    sex.push(sexes[rng.nextInt(sexes.length)]!);
    race.push(races[rng.nextInt(races.length)]!);
    const y = rng.next() < 0.35 ? 1 : 0;
    label.push(y);
    // Round to 2 decimals so ties occur (exercises the AUC tie handling).
    const s = Math.round(Math.min(1, Math.max(0, 0.5 + (y - 0.5) * 0.4 + rng.normal() * 0.25)) * 100) / 100;
    score.push(s);
    referenceScore.push(rng.next() < 0.1 ? Math.round(rng.next() * 100) / 100 : s);
  }
  return { label, score, referenceScore, sensitive: { sex, race } };
}

function permute(input: EvaluationInput, order: number[]): EvaluationInput {
  const pick = <T>(xs: ArrayLike<T>): T[] => order.map((i) => xs[i]!);
  return {
    label: pick(input.label),
    score: pick(input.score),
    referenceScore: pick(input.referenceScore!),
    sensitive: Object.fromEntries(Object.entries(input.sensitive).map(([k, v]) => [k, pick(v)])),
  };
}

/** Every number in the report, by path, with group names mapped by `rename`. */
function numbersByPath(value: unknown, path: string, out: Map<string, number>, rename: (s: string) => string): void {
  if (typeof value === 'number') out.set(path, value);
  else if (Array.isArray(value)) value.forEach((v, i) => numbersByPath(v, `${path}[${i}]`, out, rename));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) numbersByPath(v, `${path}.${rename(k)}`, out, rename);
  }
}

function expectSameNumbers(a: FairnessReport, b: FairnessReport, rename: (s: string) => string = (s) => s): void {
  const left = new Map<string, number>();
  const right = new Map<string, number>();
  numbersByPath({ overall: a.overall, attributes: a.attributes, delta: a.delta }, '', left, rename);
  numbersByPath({ overall: b.overall, attributes: b.attributes, delta: b.delta }, '', right, (s) => s);
  expect([...right.keys()].sort()).toEqual([...left.keys()].sort());
  for (const [path, x] of left) {
    const y = right.get(path)!;
    if (Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(x))) expect.fail(`${path}: ${x} vs ${y}`);
  }
}

describe('invariance (seeded random cases)', () => {
  const rng = createRng(20240607);
  const cases = Array.from({ length: 6 }, () => randomCase(rng));

  it('row order changes no point estimate and no CI', () => {
    for (const input of cases) {
      const n = input.label.length;
      const order = shuffleInPlace(
        Array.from({ length: n }, (_, i) => i),
        rng,
      ) as number[];
      const options = { bootstrap: 40, seed: 5, intersections: true, minGroupSize: 5 };
      const a = evaluateFairness(input, options);
      const b = evaluateFairness(permute(input, order), options);
      expectSameNumbers(a, b);
      // Flipped row indices refer to rows, so they move with the rows.
      expect(b.flipped_rows!.indices.map((i) => order[i]!).sort((x, y) => x - y)).toEqual(a.flipped_rows!.indices);
    }
  });

  it('relabelling groups changes only the names', () => {
    const renameGroup = (s: string): string =>
      s
        .split('&')
        .map((part) => (/^(F|M|X|r\d)$/.test(part) ? `grp_${part.toLowerCase()}` : part))
        .join('&');
    // A small-group view's pool is labelled pooled(<group>,<group>,...).
    const rename = (s: string): string => {
      const pooled = /^pooled\((.*)\)$/.exec(s);
      return pooled ? `pooled(${pooled[1]!.split(',').map(renameGroup).join(',')})` : renameGroup(s);
    };
    for (const input of cases) {
      const relabelled: EvaluationInput = {
        ...input,
        sensitive: Object.fromEntries(Object.entries(input.sensitive).map(([k, v]) => [k, Array.from(v, rename)])),
      };
      const options = { bootstrap: 0, intersections: true, minGroupSize: 5 };
      const a = evaluateFairness(input, options);
      const b = evaluateFairness(relabelled, options);
      expectSameNumbers(a, b, rename);
      for (const [attr, section] of Object.entries(b.attributes)) {
        const names = new Set(Object.keys(section.groups));
        for (const d of Object.values(section.disparities)) {
          for (const g of d.pair ?? []) {
            if (g !== 'overall' && g !== 'unprivileged') expect(names.has(g), `${attr}: ${g}`).toBe(true);
          }
        }
      }
    }
  });
});
