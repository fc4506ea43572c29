// `npm run bench [-- suite ...]`: runs the benchmark suites in bench/suites/, each in its own
// process (suites switch tfjs backends and must not share state), and merges their outcomes into
// bench/results/latest.json and latest.md (the newest run of every suite). Goals are reported, never asserted.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../infra/paths.ts';
import { mergeResults, resultsTable, updateReadmeResults, type BenchResults } from './readme-results.ts';
import type { BenchRow } from './types.ts';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
// `npm run bench` runs the compiled bench (dist/bench/*.js); through tsx (development) it is the .ts sources.
const ext = path.extname(fileURLToPath(import.meta.url));
const nodeArgs = ext === '.ts' ? ['--import', 'tsx'] : [];
const suitesDir = path.join(benchDir, 'suites');
const resultsDir = path.join(projectRoot, 'bench', 'results');

interface SuiteOutcome {
  suite: string;
  seconds: number;
  rows: BenchRow[];
  error?: string;
  /** When the outcome was measured (set on outcomes kept in latest.json from earlier runs). */
  date?: string;
}

function runSuite(name: string): SuiteOutcome {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [...nodeArgs, path.join(benchDir, `run-suite${ext}`), name], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const marker = child.stdout.lastIndexOf('\n@@BENCH@@');
  if (child.status !== 0 || marker < 0) {
    return { suite: name, seconds, rows: [], error: `exit ${child.status}: ${child.stdout.slice(-2000)}` };
  }
  return { suite: name, seconds, rows: JSON.parse(child.stdout.slice(marker + '\n@@BENCH@@'.length)) as BenchRow[] };
}

const available = readdirSync(suitesDir)
  .filter((f) => f.endsWith(ext))
  .map((f) => path.basename(f, ext))
  .sort();
const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}. Available: ${available.join(', ')}`);
  process.exit(2);
}
const selected = requested.length > 0 ? requested : available;
const outcomes: SuiteOutcome[] = [];
for (const name of selected) {
  console.error(`bench: running ${name}`);
  const outcome = runSuite(name);
  console.error(`bench: ${name} ${outcome.error ? 'FAILED' : 'done'} in ${outcome.seconds.toFixed(1)} s`);
  outcomes.push(outcome);
}
const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.versions.node,
  date: new Date().toISOString(),
};
mkdirSync(resultsDir, { recursive: true });
// latest.json keeps the newest run of every suite (mergeResults), so a run of one suite updates only its own rows.
const latestFile = path.join(resultsDir, 'latest.json');
const previous = existsSync(latestFile) ? (JSON.parse(readFileSync(latestFile, 'utf8')) as BenchResults) : undefined;
const merged = mergeResults(previous, { machine, outcomes });
writeFileSync(latestFile, `${JSON.stringify(merged, null, 2)}\n`);
writeFileSync(path.join(resultsDir, 'latest.md'), resultsTable(merged.outcomes, machine));
console.log(resultsTable(outcomes, machine));
// README quotes the newest run of each suite: rewrite its results block now that this run is stored.
await updateReadmeResults();
process.exit(outcomes.some((o) => o.error) ? 1 : 0);
