// The numbers of README's "Results" section, written between two markers from the newest stored run of each suite
// (bench/results/latest.json, see mergeResults), so the README never quotes an older run than the one on record. `npm run bench`
// calls it after writing the results; `node dist/bench/readme-results.js` (or tsx) rewrites the block from the JSON.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { projectRoot } from '../infra/paths.ts';
import type { BenchRow } from './types.ts';

export const BLOCK_START =
  '<!-- bench-results:start (generated from bench/results/latest.json by bench/readme-results.ts; do not edit) -->';
export const BLOCK_END = '<!-- bench-results:end -->';

/**
 * The study tables README quotes, each as `fairshrink study status <id> --table-out bench/results/<file>` wrote it:
 * the compression study, and its plain arms with the sensitive attributes left out of the inputs.
 */
export const STUDY_TABLES = ['study.md', 'study-sensitive-inputs.md'] as const;

/** The markers around a study table's copy in README. */
export function studyMarkers(file: string): { start: string; end: string } {
  return {
    start: `<!-- ${file}:start (copied from bench/results/${file} by bench/readme-results.ts; do not edit) -->`,
    end: `<!-- ${file}:end -->`,
  };
}

export interface BenchResults {
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; date: string };
  /** `date` is set when outcomes come from runs of different days (see latestResults). */
  outcomes: { suite: string; seconds: number; rows: BenchRow[]; error?: string; date?: string }[];
}

/**
 * bench/results/latest.json after a run: the suites just run replace their earlier outcomes, every other suite keeps
 * its newest one, and each outcome carries the date of the run that measured it. So `npm run bench -- <suite>` and a
 * full run both leave one file holding the newest run of every suite, the one README quotes (and the only results
 * file git tracks). A suite that failed keeps that failure: a broken suite is never hidden behind an older number.
 */
export function mergeResults(previous: BenchResults | undefined, run: BenchResults): BenchResults {
  const dated = (r: BenchResults) => r.outcomes.map((o) => ({ ...o, date: o.date ?? r.machine.date }));
  const fresh = dated(run);
  const ran = new Set(fresh.map((o) => o.suite));
  const kept = previous === undefined ? [] : dated(previous).filter((o) => !ran.has(o.suite));
  return { machine: run.machine, outcomes: [...kept, ...fresh] };
}

const fixed = (x: number, digits: number) => x.toFixed(digits);
const thousands = (x: number) => Math.round(x).toLocaleString('en-US');
/** 1.137 M, 10.8 k: three significant digits with a decimal prefix. */
function rate(x: number): string {
  if (x >= 1e6) return `${Number((x / 1e6).toPrecision(4))} M`;
  if (x >= 1e3) return `${Number((x / 1e3).toPrecision(3))} k`;
  return `${Math.round(x)}`;
}

function tableNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(4)).toString();
}

