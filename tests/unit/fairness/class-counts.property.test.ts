// The resample fast paths (class counts, class-counts.ts, and the unrolled AUC sweep for scores without ties)
// against the straightforward computations on seeded random cases: bit for bit against the row-by-row pass and the
// tie-handling AUC sweep, and against a from-scratch count per group (brute-force AUC over all pairs). Cases vary the
// number of attributes and intersections, ties, calibration bins, one model or a pair, and the counts drawn.
import { describe, expect, it } from 'vitest';
import { drawStratifiedMultiplicities } from '../../../core/fairness/bootstrap.ts';
import { ClassCountPass } from '../../../core/fairness/class-counts.ts';
import { allIntersections, buildCellIndex, type CellIndex } from '../../../core/fairness/groups.ts';
import {
  calibrationBin,
  LOG_LOSS_EPS,
  prepareModel,
  StatsEngine,
  statsStride,
  type GroupStats,
  type ModelArrays,
  type PartitionStats,
} from '../../../core/fairness/stats.ts';
import { createRng, type Rng } from '../../../core/random/rng.ts';

interface Case {
  label: Uint8Array;
  models: ModelArrays[];
  cells: CellIndex;
  bins: number;
  counts: Float64Array[];
}

function randomCase(rng: Rng): Case {
  const n = 30 + rng.nextInt(170);
  const bins = 2 + rng.nextInt(20);
  const ties = rng.next() < 0.5;
  const attributes = ['a', 'b', 'c', 'd'].slice(0, 1 + rng.nextInt(4));
  const sensitive = Object.fromEntries(
    attributes.map((a) => {
      const values = ['x', 'y', 'z'].slice(0, 1 + rng.nextInt(3));
      return [a, Array.from({ length: n }, () => values[rng.nextInt(values.length)]!)];
    }),
  );
  const intersections = rng.next() < 0.5 ? allIntersections(attributes) : [];
  const cells = buildCellIndex(sensitive, attributes, intersections, n);
  const label = Uint8Array.from({ length: n }, () => (rng.next() < 0.35 ? 1 : 0));
  const score = (): Float64Array =>
    Float64Array.from(label, (y) => {
      const s = Math.min(1, Math.max(0, 0.5 + (y - 0.5) * 0.5 + rng.normal() * 0.3));
      return ties ? Math.round(s * 10) / 10 : s;
    });
  const model = (s: Float64Array): ModelArrays =>
    prepareModel(
      label,
      s,
      Uint8Array.from(s, (v) => (v >= 0.5 ? 1 : 0)),
      bins,
    );
  const models = rng.next() < 0.7 ? [model(score()), model(score())] : [model(score())];
  const counts: Float64Array[] = [];
  for (let r = 0; r < 3; r++) {
    const m = new Float64Array(n);
    drawStratifiedMultiplicities(cells.cellRows, rng, m);
    counts.push(m);
  }
  counts.push(Float64Array.from({ length: n }, () => rng.nextInt(4) * 1000003)); // large whole counts
  return { label, models, cells, bins, counts };
}

/** Every number of a group's statistics, in a fixed order. */
function numbers(s: GroupStats): number[] {
  const out = [s.rows, s.weight, s.tn, s.fp, s.fn, s.tp, s.logLossSum, s.brierSum, s.aucNumerator, s.flips];
  for (let k = 0; k < s.bins; k++) out.push(...s.positiveBin(k), ...s.topLabelBin(k));
  return out;
}

const all = (stats: PartitionStats): number[][] => stats.groups.flatMap((row) => row.map(numbers));

function runBoth(engine: StatsEngine, models: ModelArrays[], count: Float64Array): PartitionStats[] {
  if (models.length === 2) return engine.runPair(models[0]!, models[1]!, count);
  return [engine.run(models[0]!, count)];
}

