// The browser test drives Debian's `chromium` through playwright-core (no bundled browser download). `npm test`'s
// bootstrap installs it before the suite (infra/test-system-packages.mjs); a test never installs anything. When it is
// missing, the test fails at once with what to install.
import { existsSync } from 'node:fs';
import { CHROMIUM_HINT, CHROMIUM_PATH } from '../../infra/test-system-packages.mjs';

/** The path of the Chromium that playwright-core launches; throws a one-line error naming the package when missing. */
export function ensureChromium(): string {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing; ${CHROMIUM_HINT}`);
  return CHROMIUM_PATH;
}
