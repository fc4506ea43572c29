#!/usr/bin/env node
// Entry point for `fairshrink` / `npx fairshrink`: runs the compiled CLI (dist/cli/main.js, built by
// `npm run build`, which every bootstrap runs), so no command compiles TypeScript at start-up.
//
// In a source checkout a developer may edit a .ts file and run this (or vitest, whose tests spawn it)
// without rebuilding. Running the old dist/ then would silently test yesterday's code, so when any
// source is newer than its compiled file (a few ms of stat calls) this runs the sources through tsx
// instead and says so in one line on stderr. Checking here rather than building in the test setup
// also covers a developer's own `npx fairshrink` calls, and costs nothing when dist/ is fresh.
// An installed package has no sources next to dist/, so it always runs dist/.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const compiled = path.join(root, 'dist', 'cli', 'main.js');
const sources = path.join(root, 'cli', 'main.ts');

let entry = compiled;
if (existsSync(sources)) {
  const { buildState } = await import('../infra/build-state.mjs');
  const { changed, orphans } = buildState(root);
  if (changed.length > 0 || orphans.length > 0) {
    const first = changed[0] ? path.relative(root, changed[0].source) : path.relative(root, orphans[0]);
    const what =
      changed.length > 0 ? `${changed.length} source file(s) newer than dist/ (${first})` : `${first} has no source`;
    process.stderr.write(`fairshrink: ${what}; running the sources through tsx (npm run build to compile)\n`);
    const { register } = await import('tsx/esm/api');
    register();
    entry = sources;
  }
} else if (!existsSync(compiled)) {
  process.stderr.write(`fairshrink: ${compiled} is missing; reinstall the package\n`);
  process.exit(1);
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