/** A group's statistics counted from scratch: every row of the group, every pair for the AUC. */
function fromScratch(c: Case, model: ModelArrays, other: ModelArrays | undefined, count: Float64Array, rows: number[]) {
  const { label, bins } = c;
  const out = new Array<number>(statsStride(bins)).fill(0);
  const positive = (k: number): number => 10 + 3 * k;
  const top = (k: number): number => 10 + 3 * bins + 3 * k;
  for (const i of rows) {
    const w = count[i]!;
    const y = label[i]!;
    const s = model.score[i]!;
    const yhat = model.pred[i]!;
    out[0]! += w;
    out[1]! += w;
    out[2 + 2 * y + yhat]! += w;
    const p = Math.min(Math.max(s, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
    out[6]! += w * -Math.log(y === 1 ? p : 1 - p);
    out[7]! += w * (s - y) ** 2;
    if (other !== undefined && other.pred[i] !== yhat) out[9]! += w;
    const bp = positive(calibrationBin(s, bins));
    out[bp]! += w;
    out[bp + 1]! += w * y;
    out[bp + 2]! += w * s;
    const conf = yhat === 1 ? s : 1 - s;
    const bt = top(calibrationBin(conf, bins));
    out[bt]! += w;
    out[bt + 1]! += yhat === y ? w : 0;
    out[bt + 2]! += w * conf;
  }
  for (const i of rows) {
    if (label[i] !== 1) continue;
    for (const j of rows) {
      if (label[j] !== 0) continue;
      const s = model.score;
      out[8]! += count[i]! * count[j]! * (s[j]! < s[i]! ? 1 : s[j] === s[i] ? 0.5 : 0);
    }
  }
  // in the order of numbers(): rows, weight, tn, fp, fn, tp, log loss, Brier, AUC, flips, then bin by bin
  const ordered = out.slice(0, 10);
  for (let k = 0; k < bins; k++)
    ordered.push(...out.slice(positive(k), positive(k) + 3), ...out.slice(top(k), top(k) + 3));
  return ordered;
}

describe('resample statistics from class counts', () => {
  const rng = createRng(20260518);
  const cases = Array.from({ length: 40 }, () => randomCase(rng));

  it('equal the row-by-row pass bit for bit, for one model and for a pair', () => {
    let counted = 0;
    for (const c of cases) {
      const fast = new StatsEngine(c.cells, c.label, null, c.bins);
      const rowByRow = new StatsEngine(c.cells, c.label, null, c.bins, { classCounts: false });
      for (const count of c.counts) {
        const a = runBoth(fast, c.models, count).map(all);
        const b = runBoth(rowByRow, c.models, count).map(all);
        expect(a).toEqual(b);
        counted++;
      }
    }
    expect(counted).toBe(cases.length * 4);
  });

  it('AUC numerators without ties equal the tie-handling sweep bit for bit', () => {
    const scoreRng = createRng(7);
    let compared = 0;
    for (const c of cases) {
      // Scores without ties (the cases' own scores are clipped to [0, 1], so most of them tie at the ends).
      const score = Float64Array.from(c.label, (y) => 1 / (1 + Math.exp(-(y - 0.5) - scoreRng.normal())));
      const model = prepareModel(
        c.label,
        score,
        Uint8Array.from(score, (v) => (v >= 0.5 ? 1 : 0)),
        c.bins,
      );
      expect(model.hasTies).toBe(false);
      const engine = new StatsEngine(c.cells, c.label, null, c.bins);
      for (const count of c.counts) {
        const fast = engine.run(model, count).groups.map((row) => row.map((s) => s.aucNumerator));
        // The same model through the sweep that handles runs of equal scores (here every run has one row).
        const tieSweep = engine
          .run({ ...model, hasTies: true }, count)
          .groups.map((row) => row.map((s) => s.aucNumerator));
        expect(fast).toEqual(tieSweep);
        compared += fast.flat().filter((v) => v > 0).length;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('equal a from-scratch count per group (brute-force AUC over all pairs)', () => {
    for (const c of cases.slice(0, 15)) {
      const engine = new StatsEngine(c.cells, c.label, null, c.bins);
      const count = c.counts[0]!;
      const stats = runBoth(engine, c.models, count);
      c.cells.partitions.forEach((partition, p) => {
        partition.groupNames.forEach((_, g) => {
          const rows: number[] = [];
          for (let i = 0; i < c.label.length; i++) if (partition.cellToGroup[c.cells.cellOf[i]!] === g) rows.push(i);
          stats.forEach((s, m) => {
            const other = c.models.length === 2 ? c.models[1 - m] : undefined;
            const expected = fromScratch(c, c.models[m]!, other, count, rows);
            const got = numbers(s.groups[p]![g]!);
            expect(got.length).toBe(expected.length);
            // Counts exactly; real-valued sums (log loss, Brier, Σ w·p) up to the order of addition.
            got.forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 9));
          });
        });
      });
    }
  });

  it('counts that are not whole numbers go row by row', () => {
    const c = cases.find((x) => x.models.length === 2)!;
    const models = [
      { model: c.models[0]!, flipAgainst: c.models[1]!.pred },
      { model: c.models[1]!, flipAgainst: c.models[0]!.pred },
    ];
    const pass = new ClassCountPass(c.cells.cellRows, models, statsStride(c.bins));
    const acc = new Float64Array(2 * c.cells.cellRows.length * statsStride(c.bins));
    expect(pass.run(c.counts[0]!, acc)).toBe(true);
    expect(pass.classes).toBeLessThanOrEqual(c.label.length);
    const fractional = Float64Array.from(c.counts[0]!, (m, i) => (i === 0 ? m + 0.5 : m));
    expect(pass.run(fractional, acc)).toBe(false);
    // The engine then takes the row-by-row pass, so both engines still agree.
    const fast = new StatsEngine(c.cells, c.label, null, c.bins);
    const rowByRow = new StatsEngine(c.cells, c.label, null, c.bins, { classCounts: false });
    expect(runBoth(fast, c.models, fractional).map(all)).toEqual(runBoth(rowByRow, c.models, fractional).map(all));
  });
});
