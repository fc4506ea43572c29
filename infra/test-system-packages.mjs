// System packages the test suite needs beyond Node and the pinned tools: Debian's `chromium`, which the dashboard's
// browser test drives through playwright-core (no browser download of its own). Run by the bootstrap of `npm test`
// only, before the suite starts, so no test installs anything: as root with apt-get it installs what is missing;
// otherwise it says what to install, and the browser test fails with the same message.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_HINT = `install Debian's chromium as root ("apt-get update && apt-get install -y --no-install-recommends chromium") so that ${CHROMIUM_PATH} exists`;

/** Returns an error message, or undefined when Chromium is (now) installed. */
export function ensureTestSystemPackages() {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) return `${CHROMIUM_PATH} is missing; ${CHROMIUM_HINT}`;
  console.log('bootstrap: installing chromium with apt-get (for the dashboard browser test)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', 'chromium'],
  ]) {
    const result = spawnSync('apt-get', args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status !== 0) return `apt-get ${args[0]} failed (exit ${result.status}); ${CHROMIUM_HINT}`;
  }
  return existsSync(CHROMIUM_PATH)
    ? undefined
    : `apt-get installed chromium but ${CHROMIUM_PATH} is missing; ${CHROMIUM_HINT}`;
}
