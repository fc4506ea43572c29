// Where the project keeps its git-ignored local state: pinned tools, server data, logs.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** FAIRSHRINK_HOME overrides the default `<project>/.fairshrink`. */
export function fairshrinkHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.FAIRSHRINK_HOME ?? path.join(projectRoot, '.fairshrink'));
}

export const toolsDir = (home = fairshrinkHome()) => path.join(home, 'tools');
export const stateDir = (home = fairshrinkHome()) => path.join(home, 'state');
export const logsDir = (home = fairshrinkHome()) => path.join(home, 'logs');