/** bench/results/latest.md: every row of `outcomes` as one Markdown table, each suite dated when it carries a date. */
export function resultsTable(outcomes: BenchResults['outcomes'], machine: BenchResults['machine']): string {
  const lines = [
    '# Benchmark results',
    '',
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.date}` +
      (outcomes.some((o) => o.date !== undefined) ? ' (each suite with the date of its newest run).' : '.'),
    'Reproduce with `npm run bench` (or `npm run bench -- <suite>`).',
    '',
    '| suite | measure | value | unit | target | met | notes |',
    '| --- | --- | ---: | --- | --- | --- | --- |',
  ];
  for (const outcome of outcomes) {
    const suite = outcome.date === undefined ? outcome.suite : `${outcome.suite} (${outcome.date.slice(0, 10)})`;
    if (outcome.error) lines.push(`| ${suite} | (suite failed) | | | | | ${outcome.error.split('\n')[0]} |`);
    for (const row of outcome.rows) {
      const met = row.met === undefined ? '' : row.met ? 'yes' : 'no';
      lines.push(
        `| ${suite} | ${row.name} | ${tableNumber(row.value)} | ${row.unit} | ${row.target ?? ''} | ${met} | ${(row.notes ?? '').replace(/\|/g, '/')} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

type RowLookup = (suite: string, name: string) => BenchRow | undefined;

/**
 * The model suite as a table: one row per tfjs backend that ran, then the Python peers, each with epoch time, its
 * ratio to the Keras peer's epoch measured in the same run, and inference throughput; goals say whether they were met.
 */
function modelsTable(row: RowLookup, runOf: string): string {
  const epoch = (b: string) => row('model', `Adult MLP 64-32 epoch time (${b})`);
  const batched = (b: string) => row('model', `Adult MLP 64-32 inference, batch 8192 (${b})`);
  const small = (b: string) => row('model', `Adult MLP 64-32 inference, tfjs predict batch 32 (${b})`);
  const ratio = (b: string) => row('model', `epoch time ratio fairshrink (${b}) / Keras`);
  const goal = (r: BenchRow | undefined) => (r?.target ? ` (goal ${r.target}: ${r.met ? 'met' : 'not met'})` : '');
  const backends: [string, string][] = [
    ['wasm', 'fairshrink, WASM (default)'],
    ['cpu', 'fairshrink, pure-JS CPU'],
    ['tensorflow', 'fairshrink, native TensorFlow (tfjs-node)'],
  ];
  const lines: string[] = [];
  for (const [key, label] of backends) {
    const e = epoch(key);
    if (e === undefined || !(e.value > 0)) continue;
    const r = ratio(key);
    const b = batched(key);
    const s = small(key);
    lines.push(
      `| ${label} | ${fixed(e.value / 1000, 3)} s | ${r ? `${fixed(r.value, 2)}×${goal(r)}` : '—'} | ${b ? `${rate(b.value)}${goal(b)}` : '—'} | ${s ? rate(s.value) : '—'} |`,
    );
  }
  if (lines.length === 0) return '**Models** (model suite: not in this run).';
  const kerasEpoch = epoch('Keras peer, TF CPU');
  const kerasBatched = batched('Keras peer, TF CPU');
  const keras = row('model', 'Keras peer');
  lines.push(
    kerasEpoch
      ? `| Keras peer (Python, ${(kerasEpoch.notes ?? '').split(' (')[0]}) | ${fixed(kerasEpoch.value / 1000, 3)} s | 1× | ${kerasBatched ? rate(kerasBatched.value) : '—'} | — |`
      : `| Keras peer | — | — | — | ${keras?.notes ?? 'not in this run'} |`,
  );
  const torch = row('model', 'PyTorch peer');
  const tensorflow = epoch('tensorflow');
  return [
    `**Models** (\`npm run bench -- model\`${runOf}): the Adult 64-32 MLP, one epoch over 27,147 rows (batch 256, validation loss included, median of 3 epochs), and inference on the 15,060 test rows; the peers train the same MLP on the same splits in the same run, so the ratio is the figure to read.${tensorflow ? '' : ' The native TensorFlow backend was not set up in this run.'}`,
    '| trained by | epoch | epoch vs Keras | rows/s, 8,192-row batches | rows/s, predict batch 32 |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...lines,
    ...(torch ? ['', `PyTorch peer: ${torch.notes ?? 'no notes'}.`] : []),
  ].join('\n');
}

/** "colour=shifted (dense 0.9800 colour=shifted)" from the worst-group row's notes (split; group; dense baseline). */
function worstGroupText(worst: BenchRow | undefined): string {
  const [, group, dense] = (worst?.notes ?? '').split('; ');
  return `${group ?? ''} (dense ${(dense ?? '—').replace('dense baseline ', '').replace(/[()]/g, '')})`;
}

/**
 * The example-campaigns suite as a table, one row per campaign it ran (found by its wall-time row, so a campaign
 * added to the suite's list shows up here without a change): wall time, where it ended, quality on the held-out
 * split, and the bytes each export format stores against the dense model's.
 */
function exampleCampaignsTable(rows: readonly BenchRow[], runOf: string): string {
  const suffix = ': campaign through Temporal (wall)';
  const keys = rows.filter((r) => r.name.endsWith(suffix)).map((r) => r.name.slice(0, -suffix.length));
  if (keys.length === 0) return '**Example campaigns through Temporal** (example-campaigns suite: not in this run).';
  const lines = keys.map((key) => {
    const get = (measure: string) => rows.find((r) => r.name === `${key}: ${measure}`);
    const value = (measure: string, digits: number) => {
      const r = get(measure);
      return r === undefined || !Number.isFinite(r.value) ? '—' : fixed(r.value, digits);
    };
    const wall = get('campaign through Temporal (wall)')!;
    // How the campaign ended (completed, stopped, ...): the wall row's third note, "<status> (<reason>)".
    const status = (wall.notes ?? '').split('; ')[2]?.split(' (')[0] ?? 'status not recorded';
    const sparsity = get('final sparsity');
    const accuracy = get('accuracy');
    const worst = get('worst-group accuracy');
    const ciLow = get('max ψ CI low');
    const ciHigh = get('max ψ CI high');
    const stored = rows
      .filter((r) => r.name.startsWith(`${key}: stored bytes (`) && !r.name.endsWith('(dense float32)'))
      .map((r) => `${r.name.slice(`${key}: stored bytes (`.length, -1)} ${thousands(r.value)}`)
      .join(', ');
    const dense = get('stored bytes (dense float32)');
    const split = accuracy?.notes?.split(';')[0] ?? '';
    return [
      key,
      (wall.notes ?? '').split(';').slice(0, 2).join(';'),
      `${fixed(wall.value, 0)} s (goal ${wall.target ?? 'none'}: ${wall.met ? 'met' : 'not met'})`,
      sparsity
        ? `${fixed(sparsity.value * 100, 1)}% (goal ${Number(sparsity.target) * 100}%; ${status}), ${sparsity.notes?.replace('precision ', '') ?? ''}`
        : '—',
      split,
      `${value('accuracy', 4)} (dense ${accuracy?.notes?.split('dense baseline ')[1] ?? '—'})`,
      `${value('worst-group accuracy', 4)} ${worstGroupText(worst)}`,
      `${value('max ψ', 4)}${ciLow && ciHigh ? ` [${fixed(ciLow.value, 4)}, ${fixed(ciHigh.value, 4)}]` : ''}`,
      stored === '' ? '—' : stored,
      dense ? thousands(dense.value) : '—',
    ].join(' | ');
  });
  return [
    `**Example campaigns through Temporal** (\`npm run bench -- example-campaigns\`${runOf}): each campaign in examples/campaigns the suite lists, with an in-process worker on the local stack; quality is the final model's held-out verdict (test split, which no gate saw) with max ψ's 95% paired bootstrap CI against the dense model; sizes are the export files as stored in S3.`,
    '| campaign | model, backend | wall | final sparsity, precision | split | accuracy | worst-group accuracy | max ψ [95% CI] | stored bytes by format | dense float32 bytes |',
    '| --- | --- | ---: | --- | --- | ---: | ---: | ---: | --- | ---: |',
    ...lines.map((line) => `| ${line} |`),
  ].join('\n');
}

/** The block's Markdown: every number comes from `results`; a measure the run lacks is said to be missing. */
export function resultsBlock(results: BenchResults): string {
  const rows = new Map(results.outcomes.flatMap((o) => o.rows.map((r) => [`${o.suite}/${r.name}`, r] as const)));
  const row = (suite: string, name: string) => rows.get(`${suite}/${name}`);
  const missing = (what: string) => `(${what}: not in this run)`;
  const m = results.machine;
  const dates = [...new Set(results.outcomes.map((o) => o.date?.slice(0, 10)).filter((d) => d !== undefined))];
  const runOf = (suite: string) => {
    const date = results.outcomes.find((o) => o.suite === suite)?.date;
    return dates.length > 1 && date !== undefined ? ` (run of ${date.slice(0, 10)})` : '';
  };
  const parts = [
    dates.length > 1
      ? `Latest run of each suite, ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}; each paragraph gives its run's date.`
      : `Latest run: ${m.date.slice(0, 10)}, ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}.`,
    ...results.outcomes
      .filter((o) => o.error)
      .map((o) => `The ${o.suite} suite failed in its latest run${runOf(o.suite)}.`),
  ];

  const study = 'compression-study';
  const arms: [string, string][] = [
    ['baseline', 'baseline · dense'],
    ['magnitude + plain', 'magnitude+plain · int8'],
    ['magnitude + constrained', 'magnitude+constrained · int8'],
    ['group-aware + plain', 'group-aware+plain · int8'],
    ['group-aware + constrained', 'group-aware+constrained · int8'],
  ];
  const measures = ['accuracy', 'worst-group accuracy (sex)', 'equalized odds difference (sex)', 'max ψ_g (sex)'];
  const raceMeasures = ['worst-group accuracy (race)', 'equalized odds difference (race)', 'max ψ_g (race)'];
  const cell = (prefix: string, measure: string) => {
    const r = row(study, `${prefix} · ${measure}`);
    return r === undefined ? '—' : fixed(r.value, 4);
  };
  if (arms.some(([, prefix]) => row(study, `${prefix} · accuracy`) !== undefined)) {
    parts.push(
      [
        '| arm | step | accuracy | worst-group acc (sex) | EOD (sex) | max ψ (sex) | worst-group acc (race) | EOD (race) | max ψ (race) |',
        '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        ...arms.map(
          ([label, prefix]) =>
            `| ${label} | ${prefix.split(' · ')[1]} | ${[...measures, ...raceMeasures].map((x) => cell(prefix, x)).join(' | ')} |`,
        ),
      ].join('\n'),
    );
  } else parts.push(missing('the compression study'));

  const wall = row('campaign', 'demo campaign through Temporal (wall, best of rounds)');
  const inProcess = row('campaign', 'same activities in-process (wall)');
  const ratio = row('campaign', 'Temporal overhead ratio');
  const quality = row('campaign', 'final model accuracy / worst-group accuracy');
  parts.push(
    wall && inProcess && ratio
      ? `**The demo campaign through Temporal** (\`npm run bench -- campaign\`${runOf('campaign')}): ${fixed(wall.value, 1)} s (best of its rounds; ${wall.notes ?? ''}; goal ${wall.target ?? 'none'}), against ${fixed(inProcess.value, 1)} s for the same activity calls in-process (${inProcess.notes ?? ''}): Temporal's overhead is **${fixed(ratio.value, 2)}×** in this run (goal ${ratio.target ?? 'none'}).${quality ? ` Final model accuracy ${fixed(quality.value, 4)} (${quality.notes ?? ''}).` : ''}`
      : `**The demo campaign through Temporal** ${missing('campaign suite')}.`,
  );

  const latency = (layout: string) => ({
    p99: row('query-latency', `${layout}: state query p99 (whole campaign)`),
    max: row('query-latency', `${layout}: state query max (whole campaign)`),
    failed: row('query-latency', `${layout}: failed queries`),
  });
  const forked = latency('forked');
  const single = latency('single-process');
  const layoutText = (l: typeof forked) =>
    `p99 ${thousands(l.p99!.value)} ms, max ${thousands(l.max!.value)} ms, ${l.failed!.value} ${(l.failed!.notes ?? '').split(';')[0]} failed`;
  parts.push(
    forked.p99 && forked.max && forked.failed && single.p99 && single.max && single.failed
      ? `**\`state\` query during the demo campaign** (\`npm run bench -- query-latency\`${runOf('query-latency')}, a query every 200 ms): with \`fairshrink worker\` (compute in a forked process) ${layoutText(forked)} (goal ${forked.p99.target ?? 'none'}); with \`--single-process\` ${layoutText(single)}.`
      : `**\`state\` query during the demo campaign** ${missing('query-latency suite')}.`,
  );

  const report = row('fairness', 'full report, 1000 paired bootstrap resamples');
  const perResample = row('fairness', 'time per paired bootstrap resample');
  const throughput = row('fairness', 'throughput: rows × (resamples + 1) / full report time');
  parts.push(
    report
      ? `**Fairness engine** (\`npm run bench -- fairness\`${runOf('fairness')}): ${thousands(report.value)} ms for a full report on 16,281 Adult-shaped rows and 17 groups with 1,000 paired bootstrap resamples (goal ${report.target ?? 'none'})${perResample ? `, ${fixed(perResample.value, 2)} ms per paired resample` : ''}${throughput ? `, ${rate(throughput.value)} rows/s` : ''}.${wholeProcessText(row('fairness', 'fairshrink evaluate, whole process, 1000 paired resamples'), row('fairness', 'fairshrink --help, whole process'))}`
      : `**Fairness engine** ${missing('fairness suite')}.`,
  );

  parts.push(modelsTable(row, runOf('model')));
  parts.push(
    exampleCampaignsTable(
      results.outcomes.filter((o) => o.suite === 'example-campaigns').flatMap((o) => o.rows),
      runOf('example-campaigns'),
    ),
  );
  return parts.join('\n\n');
}

/** The whole-process CLI rows of the fairness suite, as a sentence (empty when the run has neither). */
function wholeProcessText(evaluate: BenchRow | undefined, help: BenchRow | undefined): string {
  const goal = (r: BenchRow) => (r.target ? ` (goal ${r.target}: ${r.met ? 'met' : 'not met'})` : '');
  const parts = [
    ...(evaluate
      ? [`\`fairshrink evaluate\` on the same data as a CSV ${thousands(evaluate.value)} ms${goal(evaluate)}`]
      : []),
    ...(help ? [`\`fairshrink --help\` ${thousands(help.value)} ms${goal(help)}`] : []),
  ];
  return parts.length === 0 ? '' : ` As whole processes (start-up included, median of 5): ${parts.join(', ')}.`;
}

/** README text with the block between the markers replaced; an error when the markers are missing. */
export function withResultsBlock(
  readme: string,
  block: string,
  markers = { start: BLOCK_START, end: BLOCK_END },
): string {
  const start = readme.indexOf(markers.start);
  const end = readme.indexOf(markers.end);
  if (start < 0 || end < start)
    throw new Error(`README.md has no "${markers.start}" … "${markers.end}" block to rewrite`);
  return `${readme.slice(0, start + markers.start.length)}\n\n${block.trim()}\n\n${readme.slice(end)}`;
}

/**
 * Rewrites README.md's results block from bench/results/latest.json (the newest run of each suite), and each study
 * table's block from its file in bench/results when that exists, formatted as the repository's Prettier does.
 */
export async function updateReadmeResults(root = projectRoot): Promise<void> {
  const results = JSON.parse(readFileSync(path.join(root, 'bench', 'results', 'latest.json'), 'utf8')) as BenchResults;
  const readmePath = path.join(root, 'README.md');
  let text = withResultsBlock(readFileSync(readmePath, 'utf8'), resultsBlock(results));
  for (const file of STUDY_TABLES) {
    const table = path.join(root, 'bench', 'results', file);
    if (existsSync(table)) text = withResultsBlock(text, readFileSync(table, 'utf8'), studyMarkers(file));
  }
  writeFileSync(readmePath, await format(text, { ...(await resolveConfig(readmePath)), filepath: readmePath }));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await updateReadmeResults();
