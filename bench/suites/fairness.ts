// Fairness engine benchmark: a full report (2 sensitive attributes + their intersection, paired
// reference comparisons, 1,000 stratified paired bootstrap resamples) on 16,281 rows, the size of the
// Adult (census income) test split. The data is synthetic with Adult's group mix, seeded; the real
// encoded Adult file is not used here so the suite needs no data set on disk.
import { cpus, loadavg } from 'node:os';
import { evaluateFairness, type EvaluationInput } from '../../core/fairness/report.ts';
import { createRng } from '../../core/random/rng.ts';
import type { BenchRow, BenchSuite } from '../types.ts';

const ROWS = 16_281;
const RESAMPLES = 1000;
const TARGET_MS = 2000;

/** Adult-like rows: sex (2 groups) and race (5 groups) in Adult's proportions, a ~24% positive rate. */
export function syntheticAdultTest(seed = 1, rows = ROWS): EvaluationInput {
  const rng = createRng(seed);
  const races: [string, number][] = [
    ['White', 0.855],
    ['Black', 0.096],
    ['Asian-Pac-Islander', 0.029],
    ['Amer-Indian-Eskimo', 0.01],
    ['Other', 0.01],
  ];
  const pickRace = (): string => {
    let u = rng.next();
    for (const [name, p] of races) {
      if (u < p) return name;
      u -= p;
    }
    return races[0]![0];
  };
  const sex: string[] = [];
  const race: string[] = [];
  const label: number[] = [];
  const score: number[] = [];
  const referenceScore: number[] = [];
  const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
  for (let i = 0; i < rows; i++) {
    const male = rng.next() < 0.67;
    const r = pickRace();
    sex.push(male ? 'Male' : 'Female');
    race.push(r);
    const logit =
      -1.6 + (male ? 0.9 : -0.6) + (r === 'White' || r === 'Asian-Pac-Islander' ? 0.3 : -0.4) + rng.normal() * 1.3;
    const y = rng.next() < sigmoid(logit) ? 1 : 0;
    label.push(y);
    const ref = sigmoid(logit * 1.4 + (y - 0.5) * 1.2 + rng.normal() * 0.8);
    referenceScore.push(ref);
    // The compressed candidate: the reference's score with extra noise, a little more for small groups.
    const noise = r === 'White' ? 0.35 : 0.6;
    score.push(sigmoid(Math.log(ref / (1 - ref)) + rng.normal() * noise));
  }
  return { label, score, referenceScore, sensitive: { sex, race } };
}

/** Wall and CPU (user + system) milliseconds of one call. */
function timed<T>(fn: () => T): { result: T; wallMs: number; cpuMs: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { result, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const suite: BenchSuite = {
  name: 'fairness',
  async run(): Promise<BenchRow[]> {
    const input = syntheticAdultTest();
    const options = { intersections: true, seed: 7 } as const;
    evaluateFairness(input, { ...options, bootstrap: 50 }); // warm-up (JIT)
    const point = timed(() => evaluateFairness(input, { ...options, bootstrap: 0 }));
    // Best of three: the machine may be shared; the best run is the one least disturbed.
    const runs = [0, 1, 2].map(() => timed(() => evaluateFairness(input, { ...options, bootstrap: RESAMPLES })));
    const best = runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
    const full = best.result;
    const perResampleMs = (best.wallMs - point.wallMs) / RESAMPLES;
    const groups = Object.values(full.attributes).reduce((n, a) => n + Object.keys(a.groups).length, 0);
    const load = loadavg()[0]!.toFixed(1);
    const notes =
      `synthetic Adult-shaped data (${ROWS} rows; sex 2 groups, race 5, sex&race ` +
      `${Object.keys(full.attributes['sex&race']!.groups).length}; ${groups} groups in all), candidate + reference, ` +
      `${RESAMPLES} stratified paired resamples, one thread; best of 3 wall times ` +
      `(${runs.map((r) => r.wallMs.toFixed(0)).join(', ')} ms), CPU ${best.cpuMs.toFixed(0)} ms; ` +
      `point-only report ${point.wallMs.toFixed(0)} ms; 1-min load average ${load} on ${cpus().length} CPUs`;
    return [
      {
        suite: 'fairness',
        name: 'full report, 1000 paired bootstrap resamples',
        value: Math.round(best.wallMs),
        unit: 'ms',
        target: '< 2 s on one core',
        met: best.wallMs < TARGET_MS,
        notes,
      },
      {
        suite: 'fairness',
        name: 'time per paired bootstrap resample',
        value: Number(perResampleMs.toFixed(3)),
        unit: 'ms',
        notes:
          '(full − point-only) / 1000; each resample evaluates both models on every group of 3 partitions + overall',
      },
      {
        suite: 'fairness',
        name: 'throughput: rows × (resamples + 1) / full report time',
        value: Math.round((ROWS * (RESAMPLES + 1)) / (best.wallMs / 1000)),
        unit: 'rows/s',
      },
    ];
  },
};

export default suite;
