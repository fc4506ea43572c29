// Where the project keeps its git-ignored local state: pinned tools, server data, logs.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const parent = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The checkout (or installed package) root: where package.json is, also when this runs compiled from dist/infra/. */
export const projectRoot = existsSync(path.join(parent, 'package.json')) ? parent : path.dirname(parent);

/** FAIRSHRINK_HOME overrides the default `<project>/.fairshrink`. */
export function fairshrinkHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.FAIRSHRINK_HOME ?? path.join(projectRoot, '.fairshrink'));
}

export const toolsDir = (home = fairshrinkHome()) => path.join(home, 'tools');
export const stateDir = (home = fairshrinkHome()) => path.join(home, 'state');
export const logsDir = (home = fairshrinkHome()) => path.join(home, 'logs');
