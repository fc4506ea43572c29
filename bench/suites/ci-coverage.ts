// Coverage of the report's intervals for max/min-over-groups statistics, by simulation with known true values.
//
// Each replication draws synthetic groups from known truths (a binary outcome per row with rate p_g, and a paired
// correctness outcome per row: only the reference right with probability r_g, only the candidate right with c_g),
// computes the statistics, bootstraps them as the report does (stratified by group: each group's rows redrawn with
// replacement, paired across the two models), and asks each interval method of core/fairness/bootstrap.ts whether
// its interval holds the true value. For these statistics a group's rows matter only through its counts, so a
// stratified resample of rows is exactly a binomial (multinomial) draw of the counts at the observed shares, which
// is how the resamples are drawn here (one uniform per row, as a row resample would).
//
// `npm run bench -- ci-coverage` (through tsx: `node --import tsx bench/run.ts ci-coverage`) writes
// bench/results/latest-ci-coverage.{json,md}; FAIRSHRINK_CI_COVERAGE_QUICK=1 runs fewer replications. Run directly,
// `node --import tsx bench/suites/ci-coverage.ts` prints the table and records it in bench/results/ci-coverage.{json,md}
// (the numbers docs/fairness.md quotes); with `--quick` it only prints.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  biasCorrectedInterval,
  percentileInterval,
  simultaneousInterval,
  type ExtremeComponent,
  type ExtremeShape,
  type PercentileInterval,
} from '../../core/fairness/bootstrap.ts';
import { createRng, type Rng } from '../../core/random/rng.ts';
import { projectRoot } from '../../infra/paths.ts';
import type { BenchRow, BenchSuite } from '../types.ts';

export interface CoverageSetting {
  name: string;
  /** Rows per group. */
  sizes: number[];
  /** True rate of the binary outcome (e.g. selection) per group. */
  rates: number[];
  /** True share of rows only the reference model gets right, per group. */
  referenceOnly: number[];
  /** True share of rows only the candidate gets right, per group. */
  candidateOnly: number[];
}

/** The brief's four settings (issue #14, item 5): gaps of 0 and > 0, two equal groups and four with a small one. */
export const COVERAGE_SETTINGS: readonly CoverageSetting[] = [
  {
    name: '2 equal groups, no gap',
    sizes: [1000, 1000],
    rates: [0.3, 0.3],
    referenceOnly: [0.04, 0.04],
    candidateOnly: [0.02, 0.02],
  },
  {
    name: '2 equal groups, gap 0.05',
    sizes: [1000, 1000],
    rates: [0.3, 0.35],
    referenceOnly: [0.04, 0.09],
    candidateOnly: [0.02, 0.02],
  },
  {
    name: '4 groups, one of 60 rows, no gap',
    sizes: [2000, 1000, 500, 60],
    rates: [0.3, 0.3, 0.3, 0.3],
    referenceOnly: [0.04, 0.04, 0.04, 0.04],
    candidateOnly: [0.02, 0.02, 0.02, 0.02],
  },
  {
    name: '4 groups, gap 0.1',
    sizes: [200, 500, 1000, 2000],
    rates: [0.35, 0.3, 0.3, 0.25],
    referenceOnly: [0.14, 0.04, 0.04, 0.04],
    candidateOnly: [0.02, 0.02, 0.02, 0.02],
  },
];

export const CI_COVERAGE_METHODS = ['percentile', 'bias-corrected', 'simultaneous'] as const;
export type CoverageMethod = (typeof CI_COVERAGE_METHODS)[number];

/** Per-group counts of one sample (or resample). */
interface Counts {
  /** Rows with outcome 1. */
  positive: Float64Array;
  referenceOnly: Float64Array;
  candidateOnly: Float64Array;
}

/** A statistic: its components c_k from group shares, and how T is made of them (the report's max-type.ts forms). */
interface Statistic {
  name: string;
  shape: ExtremeShape;
  components(counts: Counts, sizes: readonly number[]): number[];
}

