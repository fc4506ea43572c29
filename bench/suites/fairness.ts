// Fairness engine benchmark: a full report (2 sensitive attributes + their intersection, paired
// reference comparisons, 1,000 stratified paired bootstrap resamples) on 16,281 rows, the size of the
// Adult (census income) test split. The data is synthetic with Adult's group mix, seeded; the real
// encoded Adult file is not used here so the suite needs no data set on disk.
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

const suite: BenchSuite = {
  name: 'fairness',
  async run(): Promise<BenchRow[]> {
    const input = syntheticAdultTest();
    const options = { intersections: true, seed: 7 } as const;
    evaluateFairness(input, { ...options, bootstrap: 20 }); // warm-up (JIT)
    const t0 = performance.now();
    const pointOnly = evaluateFairness(input, { ...options, bootstrap: 0 });
    const t1 = performance.now();
    const full = evaluateFairness(input, { ...options, bootstrap: RESAMPLES });
    const t2 = performance.now();
    const fullMs = t2 - t1;
    const perResampleMs = (fullMs - (t1 - t0)) / RESAMPLES;
    const groups = Object.values(full.attributes).reduce((n, a) => n + Object.keys(a.groups).length, 0);
    const notes =
      `synthetic Adult-shaped data (${ROWS} rows; sex 2 groups, race 5, sex&race ${Object.keys(full.attributes['sex&race']!.groups).length}; ` +
      `${groups} groups in all), candidate + reference, ${RESAMPLES} stratified paired resamples, one core; point-only report ${(t1 - t0).toFixed(0)} ms`;
    void pointOnly;
    return [
      {
        suite: 'fairness',
        name: 'full report, 1000 paired bootstrap resamples',
        value: Math.round(fullMs),
        unit: 'ms',
        target: '< 2 s on one core',
        met: fullMs < TARGET_MS,
        notes,
      },
      {
        suite: 'fairness',
        name: 'time per paired bootstrap resample',
        value: Number(perResampleMs.toFixed(3)),
        unit: 'ms',
        notes: '(full − point-only) / 1000; each resample evaluates both models on all partitions',
      },
      {
        suite: 'fairness',
        name: 'throughput (rows × (resamples + 1) / full report time)',
        value: Math.round((ROWS * (RESAMPLES + 1)) / (fullMs / 1000)),
        unit: 'rows/s',
      },
    ];
  },
};

export default suite;
