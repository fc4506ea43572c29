// `npm run bench [-- suite ...]`: runs the benchmark suites in bench/suites/, each in its own
// process (suites switch tfjs backends and must not share state), and writes
// bench/results/latest.json and bench/results/latest.md. Goals are reported, never asserted.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../infra/paths.ts';
import { updateReadmeResults } from './readme-results.ts';
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

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(4)).toString();
}

function markdown(outcomes: SuiteOutcome[], machine: Record<string, unknown>): string {
  const lines = [
    '# Benchmark results',
    '',
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.date}.`,
    'Reproduce with `npm run bench` (or `npm run bench -- <suite>`).',
    '',
    '| suite | measure | value | unit | target | met | notes |',
    '| --- | --- | ---: | --- | --- | --- | --- |',
  ];
  for (const outcome of outcomes) {
    if (outcome.error) lines.push(`| ${outcome.suite} | (suite failed) | | | | | ${outcome.error.split('\n')[0]} |`);
    for (const row of outcome.rows) {
      const met = row.met === undefined ? '' : row.met ? 'yes' : 'no';
      lines.push(
        `| ${row.suite} | ${row.name} | ${format(row.value)} | ${row.unit} | ${row.target ?? ''} | ${met} | ${(row.notes ?? '').replace(/\|/g, '/')} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
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
const suffix = requested.length > 0 ? `-${selected.join('-')}` : '';
writeFileSync(path.join(resultsDir, `latest${suffix}.json`), `${JSON.stringify({ machine, outcomes }, null, 2)}\n`);
const table = markdown(outcomes, machine);
writeFileSync(path.join(resultsDir, `latest${suffix}.md`), table);
console.log(table);
// README quotes the newest run of each suite: rewrite its results block now that this run is stored.
await updateReadmeResults();
process.exit(outcomes.some((o) => o.error) ? 1 : 0);