const share = (counts: Float64Array, sizes: readonly number[]): number[] => sizes.map((n, g) => counts[g]! / n);
const pooled = (counts: Float64Array, sizes: readonly number[]): number => {
  let sum = 0;
  let rows = 0;
  sizes.forEach((n, g) => {
    sum += counts[g]!;
    rows += n;
  });
  return sum / rows;
};
const drops = (c: Counts, sizes: readonly number[]): number[] =>
  sizes.map((n, g) => (c.referenceOnly[g]! - c.candidateOnly[g]!) / n);

/** The statistics simulated; each has the form of a report disparity (named in docs/fairness.md). */
export const COVERAGE_STATISTICS: readonly Statistic[] = [
  {
    // demographic_parity_difference: max_g p_g − min_g p_g = max over pairs |p_g − p_h|
    name: 'max abs(p_g - p_h)',
    shape: 'max-abs',
    components(c, sizes) {
      const p = share(c.positive, sizes);
      const out: number[] = [];
      for (let g = 0; g < p.length; g++) for (let h = g + 1; h < p.length; h++) out.push(p[g]! - p[h]!);
      return out;
    },
  },
  {
    // demographic_parity_difference_to_overall
    name: 'max abs(p_g - p_all)',
    shape: 'max-abs',
    components(c, sizes) {
      const all = pooled(c.positive, sizes);
      return share(c.positive, sizes).map((p) => p - all);
    },
  },
  {
    // worst_group_accuracy's form: a min over groups of a rate
    name: 'min p_g',
    shape: 'min',
    components: (c, sizes) => share(c.positive, sizes),
  },
  {
    // max_accuracy_drop: max_g (A_g,ref − A_g)
    name: 'max accuracy drop',
    shape: 'max',
    components: drops,
  },
  {
    // max_excess_accuracy_gap: max_g ψ_g, ψ_g = drop_g − overall drop (Hashemizadeh et al., ICLR 2024)
    name: 'max excess accuracy gap',
    shape: 'max',
    components(c, sizes) {
      const overall = pooled(c.referenceOnly, sizes) - pooled(c.candidateOnly, sizes);
      return drops(c, sizes).map((d) => d - overall);
    },
  },
];

function statisticOf(components: readonly number[], shape: ExtremeShape): number {
  if (shape === 'min') return Math.min(...components);
  return Math.max(...(shape === 'max-abs' ? components.map(Math.abs) : components));
}

const TWO32 = 4294967296;

/** Per group: n rows, each 1 with probability p (one uniform per row; the threshold is exact for p = k/n). */
function drawCounts(rng: Rng, sizes: readonly number[], rates: Counts | CoverageSetting, out: Counts): void {
  sizes.forEach((n, g) => {
    const [p, r, c] =
      'name' in rates
        ? [rates.rates[g]!, rates.referenceOnly[g]!, rates.candidateOnly[g]!]
        : [rates.positive[g]! / n, rates.referenceOnly[g]! / n, rates.candidateOnly[g]! / n];
    const positiveBelow = p * TWO32;
    const referenceBelow = r * TWO32;
    const candidateBelow = (r + c) * TWO32;
    let positive = 0;
    let referenceOnly = 0;
    let candidateOnly = 0;
    for (let i = 0; i < n; i++) {
      if (rng.nextUint32() < positiveBelow) positive++;
      const u = rng.nextUint32();
      if (u < referenceBelow) referenceOnly++;
      else if (u < candidateBelow) candidateOnly++;
    }
    out.positive[g] = positive;
    out.referenceOnly[g] = referenceOnly;
    out.candidateOnly[g] = candidateOnly;
  });
}

const newCounts = (groups: number): Counts => ({
  positive: new Float64Array(groups),
  referenceOnly: new Float64Array(groups),
  candidateOnly: new Float64Array(groups),
});

