// The freshness check behind `npm run build` (compile only what changed) and bin/fairshrink.js (never
// run a stale dist/ silently): a source newer than its compiled file, a missing one, and a compiled
// file whose source was deleted.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildState } from '../../../infra/build-state.mjs';

const root = mkdtempSync(path.join(tmpdir(), 'fairshrink-build-state-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function put(relative: string, secondsAgo: number): string {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '// test\n');
  const when = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(file, when, when);
  return file;
}

describe('buildState', () => {
  it('is clean when every source has a newer compiled file', () => {
    put('cli/main.ts', 60);
    put('dist/cli/main.js', 30);
    put('core/fairness/io.ts', 60);
    put('dist/core/fairness/io.js', 30);
    put('core/types.d.ts', 10); // declarations are not compiled
    put('bench/results/latest.json', 10); // not TypeScript
    const state = buildState(root);
    expect(state.sources.map((s) => path.relative(root, s)).sort()).toEqual(['cli/main.ts', 'core/fairness/io.ts']);
    expect(state.changed).toEqual([]);
    expect(state.orphans).toEqual([]);
  });

  it('names a source edited after the build, and one never compiled', () => {
    put('core/fairness/io.ts', 5);
    put('workers/worker.ts', 5);
    const changed = buildState(root)
      .changed.map((c) => path.relative(root, c.out))
      .sort();
    expect(changed).toEqual(['dist/core/fairness/io.js', 'dist/workers/worker.js']);
  });

  it('names a compiled file whose source was deleted', () => {
    put('dist/core/removed.js', 30);
    expect(buildState(root).orphans.map((o) => path.relative(root, o))).toEqual(['dist/core/removed.js']);
  });
});
