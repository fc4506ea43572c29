// The browser test drives Debian's `chromium` through playwright-core (no bundled browser download).
// ensureChromium() finds it, or installs it with apt-get when the test runs as root; otherwise it
// says exactly what to install.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where Debian's chromium package puts its launcher. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const INSTALL_HINT =
  'install Debian\'s chromium as root: "apt-get update && apt-get install -y --no-install-recommends chromium", ' +
  `so that ${CHROMIUM_PATH} exists`;

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * The path of a Chromium that playwright-core can launch: /usr/bin/chromium when present, else installs the
 * `chromium` package with apt-get (as root, non-interactive) and returns its path. Throws a one-line error naming
 * the package when it cannot.
 */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (!isRoot()) throw new Error(`${CHROMIUM_PATH} is missing and this process is not root; ${INSTALL_HINT}`);
  if (!existsSync('/usr/bin/apt-get'))
    throw new Error(`${CHROMIUM_PATH} is missing and apt-get is not available; ${INSTALL_HINT} (or its equivalent)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args: string[]) =>
    execFileSync('apt-get', args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 15 * 60_000 });
  try {
    run(['update']);
    run(['install', '-y', '--no-install-recommends', 'chromium']);
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-3).join(' | ') ?? '';
    throw new Error(`apt-get could not install chromium (${stderr || (err as Error).message}); ${INSTALL_HINT}`);
  }
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} does not exist; ${INSTALL_HINT}`);
  return CHROMIUM_PATH;
}
