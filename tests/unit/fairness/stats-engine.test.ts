// The statistics engine: the paired pass equals two single passes, AUC with and without ties matches a
// brute-force pair count, and calibration bins follow the documented [lo, hi) edges.
import { describe, expect, it } from 'vitest';
import { buildCellIndex } from '../../../core/fairness/groups.ts';
import {
  calibrationBin,
  predictAt,
  prepareModel,
  StatsEngine,
  withPredictions,
  type GroupStats,
} from '../../../core/fairness/stats.ts';
import { createRng } from '../../../core/random/rng.ts';

function fixture(ties: boolean) {
  const rng = createRng(ties ? 1 : 2);
  const n = 300;
  const label = Uint8Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
  const draw = () => (ties ? Math.round(rng.next() * 10) / 10 : rng.next());
  const a = Float64Array.from(label, (y) => Math.min(1, Math.max(0, draw() * 0.7 + y * 0.3)));
  const b = Float64Array.from(label, () => draw());
  const sex = Array.from({ length: n }, () => (rng.next() < 0.6 ? 'M' : 'F'));
  const race = Array.from({ length: n }, () => ['a', 'b', 'c'][rng.nextInt(3)]!);
  const cells = buildCellIndex({ sex, race }, ['sex', 'race'], [['sex', 'race']], n);
  const weight = Float64Array.from({ length: n }, () => rng.nextInt(3));
  return { rng, n, label, a, b, cells, weight };
}

const snapshot = (s: GroupStats) => [
  s.rows,
  s.weight,
  s.tp,
  s.fp,
  s.tn,
  s.fn,
  s.logLossSum,
  s.brierSum,
  s.aucNumerator,
  s.flips,
];

describe('StatsEngine', () => {
  it('runPair equals run for each model, with flips', () => {
    const { label, a, b, cells, weight } = fixture(false);
    const engine = new StatsEngine(cells, label, null, 15);
    const ma = prepareModel(
      label,
      a,
      Uint8Array.from(a, (s) => (s >= 0.5 ? 1 : 0)),
      15,
    );
    const mb = prepareModel(
      label,
      b,
      Uint8Array.from(b, (s) => (s >= 0.5 ? 1 : 0)),
      15,
    );
    const [pa, pb] = engine.runPair(ma, mb, weight);
    const sa = engine.run(ma, weight, mb.pred);
    const sb = engine.run(mb, weight, ma.pred);
    sa.groups.forEach((row, p) =>
      row.forEach((g, i) => {
        expect(snapshot(pa.groups[p]![i]!)).toEqual(snapshot(g));
        expect(snapshot(pb.groups[p]![i]!)).toEqual(snapshot(sb.groups[p]![i]!));
        for (let k = 0; k < 15; k++) expect(pa.groups[p]![i]!.topLabelBin(k)).toEqual(g.topLabelBin(k));
      }),
    );
  });

  for (const ties of [false, true]) {
    it(`AUC numerator matches a brute-force weighted pair count (${ties ? 'with' : 'without'} ties)`, () => {
      const { label, a, cells, weight } = fixture(ties);
      const engine = new StatsEngine(cells, label, null, 15);
      const model = prepareModel(
        label,
        a,
        Uint8Array.from(a, (s) => (s >= 0.5 ? 1 : 0)),
        15,
      );
      expect(model.hasTies).toBe(ties);
      const stats = engine.run(model, weight);
      cells.partitions.forEach((partition, p) => {
        partition.groupNames.forEach((_, g) => {
          let expected = 0;
          for (let i = 0; i < label.length; i++) {
            if (label[i] !== 1 || partition.cellToGroup[cells.cellOf[i]!] !== g) continue;
            for (let j = 0; j < label.length; j++) {
              if (label[j] !== 0 || partition.cellToGroup[cells.cellOf[j]!] !== g) continue;
              const pair = a[j]! < a[i]! ? 1 : a[j] === a[i] ? 0.5 : 0;
              expected += weight[i]! * weight[j]! * pair;
            }
          }
          expect(stats.groups[p]![g]!.aucNumerator).toBeCloseTo(expected, 9);
        });
      });
    });
  }

  for (const ties of [false, true]) {
    it(`a point run at another threshold reuses the AUC and equals a fresh engine's run (${ties ? 'with' : 'without'} ties)`, () => {
      const { label, a, cells, weight } = fixture(ties);
      for (const sampleWeight of [null, weight]) {
        const engine = new StatsEngine(cells, label, sampleWeight, 15);
        const model = prepareModel(label, a, predictAt(a, 0.5), 15);
        engine.run(model, null); // sweeps the AUC of these scores once
        // A resample in between leaves the engine's AUC buffers holding other numerators.
        engine.run(
          model,
          Float64Array.from(label, (_, i) => (i % 3) + (sampleWeight === null ? 0 : 0.5)),
        );
        for (const t of [0.2, 0.5, 0.8]) {
          const moved = withPredictions(model, label, predictAt(a, t), 15);
          const reused = engine.run(moved, null);
          const fresh = new StatsEngine(cells, label, sampleWeight, 15).run(
            prepareModel(label, a, predictAt(a, t), 15),
            null,
          );
          reused.groups.forEach((row, p) =>
            row.forEach((g, i) => expect(snapshot(g)).toEqual(snapshot(fresh.groups[p]![i]!))),
          );
        }
      }
    });
  }

  it('calibration bins are [k/M, (k+1)/M) with 1.0 in the last bin', () => {
    expect(calibrationBin(0, 10)).toBe(0);
    expect(calibrationBin(0.3, 10)).toBe(3); // on an edge: the upper bin
    expect(calibrationBin(0.29999, 10)).toBe(2);
    expect(calibrationBin(0.7, 10)).toBe(7);
    expect(calibrationBin(1, 10)).toBe(9);
    expect(calibrationBin(1 / 15, 15)).toBe(1);
    for (let k = 0; k <= 15; k++) expect(calibrationBin(k / 15, 15)).toBe(Math.min(k, 14));
  });
});