export interface CoverageOptions {
  replications: number;
  resamples: number;
  seed: number;
  level: number;
}

export interface CoverageResult {
  setting: string;
  statistic: string;
  method: CoverageMethod;
  truth: number;
  replications: number;
  /** Share of replications whose interval holds the true value. */
  coverage: number;
  /** Monte Carlo standard error of `coverage`: sqrt(c(1 − c)/R). */
  standardError: number;
  /** Share whose upper end is at or above the truth (what a `<=` gate on the CI bound relies on). */
  upperCoverage: number;
  /** Share whose interval holds its own point estimate. */
  holdsPoint: number;
  meanWidth: number;
  /** Replications without an interval (counted as not covering). */
  withheld: number;
}

/** Coverage of every method for every statistic in one setting. */
export function simulateCoverage(setting: CoverageSetting, options: CoverageOptions): CoverageResult[] {
  const { replications, resamples, level } = options;
  const sizes = setting.sizes;
  const groups = sizes.length;
  const rng = createRng(options.seed);
  const sample = newCounts(groups);
  const resample = newCounts(groups);
  const expected: Counts = {
    positive: Float64Array.from(sizes, (n, g) => n * setting.rates[g]!),
    referenceOnly: Float64Array.from(sizes, (n, g) => n * setting.referenceOnly[g]!),
    candidateOnly: Float64Array.from(sizes, (n, g) => n * setting.candidateOnly[g]!),
  };
  const tallies = COVERAGE_STATISTICS.map((statistic) => {
    const truth = statisticOf(statistic.components(expected, sizes), statistic.shape);
    return CI_COVERAGE_METHODS.map((method) => ({
      statistic,
      method,
      truth,
      covered: 0,
      upper: 0,
      holdsPoint: 0,
      width: 0,
      withheld: 0,
    }));
  });
  const componentCounts = COVERAGE_STATISTICS.map((s) => s.components(expected, sizes).length);
  const componentSamples = componentCounts.map((k) => Array.from({ length: k }, () => new Float64Array(resamples)));
  const statisticSamples = COVERAGE_STATISTICS.map(() => new Float64Array(resamples));
  for (let r = 0; r < replications; r++) {
    drawCounts(rng, sizes, setting, sample);
    for (let b = 0; b < resamples; b++) {
      drawCounts(rng, sizes, sample, resample);
      COVERAGE_STATISTICS.forEach((statistic, s) => {
        const c = statistic.components(resample, sizes);
        c.forEach((v, k) => (componentSamples[s]![k]![b] = v));
        statisticSamples[s]![b] = statisticOf(c, statistic.shape);
      });
    }
    COVERAGE_STATISTICS.forEach((statistic, s) => {
      const pointComponents = statistic.components(sample, sizes);
      const point = statisticOf(pointComponents, statistic.shape);
      for (const tally of tallies[s]!) {
        let interval: PercentileInterval;
        if (tally.method === 'percentile') interval = percentileInterval(statisticSamples[s]!, level);
        else if (tally.method === 'bias-corrected')
          interval = biasCorrectedInterval(statisticSamples[s]!, point, level);
        else {
          const components: ExtremeComponent[] = pointComponents.map((value, k) => ({
            point: value,
            samples: componentSamples[s]![k]!,
          }));
          interval = simultaneousInterval(components, statistic.shape, level);
        }
        if (interval.ci === null) {
          tally.withheld++;
          continue;
        }
        const [lo, hi] = interval.ci;
        if (lo <= tally.truth && tally.truth <= hi) tally.covered++;
        if (tally.truth <= hi) tally.upper++;
        if (lo <= point && point <= hi) tally.holdsPoint++;
        tally.width += hi - lo;
      }
    });
  }
  return tallies.flat().map((t) => {
    const coverage = t.covered / replications;
    return {
      setting: setting.name,
      statistic: t.statistic.name,
      method: t.method,
      truth: t.truth,
      replications,
      coverage,
      standardError: Math.sqrt((coverage * (1 - coverage)) / replications),
      upperCoverage: t.upper / replications,
      holdsPoint: t.holdsPoint / replications,
      meanWidth: t.width / Math.max(1, replications - t.withheld),
      withheld: t.withheld,
    };
  });
}

