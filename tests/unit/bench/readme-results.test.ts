// README's results block is written from bench/results/latest.json: numbers from the JSON, nothing it lacks.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_END,
  BLOCK_START,
  mergeResults,
  STUDY_TABLES,
  studyMarkers,
  resultsBlock,
  withResultsBlock,
  type BenchResults,
} from '../../../bench/readme-results.ts';
import { projectRoot } from '../../../infra/paths.ts';

const machine = { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 8, node: '20.0.0', date: '2026-11-27T11:44:19.964Z' };
const modelRows = [
  { suite: 'model', name: 'Adult MLP 64-32 epoch time (wasm)', value: 667, unit: 'ms' },
  { suite: 'model', name: 'Adult MLP 64-32 inference, batch 8192 (wasm)', value: 1136867, unit: 'rows/s' },
  { suite: 'model', name: 'Adult MLP 64-32 inference, tfjs predict batch 32 (wasm)', value: 10767, unit: 'rows/s' },
];

describe('README results block', () => {
  it("tabulates the model suite's backends and peers from the JSON, with the goals' outcomes", () => {
    const rows = [
      ...modelRows,
      { suite: 'model', name: 'Adult MLP 64-32 epoch time (tensorflow)', value: 1234, unit: 'ms' },
      {
        suite: 'model',
        name: 'Adult MLP 64-32 inference, batch 8192 (tensorflow)',
        value: 2_500_000,
        unit: 'rows/s',
        target: '>= 2,000,000',
        met: true,
      },
      {
        suite: 'model',
        name: 'Adult MLP 64-32 epoch time (Keras peer, TF CPU)',
        value: 1000,
        unit: 'ms',
        notes: 'tensorflow 2.12.1 (pip tensorflow-cpu==2.12.1) in Python',
      },
      {
        suite: 'model',
        name: 'epoch time ratio fairshrink (tensorflow) / Keras',
        value: 1.234,
        unit: 'x',
        target: '<= 1.0x Keras on TF CPU',
        met: false,
      },
      { suite: 'model', name: 'PyTorch peer', value: Number.NaN, unit: 'n/a', notes: 'skipped: CUDA build only' },
    ];
    const block = resultsBlock({ machine, outcomes: [{ suite: 'model', seconds: 19, rows }] });
    expect(block).toContain('| fairshrink, WASM (default) | 0.667 s | — | 1.137 M | 10.8 k |');
    expect(block).toContain(
      '| fairshrink, native TensorFlow (tfjs-node) | 1.234 s | 1.23× (goal <= 1.0x Keras on TF CPU: not met) | 2.5 M (goal >= 2,000,000: met) | — |',
    );
    expect(block).toContain('| Keras peer (Python, tensorflow 2.12.1) | 1.000 s | 1× | — | — |');
    expect(block).toContain('PyTorch peer: skipped: CUDA build only.');
    expect(block).not.toContain('pure-JS CPU');
  });

  it('keeps the newest run of each suite, dated, and a newer failure over an older number', () => {
    const run = (date: string, outcomes: BenchResults['outcomes']) => ({ machine: { ...machine, date }, outcomes });
    const full = run('2026-11-27T10:00:00Z', [
      { suite: 'model', seconds: 19, rows: modelRows },
      { suite: 'fairness', seconds: 9, rows: [] },
    ]);
    const newer = modelRows.map((r) => (r.name.includes('epoch') ? { ...r, value: 500 } : r));
    const afterModel = mergeResults(full, run('2026-12-02T10:00:00Z', [{ suite: 'model', seconds: 19, rows: newer }]));
    const results = mergeResults(
      afterModel,
      run('2026-12-01T10:00:00Z', [{ suite: 'fairness', seconds: 1, rows: [], error: 'boom' }]),
    );
    expect(results.machine.date).toBe('2026-12-01T10:00:00Z');
    expect(results.outcomes.map((o) => [o.suite, o.date, o.error])).toEqual([
      ['model', '2026-12-02T10:00:00Z', undefined],
      ['fairness', '2026-12-01T10:00:00Z', 'boom'],
    ]);
    const block = resultsBlock(results);
    expect(block).toContain('**Models** (`npm run bench -- model` (run of 2026-12-02))');
    expect(block).toContain('| fairshrink, WASM (default) | 0.500 s |');
    expect(block).toContain('The fairness suite failed in its latest run (run of 2026-12-01).');
    // A first run has nothing to keep: its outcomes, dated.
    expect(mergeResults(undefined, full).outcomes.map((o) => o.date)).toEqual([full.machine.date, full.machine.date]);
  });

  it("quotes the query-latency suite's numbers for both worker layouts", () => {
    const rows = [
      ['forked', 180, 420, 0],
      ['single-process', 2600, 9100, 3],
    ].flatMap(([layout, p99, max, failed]) => [
      {
        suite: 'query-latency',
        name: `${layout}: state query p99 (whole campaign)`,
        value: p99 as number,
        unit: 'ms',
        target: '≤ 1000 ms',
      },
      { suite: 'query-latency', name: `${layout}: state query max (whole campaign)`, value: max as number, unit: 'ms' },
      {
        suite: 'query-latency',
        name: `${layout}: failed queries`,
        value: failed as number,
        unit: 'queries',
        notes: 'of 150',
      },
    ]);
    const block = resultsBlock({ machine, outcomes: [{ suite: 'query-latency', seconds: 90, rows }] });
    expect(block).toContain(
      'with `fairshrink worker` (compute in a forked process) p99 180 ms, max 420 ms, 0 of 150 failed (goal ≤ 1000 ms); with `--single-process` p99 2,600 ms, max 9,100 ms, 3 of 150 failed.',
    );
  });

  it("quotes the fairness suite's engine and whole-process rows with their goals", () => {
    const rows = [
      {
        suite: 'fairness',
        name: 'full report, 1000 paired bootstrap resamples',
        value: 998,
        unit: 'ms',
        target: '< 2 s',
      },
      {
        suite: 'fairness',
        name: 'fairshrink --help, whole process',
        value: 113,
        unit: 'ms',
        target: '≤ 0.3 s',
        met: true,
      },
      {
        suite: 'fairness',
        name: 'fairshrink evaluate, whole process, 1000 paired resamples',
        value: 1900,
        unit: 'ms',
        target: '≤ 1.8 s',
        met: false,
      },
    ];
    const block = resultsBlock({ machine, outcomes: [{ suite: 'fairness', seconds: 16, rows }] });
    expect(block).toContain('998 ms for a full report');
    expect(block).toContain(
      'As whole processes (start-up included, median of 5): `fairshrink evaluate` on the same data as a CSV 1,900 ms (goal ≤ 1.8 s: not met), `fairshrink --help` 113 ms (goal ≤ 0.3 s: met).',
    );
  });

  it('says a suite is missing instead of keeping old numbers, and claims no history the JSON does not hold', () => {
    const block = resultsBlock({ machine, outcomes: [{ suite: 'model', seconds: 19, rows: modelRows }] });
    expect(block).toContain('**The demo campaign through Temporal** (campaign suite: not in this run).');
    expect(block).toContain('**Fairness engine** (fairness suite: not in this run).');
    expect(block).toContain('**`state` query during the demo campaign** (query-latency suite: not in this run).');
    expect(block).not.toMatch(/last (five|\d+) runs/);
  });

  it('tabulates each example campaign the suite ran, found by its wall-time row', () => {
    const rows = [
      {
        name: 'colour-shift: campaign through Temporal (wall)',
        value: 412.4,
        unit: 's',
        target: '< 600 s on 2 cores',
        met: true,
        notes:
          'Keras CNN on SYNTHETIC colour-shifted stripes; cpu backend; completed (done); 4 attempts over 3 milestones',
      },
      {
        name: 'colour-shift: final sparsity',
        value: 0.5,
        unit: 'fraction',
        target: '0.9',
        met: false,
        notes: 'precision int8',
      },
      {
        name: 'colour-shift: accuracy',
        value: 0.99,
        unit: 'accuracy',
        notes: 'test split, 320 rows; dense baseline 0.9969',
      },
      {
        name: 'colour-shift: worst-group accuracy',
        value: 0.96,
        unit: 'accuracy',
        notes: 'test split, 320 rows; colour=shifted; dense baseline 0.9800 (colour=shifted)',
      },
      { name: 'colour-shift: max ψ', value: 0.0123, unit: 'accuracy gap' },
      { name: 'colour-shift: max ψ CI low', value: -0.02, unit: 'accuracy gap' },
      { name: 'colour-shift: max ψ CI high', value: 0.05, unit: 'accuracy gap' },
      { name: 'colour-shift: stored bytes (structured)', value: 3100, unit: 'bytes' },
      { name: 'colour-shift: stored bytes (tfjs-standard)', value: 2200, unit: 'bytes' },
      { name: 'colour-shift: stored bytes (dense float32)', value: 11343, unit: 'bytes' },
    ].map((r) => ({ suite: 'example-campaigns', ...r }));
    const block = resultsBlock({ machine, outcomes: [{ suite: 'example-campaigns', seconds: 420, rows }] });
    expect(block).toContain(
      '| colour-shift | Keras CNN on SYNTHETIC colour-shifted stripes; cpu backend | 412 s (goal < 600 s on 2 cores: met) | 50.0% (goal 90%; completed), int8 | test split, 320 rows | 0.9900 (dense 0.9969) | 0.9600 colour=shifted (dense 0.9800 colour=shifted) | 0.0123 [-0.0200, 0.0500] | structured 3,100, tfjs-standard 2,200 | 11,343 |',
    );
    const without = resultsBlock({ machine, outcomes: [{ suite: 'model', seconds: 19, rows: modelRows }] });
    expect(without).toContain('**Example campaigns through Temporal** (example-campaigns suite: not in this run).');
  });

  it('replaces only what lies between the markers, and needs them', () => {
    const readme = `intro\n${BLOCK_START}\nold numbers\n${BLOCK_END}\noutro\n`;
    expect(withResultsBlock(readme, 'new numbers')).toBe(
      `intro\n${BLOCK_START}\n\nnew numbers\n\n${BLOCK_END}\noutro\n`,
    );
    expect(() => withResultsBlock('no markers', 'x')).toThrow(/no ".*" … ".*" block/);
    const study = studyMarkers('study.md');
    const both = `${readme}${study.start}\nold table\n${study.end}\n`;
    expect(withResultsBlock(both, '| new | table |\n', study)).toBe(
      `${readme}${study.start}\n\n| new | table |\n\n${study.end}\n`,
    );
    expect(() => withResultsBlock(readme, 'x', study)).toThrow(/no "<!-- study.md:start/);
  });

  it.each(STUDY_TABLES)('holds bench/results/%s in its block, as the study wrote it', (file) => {
    const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    const table = readFileSync(path.join(projectRoot, 'bench', 'results', file), 'utf8');
    const { start, end } = studyMarkers(file);
    expect(readme).toContain(start);
    const block = readme.slice(readme.indexOf(start) + start.length, readme.indexOf(end));
    // Prettier pads table cells; compare with runs of spaces and dashes collapsed.
    const squash = (text: string) => text.replace(/\s+/g, ' ').replace(/-+/g, '-').trim();
    expect(squash(block)).toBe(squash(table));
    // A whole study, every seed: not a part of one.
    expect(table).toMatch(/^Study [a-z-]+-[0-9a-f]{12}: \d+ cells, seeds 0, 1, 2\./);
  });

  it('matches the stored latest.json (README is regenerated with it)', () => {
    const latest = JSON.parse(
      readFileSync(path.join(projectRoot, 'bench', 'results', 'latest.json'), 'utf8'),
    ) as BenchResults;
    const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    const models = resultsBlock(latest)
      .split('\n\n')
      .find((p) => p.startsWith('**Models**'))!;
    // Prettier pads table cells; compare with runs of spaces and dashes collapsed.
    const squash = (text: string) => text.replace(/\s+/g, ' ').replace(/-+/g, '-');
    expect(squash(readme)).toContain(squash(models));
  });
});
