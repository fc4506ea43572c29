// Which compiled files in dist/ no longer match their TypeScript sources. Shared by the build
// (infra/build.mjs: compile only what changed) and bin/fairshrink.js (never run a stale build).
// Plain JavaScript with no dependencies: it runs before anything is compiled.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Folders whose TypeScript runs as compiled JavaScript from dist/ (tests run from source through tsx). */
export const SOURCE_DIRS = ['cli', 'core', 'activities', 'workers', 'workflows', 'infra', 'bench'];

/** Folders under the source dirs that hold no code. */
const SKIP_DIRS = new Set(['results', 'backends', 'node_modules']);

/** Every file below `dir` whose name `wanted` accepts, not descending into folders `skip` names. */
function walk(dir, out, wanted, skip = new Set()) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skip.has(entry.name)) walk(full, out, wanted, skip);
    } else if (wanted(entry.name)) out.push(full);
  }
}

const isSource = (name) => name.endsWith('.ts') && !name.endsWith('.d.ts');
const isCompiled = (name) => name.endsWith('.js');

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
};

/**
 * Sources whose compiled file is missing or older (changed), and compiled files whose source is gone
 * (orphans: an import of a deleted module must fail, not load yesterday's copy).
 */
export function buildState(root) {
  const dist = path.join(root, 'dist');
  const sources = [];
  for (const dir of SOURCE_DIRS) walk(path.join(root, dir), sources, isSource, SKIP_DIRS);
  const expected = new Set();
  const changed = [];
  for (const source of sources) {
    const out = path.join(dist, path.relative(root, source).replace(/\.ts$/, '.js'));
    expected.add(out);
    if (mtime(out) < mtime(source)) changed.push({ source, out });
  }
  const orphans = [];
  for (const dir of SOURCE_DIRS) {
    const outs = [];
    walk(path.join(dist, dir), outs, isCompiled);
    for (const out of outs) if (!expected.has(out)) orphans.push(out);
  }
  return { sources, changed, orphans };
}
