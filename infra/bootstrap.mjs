// First step of `npm test`, `npm run demo` and `npm run bench` on any machine: installs what is
// missing, with nothing but Node itself. npm packages come from the committed lockfile (`npm ci`),
// re-installed only when package-lock.json changes; then the build (infra/build.mjs) and the pinned tool
// binaries (infra/setup.ts).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(
    `fairshrink needs Node.js 20.19 or newer; this is ${process.versions.node}. Install Node 20 LTS or later.`,
  );
  process.exit(1);
}

const lockHash = createHash('sha256')
  .update(readFileSync(path.join(root, 'package-lock.json')))
  .digest('hex');
const stampFile = path.join(root, 'node_modules', '.fairshrink-lock-sha256');
const installed = existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === lockHash;
if (!installed) {
  console.log('bootstrap: installing npm packages from package-lock.json (npm ci)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('bootstrap: `npm ci` failed (see above). Check network access to the npm registry and run again.');
    process.exit(result.status ?? 1);
  }
  writeFileSync(stampFile, `${lockHash}\n`);
}

// Compile to dist/ what changed since the last build (nothing: a few ms), so commands start as JavaScript.
const build = spawnSync(process.execPath, [path.join(root, 'infra', 'build.mjs')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.error('bootstrap: the build failed (see above). Fix the file it names and run again.');
  process.exit(build.status ?? 1);
}

const setup = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'infra', 'setup.ts')], {
  cwd: root,
  stdio: 'inherit',
});
if (setup.status !== 0) process.exit(setup.status ?? 1);

// `npm test` only: the system packages its tests need, installed before the suite rather than by a test.
if (process.argv.includes('--test')) {
  const { ensureTestSystemPackages } = await import('./test-system-packages.mjs');
  const problem = ensureTestSystemPackages();
  if (problem) console.warn(`bootstrap: ${problem} (the dashboard browser test will fail until then)`);
}
