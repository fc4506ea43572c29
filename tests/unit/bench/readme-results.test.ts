// README's results block is written from bench/results/latest.json: numbers from the JSON, nothing it lacks.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_END,
  BLOCK_START,
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
  it("quotes the model suite's numbers from the JSON", () => {
    const block = resultsBlock({ machine, outcomes: [{ suite: 'model', seconds: 19, rows: modelRows }] });
    expect(block).toContain(
      'epoch (27,147 rows) 0.667 s on WASM; batched inference 1.137 M rows/s on WASM (8,192-row batches) vs 10.8 k rows/s',
    );
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

  it('says a suite is missing instead of keeping old numbers, and claims no history the JSON does not hold', () => {
    const block = resultsBlock({ machine, outcomes: [{ suite: 'model', seconds: 19, rows: modelRows }] });
    expect(block).toContain('**The demo campaign through Temporal** (campaign suite: not in this run).');
    expect(block).toContain('**Fairness engine** (fairness suite: not in this run).');
    expect(block).toContain('**`state` query during the demo campaign** (query-latency suite: not in this run).');
    expect(block).not.toMatch(/last (five|\d+) runs/);
  });

  it('replaces only what lies between the markers, and needs them', () => {
    const readme = `intro\n${BLOCK_START}\nold numbers\n${BLOCK_END}\noutro\n`;
    expect(withResultsBlock(readme, 'new numbers')).toBe(
      `intro\n${BLOCK_START}\n\nnew numbers\n\n${BLOCK_END}\noutro\n`,
    );
    expect(() => withResultsBlock('no markers', 'x')).toThrow(/no ".*" … ".*" block/);
  });

  it('matches the stored latest.json (README is regenerated with the results)', () => {
    const latest = JSON.parse(
      readFileSync(path.join(projectRoot, 'bench', 'results', 'latest.json'), 'utf8'),
    ) as BenchResults;
    const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    const models = resultsBlock(latest)
      .split('\n\n')
      .find((p) => p.startsWith('**Models**'))!;
    expect(readme.replace(/\s+/g, ' ')).toContain(models.replace(/\s+/g, ' '));
  });
});
