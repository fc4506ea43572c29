// Fairness engine benchmark: a full report (2 sensitive attributes + their intersection, paired
// reference comparisons, 1,000 stratified paired bootstrap resamples) on 16,281 rows, the size of the
// Adult (census income) test split. The data is synthetic with Adult's group mix, seeded; the real
// encoded Adult file is not used here so the suite needs no data set on disk.
//
// Then the same data as a predictions CSV through the whole `fairshrink evaluate` process (start-up,
// CSV parsing, report, JSON), median of 5, and `fairshrink --help`; and, when python3 is there, the
// peer: Fairlearn's MetricFrame with the same resamples (bench/suites/fairness_peer.py), from PyPI
// into a venv under .fairshrink/, as one whole process too.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { defaultFairnessThreads } from '../../core/fairness/parallel.ts';
import { evaluateFairness, type EvaluationInput } from '../../core/fairness/report.ts';
import { createRng } from '../../core/random/rng.ts';
import { fairshrinkHome, projectRoot } from '../../infra/paths.ts';
import type { BenchRow, BenchSuite } from '../types.ts';

/** The peer's pinned versions (Fairlearn pulls scikit-learn, pandas and numpy; the peer prints theirs). */
const PEER_REQUIREMENTS = ['fairlearn==0.15.0'];
/** The peer gets this long; past it the ratio is reported as a lower bound. FAIRSHRINK_BENCH_PEER=0 skips it. */
const PEER_LIMIT_MS = 15 * 60_000;
const CLI_RUNS = 5;

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

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The bench data as the CSV a user would pass to `fairshrink evaluate` (and the peer reads). */
function writePredictionsCsv(input: EvaluationInput, file: string): void {
  const lines = ['label,score,reference_score,sex,race'];
  const { sex, race } = input.sensitive;
  for (let i = 0; i < input.label.length; i++) {
    lines.push(`${input.label[i]},${input.score[i]},${input.referenceScore![i]},${sex![i]},${race![i]}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** Wall milliseconds of one whole process; throws with its stderr when it fails. */
function processMs(
  command: string,
  args: string[],
  timeout?: number,
): { ms: number; stdout: string; stderr: string; timedOut: boolean } {
  const t0 = performance.now();
  const r = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...(timeout ? { timeout } : {}),
  });
  const ms = performance.now() - t0;
  const timedOut = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  if (!timedOut && r.status !== 0) {
    throw new Error(
      `${path.basename(command)} ${args.slice(0, 2).join(' ')} exited ${r.status}: ${r.stderr.slice(-1000)}`,
    );
  }
  return { ms, stdout: r.stdout, stderr: r.stderr ?? '', timedOut };
}

/** python3 with the pinned peer installed in .fairshrink/bench-peer-venv, or why not. */
function peerPython(): { python: string } | { skipped: string } {
  if (process.env.FAIRSHRINK_BENCH_PEER === '0') return { skipped: 'FAIRSHRINK_BENCH_PEER=0' };
  const venv = path.join(fairshrinkHome(), 'bench-peer-venv');
  const python = path.join(venv, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
  const stamp = path.join(venv, 'fairshrink-requirements.txt');
  const wanted = PEER_REQUIREMENTS.join('\n');
  if (!existsSync(stamp) || readText(stamp) !== wanted) {
    const created = spawnSync('python3', ['-m', 'venv', venv], { encoding: 'utf8' });
    if (created.error || created.status !== 0)
      return { skipped: `no python3 venv (${created.error?.message ?? created.stderr.trim()})` };
    console.error(`bench: installing the Fairlearn peer (${PEER_REQUIREMENTS.join(' ')}) from PyPI into ${venv}`);
    const pip = spawnSync(
      python,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PEER_REQUIREMENTS],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    if (pip.status !== 0)
      return { skipped: `pip install ${PEER_REQUIREMENTS.join(' ')} failed: ${pip.stderr.trim().split('\n').pop()}` };
    writeFileSync(stamp, wanted);
  }
  return { python };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Whole-process rows: `fairshrink --help`, `fairshrink evaluate` (median of 5) and the Fairlearn peer. */
function processRows(input: EvaluationInput, engineMs: number): BenchRow[] {
  const dir = path.join(fairshrinkHome(), 'bench', 'fairness');
  mkdirSync(dir, { recursive: true });
  const csv = path.join(dir, 'adult-shaped-predictions.csv');
  writePredictionsCsv(input, csv);
  const bin = path.join(projectRoot, 'bin', 'fairshrink.js');
  // bin/fairshrink.js falls back to tsx (and says so) when a source is newer than dist/: such runs do not count.
  let stale = false;
  const cliMs = (args: string[]): number => {
    const r = processMs(process.execPath, args);
    if (r.stderr.includes('through tsx')) stale = true;
    return r.ms;
  };
  const help = Array.from({ length: CLI_RUNS }, () => cliMs([bin, '--help']));
  const evaluateArgs = [
    bin,
    'evaluate',
    ...['--data', csv, '--label', 'label', '--score', 'score', '--reference-score', 'reference_score'],
    ...['--sensitive', 'sex,race', '--intersections', '--bootstrap', String(RESAMPLES), '--seed', '7'],
    ...['--out', path.join(dir, 'report.json')],
  ];
  // The default thread count (the cores, up to 4) is what a user gets; one thread is shown beside it.
  const evaluate = Array.from({ length: CLI_RUNS }, () => cliMs(evaluateArgs));
  const evaluateMs = median(evaluate);
  const oneThread = Array.from({ length: CLI_RUNS }, () => cliMs([...evaluateArgs, '--threads', '1']));
  const staleNote = stale
    ? 'NOT the compiled code: sources changed during the run and bin/ ran them through tsx; '
    : '';
  const rows: BenchRow[] = [
    {
      suite: 'fairness',
      name: 'fairshrink --help, whole process',
      value: Math.round(median(help)),
      unit: 'ms',
      target: '≤ 0.3 s',
      met: median(help) <= 300,
      notes: `${staleNote}median of ${CLI_RUNS} (${help.map((m) => m.toFixed(0)).join(', ')} ms); compiled dist/ through bin/fairshrink.js`,
    },
    {
      suite: 'fairness',
      name: `fairshrink evaluate, whole process, ${RESAMPLES} paired resamples`,
      value: Math.round(evaluateMs),
      unit: 'ms',
      target: '≤ 1.8 s',
      met: evaluateMs <= 1800,
      notes:
        `${staleNote}median of ${CLI_RUNS} (${evaluate.map((m) => m.toFixed(0)).join(', ')} ms) on the same data as a ${ROWS}-row CSV ` +
        `(sex, race, sex&race; candidate + reference), resamples on ${defaultFairnessThreads()} threads (the default on ` +
        `this machine; two threads pipeline each resample's statistics and metrics); with --threads 1: median ${median(oneThread).toFixed(0)} ms, of which the engine alone ` +
        `(row above, one thread): ${engineMs.toFixed(0)} ms`,
    },
  ];
  const peer = peerPython();
  if ('skipped' in peer) {
    rows.push({
      suite: 'fairness',
      name: 'Fairlearn MetricFrame peer',
      value: 0,
      unit: 'skipped',
      notes: peer.skipped,
    });
    return rows;
  }
  const script = path.join(projectRoot, 'bench', 'suites', 'fairness_peer.py');
  console.error(`bench: running the Fairlearn peer (${RESAMPLES} resamples; up to ${PEER_LIMIT_MS / 60_000} min)`);
  const run = processMs(peer.python, [script, csv, String(RESAMPLES)], PEER_LIMIT_MS);
  const info = run.timedOut ? undefined : (JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, unknown>);
  const versions = info
    ? `Fairlearn ${info.fairlearn}, scikit-learn ${info.scikit_learn}, pandas ${info.pandas}, Python ${info.python}`
    : PEER_REQUIREMENTS.join(' ');
  rows.push(
    {
      suite: 'fairness',
      name: `Fairlearn MetricFrame peer, whole process, ${RESAMPLES} resamples`,
      value: Math.round(run.ms),
      unit: 'ms',
      notes:
        `${run.timedOut ? `stopped at the ${PEER_LIMIT_MS / 60_000}-min limit, so a lower bound; ` : ''}one run; ${versions}; ` +
        'MetricFrame(n_boot, ci_quantiles) of accuracy, balanced accuracy, selection rate, TPR, FPR for sex, race and sex&race, ' +
        'candidate and reference, with difference() and difference_ci()',
    },
    {
      suite: 'fairness',
      name: 'peer / fairshrink evaluate (whole processes)',
      value: Number((run.ms / evaluateMs).toFixed(1)),
      unit: '×',
      notes: run.timedOut
        ? 'lower bound: the peer hit its time limit'
        : 'Fairlearn process time / fairshrink median process time',
    },
  );
  return rows;
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
      ...processRows(input, best.wallMs),
    ];
  },
};

export default suite;