export const FULL_RUN: Omit<CoverageOptions, 'seed'> = { replications: 400, resamples: 500, level: 0.95 };
export const QUICK_RUN: Omit<CoverageOptions, 'seed'> = { replications: 100, resamples: 300, level: 0.95 };

/** Every setting, seeded by its position, so one setting's numbers do not depend on the others. */
export function coverageStudy(run: Omit<CoverageOptions, 'seed'>): CoverageResult[] {
  return COVERAGE_SETTINGS.flatMap((setting, i) => simulateCoverage(setting, { ...run, seed: 1000 + i }));
}

const fixed = (x: number, digits = 3): string => x.toFixed(digits);

/** The Markdown table docs/fairness.md quotes. */
export function coverageTable(results: readonly CoverageResult[]): string {
  const lines = [
    '| setting | statistic (true value) | method | coverage ± MC SE | upper end ≥ truth | holds estimate | mean width |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.setting} | ${r.statistic} (${fixed(r.truth)}) | ${r.method} | ${fixed(r.coverage)} ± ${fixed(r.standardError)} | ` +
        `${fixed(r.upperCoverage)} | ${fixed(r.holdsPoint)} | ${fixed(r.meanWidth)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function benchRows(results: readonly CoverageResult[], run: Omit<CoverageOptions, 'seed'>): BenchRow[] {
  return results.map((r) => {
    const floor = run.level - 3 * Math.sqrt((run.level * (1 - run.level)) / r.replications);
    const judged = r.method === 'simultaneous';
    return {
      suite: 'ci-coverage',
      name: `${r.setting} / ${r.statistic} / ${r.method}`,
      value: r.coverage,
      unit: `coverage of the true value (${r.replications} replications × ${run.resamples} resamples)`,
      ...(judged ? { target: `>= ${fixed(floor)} (nominal ${run.level} − 3 MC SE)`, met: r.coverage >= floor } : {}),
      notes:
        `truth ${fixed(r.truth)}; MC SE ${fixed(r.standardError)}; upper end ≥ truth ${fixed(r.upperCoverage)}; ` +
        `holds estimate ${fixed(r.holdsPoint)}; mean width ${fixed(r.meanWidth)}` +
        (r.withheld > 0 ? `; ${r.withheld} withheld` : ''),
    };
  });
}

const suite: BenchSuite = {
  name: 'ci-coverage',
  run() {
    const run = process.env.FAIRSHRINK_CI_COVERAGE_QUICK === '1' ? QUICK_RUN : FULL_RUN;
    return Promise.resolve(benchRows(coverageStudy(run), run));
  },
};
export default suite;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const run = quick ? QUICK_RUN : FULL_RUN;
  const started = performance.now();
  const results = coverageStudy(run);
  const seconds = (performance.now() - started) / 1000;
  const footer =
    `${run.replications} replications × ${run.resamples} resamples per setting, level ${run.level}, seeds 1000–1003; ` +
    `${seconds.toFixed(0)} s on ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.versions.node}.`;
  const table = `${coverageTable(results)}\n${footer}\n`;
  process.stdout.write(table);
  // The full run is the record docs/fairness.md quotes; a quick one only prints.
  if (!quick) {
    const dir = path.join(projectRoot, 'bench', 'results');
    writeFileSync(path.join(dir, 'ci-coverage.json'), `${JSON.stringify({ run, seconds, results }, null, 2)}\n`);
    writeFileSync(
      path.join(dir, 'ci-coverage.md'),
      `# Coverage of max/min-type intervals\n\nReproduce with \`node --import tsx bench/suites/ci-coverage.ts\`.\n\n${table}`,
    );
  }
}
