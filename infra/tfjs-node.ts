// `fairshrink setup --backend tensorflow|tensorflow-gpu`: builds tfjs-node against the TensorFlow C library taken out
// of a pinned PyPI wheel, because tfjs-node's own install script downloads libtensorflow and a prebuilt addon from a
// host these machines cannot reach. Everything lands in .fairshrink/tools/<backend dir>, never in the project's
// node_modules, so `npm ci` neither re-runs that script nor removes the build. The tfjs packages in the backend dir
// are symlinks to the project's own, so tfjs-node registers 'tensorflow' on the tfjs-core instance the project uses.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { fairshrinkHome, projectRoot, toolsDir } from './paths.ts';

export const TENSORFLOW_BACKENDS = ['tensorflow', 'tensorflow-gpu'] as const;
export type TensorflowBackend = (typeof TENSORFLOW_BACKENDS)[number];

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const PinnedWheel = z.object({
  pypi: z.string(),
  version: z.string(),
  wheel: z.string(),
  wheelSha256: Sha256,
});
const BackendPlatform = z.object({
  /** pip's --python-version / --platform, so the wheel does not depend on the local Python's version. */
  pythonVersion: z.string(),
  pipPlatform: z.string(),
  tensorflow: PinnedWheel,
  /** Members to extract with their sha256 (null: checked only against the pinned wheel's own RECORD). */
  files: z.record(z.string(), Sha256.nullable()),
  /** Member prefixes extracted whole (checked against the wheel's RECORD). */
  prefixes: z.array(z.string()).default([]),
  /** Extra of the tensorflow wheel whose requirements are fetched too (the nvidia-*-cu12 wheels for 'and-cuda'). */
  extra: z.string().optional(),
  /** Member prefixes taken out of each extra wheel. */
  extraPrefixes: z.array(z.string()).default([]),
});
const BackendSpec = z.object({
  description: z.string(),
  npmPackage: z.enum(['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']),
  npmVersion: z.string(),
  npmIntegrity: z.string().startsWith('sha512-'),
  tensorflowVersion: z.string(),
  needsNvidiaDriver: z.boolean(),
  platforms: z.record(z.string(), BackendPlatform),
});
export type BackendSpec = z.infer<typeof BackendSpec>;
const BackendManifest = z.object({
  backends: z.object({ tensorflow: BackendSpec, 'tensorflow-gpu': BackendSpec }),
});

export function loadBackendManifest(
  file = path.join(projectRoot, 'infra', 'tools.json'),
): Record<TensorflowBackend, BackendSpec> {
  return BackendManifest.parse(JSON.parse(readFileSync(file, 'utf8'))).backends;
}

/** A missing prerequisite (exit 2: the user installs something) or a failed step (exit 1). */
export class BackendSetupError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

/** Where a backend's build lives: versioned, so a new pin builds beside the old one instead of over it. */
export function backendLocation(backend: TensorflowBackend, spec: BackendSpec, home = fairshrinkHome()) {
  const dir = path.join(toolsDir(home), `${backend}-tfjs-node-${spec.npmVersion}-tf-${spec.tensorflowVersion}`);
  return {
    dir,
    packageDir: path.join(dir, 'node_modules', ...spec.npmPackage.split('/')),
    stampFile: path.join(dir, 'fairshrink-stamp.json'),
  };
}

export interface InstalledBackend {
  backend: TensorflowBackend;
  npmPackage: string;
  tensorflowVersion: string;
  dir: string;
  packageDir: string;
}

/**
 * The build of a backend under `home`, or undefined when there is none. This is what core/model/backend.ts loads
 * tfjs-node from. A build only appears here whole: setup builds in a staging dir and renames it into place.
 */
export function installedBackend(backend: TensorflowBackend, home = fairshrinkHome()): InstalledBackend | undefined {
  const spec = loadBackendManifest()[backend];
  const where = backendLocation(backend, spec, home);
  if (!existsSync(where.packageDir)) return undefined;
  return {
    backend,
    npmPackage: spec.npmPackage,
    tensorflowVersion: spec.tensorflowVersion,
    dir: where.dir,
    packageDir: where.packageDir,
  };
}

interface Stamp {
  specSha256: string;
  files: Record<string, { size: number; mtimeMs: number }>;
}

const specFingerprint = (spec: BackendSpec) => createHash('sha256').update(JSON.stringify(spec)).digest('hex');

function stampHolds(stampFile: string, spec: BackendSpec): boolean {
  try {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as Stamp;
    if (stamp.specSha256 !== specFingerprint(spec)) return false;
    return Object.entries(stamp.files).every(([file, seen]) => {
      const stat = statSync(file);
      return stat.size === seen.size && stat.mtimeMs === seen.mtimeMs;
    });
  } catch {
    return false;
  }
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
}

function failure(what: string, result: SpawnSyncReturns<string>): BackendSetupError {
  const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-25).join('\n');
  return new BackendSetupError(`${what} failed (exit ${String(result.status)}):\n${output || String(result.error)}`);
}

// ---- prerequisites ------------------------------------------------------------------------------------------------

export function requirePip(env: NodeJS.ProcessEnv = process.env): string {
  for (const candidate of ['python3', 'python']) {
    if (run(candidate, ['-m', 'pip', '--version'], { env }).status === 0) return candidate;
  }
  throw new BackendSetupError(
    'python3 with pip is needed to download the TensorFlow wheel from PyPI (and by node-gyp). ' +
      'Install it (Debian/Ubuntu: `apt-get install python3 python3-pip`) and run again.',
    2,
  );
}

export function requireToolchain(env: NodeJS.ProcessEnv = process.env): void {
  const missing = ['g++', 'make'].filter((tool) => run(tool, ['--version'], { env }).status !== 0);
  if (missing.length > 0) {
    throw new BackendSetupError(
      `${missing.join(' and ')} not found: a C++ toolchain is needed to build the tfjs-node addon. ` +
        'Install it (Debian/Ubuntu: `apt-get install build-essential`, which brings g++ and make) and run again.',
      2,
    );
  }
}

/**
 * A directory with include/node/node_api.h for this Node's major version; node-gyp would otherwise download the
 * headers. npm_config_nodedir wins, then the prefix of the running node, then /usr/local and /usr.
 */
export function findNodeHeaders(
  env: NodeJS.ProcessEnv = process.env,
  candidates = [env.npm_config_nodedir, path.resolve(process.execPath, '..', '..'), '/usr/local', '/usr'],
): string {
  const major = process.versions.node.split('.')[0];
  for (const dir of candidates) {
    if (dir === undefined || dir === '') continue;
    const versionHeader = path.join(dir, 'include', 'node', 'node_version.h');
    if (!existsSync(path.join(dir, 'include', 'node', 'node_api.h')) || !existsSync(versionHeader)) continue;
    const found = /#define NODE_MAJOR_VERSION (\d+)/.exec(readFileSync(versionHeader, 'utf8'))?.[1];
    if (found === major) return dir;
  }
  throw new BackendSetupError(
    `Node.js ${process.versions.node} headers not found (looked for include/node/node_api.h of Node ${major} under ` +
      `${candidates.filter(Boolean).join(', ')}). Install them (Debian/Ubuntu: \`apt-get install libnode-dev\` for ` +
      "Debian's nodejs; NodeSource's nodejs package already ships /usr/include/node), or set npm_config_nodedir " +
      'to a directory holding include/node, and run again.',
    2,
  );
}

/** The NVIDIA user-space driver (libcuda.so.1) is the one part no wheel provides. */
export function nvidiaDriverPresent(): boolean {
  const ldconfig = run('sh', ['-c', 'ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null']);
  if (ldconfig.stdout?.includes('libcuda.so.1')) return true;
  const libDirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/nvidia/lib64'];
  if (libDirs.some((dir) => existsSync(path.join(dir, 'libcuda.so.1')))) return true;
  return run('nvidia-smi', ['-L']).status === 0;
}

// ---- the steps ----------------------------------------------------------------------------------------------------

function pipDownload(python: string, platform: z.infer<typeof BackendPlatform>, requirement: string, into: string) {
  const result = run(python, [
    '-m',
    'pip',
    'download',
    '--no-deps',
    '--only-binary=:all:',
    '--python-version',
    platform.pythonVersion,
    '--platform',
    platform.pipPlatform,
    '--disable-pip-version-check',
    '--progress-bar',
    'off',
    '-q',
    '-d',
    into,
    requirement,
  ]);
  if (result.status !== 0) throw failure(`pip download ${requirement}`, result);
}

function sha256Of(file: string): string {
  const result = run('sha256sum', [file]);
  if (result.status === 0) return result.stdout.split(' ')[0]!;
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Where a wheel member goes inside the tfjs-node package: libraries in deps/lib, headers in deps/include, CUDA beside. */
export function memberDestination(member: string): string {
  if (member.startsWith('tensorflow/include/')) return `deps/include/${member.slice('tensorflow/include/'.length)}`;
  if (member.startsWith('nvidia/')) return `deps/${member}`;
  if (member.startsWith('tensorflow/') && !member.slice('tensorflow/'.length).includes('/')) {
    return `deps/lib/${member.slice('tensorflow/'.length)}`;
  }
  throw new BackendSetupError(`infra/tools.json: no place in tfjs-node for wheel member ${member}`);
}

function extractWheel(
  python: string,
  wheel: string,
  dest: string,
  files: Record<string, string | null>,
  prefixes: string[],
): Record<string, string> {
  const plan = {
    files: Object.fromEntries(Object.keys(files).map((m) => [m, memberDestination(m)])),
    prefixes: Object.fromEntries(prefixes.map((p) => [p, memberDestination(p)])),
  };
  const script = path.join(projectRoot, 'infra', 'backends', 'extract-wheel.py');
  const result = run(python, [script, wheel, dest, JSON.stringify(plan)]);
  if (result.status !== 0) throw failure(`extracting ${path.basename(wheel)}`, result);
  const digests = JSON.parse(result.stdout) as Record<string, string>;
  for (const [member, pinned] of Object.entries(files)) {
    if (pinned !== null && digests[member] !== pinned) {
      throw new BackendSetupError(
        `${path.basename(wheel)}: ${member} has sha256 ${String(digests[member])}, not the pinned ${pinned}`,
      );
    }
  }
  return digests;
}

/** Requirements of `extra` in a wheel's METADATA (e.g. `nvidia-cublas-cu12==12.5.3.2`), exact pins only. */
function extraRequirements(python: string, wheel: string, extra: string): string[] {
  const script =
    'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\n' +
    'print(z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode())';
  const result = run(python, ['-c', script, wheel]);
  if (result.status !== 0) throw failure(`reading ${path.basename(wheel)} METADATA`, result);
  const requirements: string[] = [];
  for (const line of result.stdout.split('\n')) {
    const match =
      /^Requires-Dist: ([A-Za-z0-9_.-]+)\s*(?:\[[^\]]*\])?\s*\(?==\s*([^;)\s]+)\)?\s*;.*extra == "([^"]+)"/.exec(line);
    if (match && match[3] === extra) requirements.push(`${match[1]}==${match[2]}`);
  }
  if (requirements.length === 0) throw new BackendSetupError(`${path.basename(wheel)} names no [${extra}] packages`);
  return requirements;
}

/** npm ci from the committed lock (infra/backends/<backend>), install scripts off: nothing is downloaded by them. */
function installNpmPackages(backend: TensorflowBackend, spec: BackendSpec, dir: string): void {
  const source = path.join(projectRoot, 'infra', 'backends', backend);
  const lock = JSON.parse(readFileSync(path.join(source, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; integrity?: string }>;
  };
  const locked = lock.packages[`node_modules/${spec.npmPackage}`];
  if (locked?.version !== spec.npmVersion || locked.integrity !== spec.npmIntegrity) {
    throw new BackendSetupError(
      `infra/backends/${backend}/package-lock.json pins ${spec.npmPackage}@${String(locked?.version)} ` +
        `(${String(locked?.integrity)}), but infra/tools.json pins ${spec.npmVersion} (${spec.npmIntegrity}); ` +
        'regenerate the lock or fix the pin',
    );
  }
  mkdirSync(dir, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(path.join(source, file), path.join(dir, file));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = run(npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
  if (result.status !== 0) throw failure(`npm ci --ignore-scripts in ${dir}`, result);
}

/**
 * Replaces the backend dir's copies of the tfjs packages with links to the project's, so that tfjs-node's
 * `require('@tensorflow/tfjs-core')` resolves (through the link's real path) to the very module the project
 * imports: a second tfjs-core would get the 'tensorflow' backend registered on it and nobody would use it.
 */
function shareProjectTfjs(spec: BackendSpec, dir: string): void {
  const scope = path.join(dir, 'node_modules', '@tensorflow');
  const projectRequire = createRequire(path.join(projectRoot, 'package.json'));
  const own = spec.npmPackage.split('/')[1];
  for (const name of readdirSync(scope)) {
    if (name === own) continue;
    const copy = path.join(scope, name);
    const wanted = (JSON.parse(readFileSync(path.join(copy, 'package.json'), 'utf8')) as { version: string }).version;
    // Resolved as the project resolves it: in an installed fairshrink the tfjs packages may be hoisted above it.
    let project = path.join(projectRoot, 'node_modules', '@tensorflow', name);
    let have: string | undefined;
    try {
      const manifest = projectRequire.resolve(`@tensorflow/${name}/package.json`);
      project = path.dirname(manifest);
      have = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
    } catch {
      have = undefined;
    }
    if (have !== wanted) {
      throw new BackendSetupError(
        `${spec.npmPackage}@${spec.npmVersion} needs @tensorflow/${name}@${wanted}; the project has ` +
          `${have ?? 'none'} in node_modules. Run \`npm ci\` first, or pin matching versions in package.json.`,
        2,
      );
    }
    rmSync(copy, { recursive: true, force: true });
    symlinkSync(project, copy, 'dir');
  }
}

/** tfjs-node links -ltensorflow and -ltensorflow_framework; the wheel names the C API library libtensorflow_cc. */
function linkLibraryNames(packageDir: string): void {
  const lib = path.join(packageDir, 'deps', 'lib');
  const links: [string, string][] = [
    ['libtensorflow.so', 'libtensorflow_cc.so.2'],
    ['libtensorflow.so.2', 'libtensorflow_cc.so.2'],
    // The name tfjs-node's install script checks for (deps-constants.js: LIBTENSORFLOW_VERSION).
    ['libtensorflow.so.2.9.1', 'libtensorflow_cc.so.2'],
    ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
  ];
  for (const [name, target] of links) {
    const link = path.join(lib, name);
    if (existsSync(link) || isLink(link)) rmSync(link);
    symlinkSync(target, link);
  }
}

function isLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The addon path node-pre-gyp's find() will load at runtime, so the build writes exactly there. */
function bindingPath(packageDir: string): string {
  const requireHere = createRequire(path.join(packageDir, 'package.json'));
  const preGyp = requireHere('@mapbox/node-pre-gyp') as { find: (packageJson: string) => string };
  return preGyp.find(path.join(packageDir, 'package.json'));
}

function buildAddon(dir: string, packageDir: string, nodeDir: string, log: (line: string) => void): string {
  const binding = bindingPath(packageDir);
  const napiVersion = /napi-v(\d+)/.exec(binding)?.[1];
  if (napiVersion === undefined) throw new BackendSetupError(`unexpected tfjs-node addon path ${binding}`);
  // With custom-binary.json present, tfjs-node's own install script (if anyone re-runs it) builds from source
  // against deps/ instead of downloading libtensorflow and a prebuilt addon.
  writeFileSync(
    path.join(packageDir, 'scripts', 'custom-binary.json'),
    `${JSON.stringify({ 'tf-lib': 'file:deps/lib (extracted from a pinned PyPI wheel by fairshrink setup)' }, null, 2)}\n`,
  );
  log(`building the ${path.basename(packageDir)} addon with node-gyp (Node headers from ${nodeDir})`);
  const nodeGyp = path.join(dir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const result = run(
    process.execPath,
    [
      nodeGyp,
      'rebuild',
      `--nodedir=${nodeDir}`,
      `--jobs=${Math.max(1, os.availableParallelism())}`,
      // The variables binding.gyp reads, as node-pre-gyp would pass them.
      '--module_name=tfjs_binding',
      `--module_path=${path.dirname(binding)}`,
      `--napi_build_version=${napiVersion}`,
    ],
    { cwd: packageDir, env: { ...process.env, npm_config_nodedir: nodeDir } },
  );
  if (result.status !== 0 || !existsSync(binding)) throw failure('node-gyp rebuild of tfjs-node', result);
  return binding;
}

export interface SmokeResult {
  backend: string;
  tensorflowVersion: string;
  device: string;
  product: number[];
}

/**
 * Loads the build through core/model/backend.ts in a fresh process, as a campaign worker will, and multiplies two
 * matrices on it. Asserts the project's own tfjs import reports backend 'tensorflow'.
 */
export function smokeTest(backend: TensorflowBackend, home: string): SmokeResult {
  // A source checkout loads core/model/backend.ts through tsx; an installed package has only dist/.
  const source = path.join(projectRoot, 'core', 'model', 'backend.ts');
  const fromSource = existsSync(source);
  const module = fromSource ? source : path.join(projectRoot, 'dist', 'core', 'model', 'backend.js');
  const script = `
    import * as tf from '@tensorflow/tfjs';
    import { initBackend } from ${JSON.stringify(pathToFileURL(module).href)};
    const info = await initBackend('tensorflow');
    const product = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]]));
    console.log(JSON.stringify({ backend: tf.getBackend(), tensorflowVersion: info.tensorflowVersion,
      device: info.device, product: Array.from(product.dataSync()) }));`;
  const loader = fromSource ? ['--import', 'tsx'] : [];
  const result = run(process.execPath, [...loader, '--input-type=module', '-e', script], {
    cwd: projectRoot,
    env: { ...process.env, FAIRSHRINK_HOME: home, FAIRSHRINK_TENSORFLOW_BUILD: backend },
  });
  if (result.status !== 0) throw failure(`loading the ${backend} backend`, result);
  const parsed = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as SmokeResult;
  if (parsed.backend !== 'tensorflow' || parsed.product.join(',') !== '17,39') {
    throw new BackendSetupError(`smoke test of the ${backend} backend gave ${JSON.stringify(parsed)}`);
  }
  return parsed;
}

export interface SetupOptions {
  log?: (line: string) => void;
  home?: string;
}

/** Sets up a tensorflow backend. Idempotent: when the stamp holds, this is a few stats. */
export async function ensureTensorflowBackend(
  backend: TensorflowBackend,
  options: SetupOptions = {},
): Promise<InstalledBackend & { reused: boolean }> {
  const started = Date.now();
  // Each step's line carries the seconds since setup began, so a slow step shows in the output.
  const log = (line: string) => options.log?.(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);
  const home = options.home ?? fairshrinkHome();
  const spec = loadBackendManifest()[backend];
  const where = backendLocation(backend, spec, home);
  const result = {
    backend,
    npmPackage: spec.npmPackage,
    tensorflowVersion: spec.tensorflowVersion,
    dir: where.dir,
    packageDir: where.packageDir,
  };
  if (stampHolds(where.stampFile, spec)) return { ...result, reused: true };

  const platformKey = `${process.platform}-${process.arch}`;
  const platform = spec.platforms[platformKey];
  if (platform === undefined) {
    throw new BackendSetupError(
      `no ${backend} build is pinned for ${platformKey} in infra/tools.json (pinned: ` +
        `${Object.keys(spec.platforms).join(', ')}); use the wasm backend on this machine`,
      2,
    );
  }
  if (spec.needsNvidiaDriver && !nvidiaDriverPresent()) {
    throw new BackendSetupError(
      `${backend} needs the NVIDIA driver (libcuda.so.1, nvidia-smi), which is not installed on this machine; ` +
        'the CUDA libraries come from PyPI wheels, the driver does not. Install the driver for your GPU ' +
        '(Debian/Ubuntu: `apt-get install nvidia-driver`, or your vendor image), or use `--backend tensorflow`.',
      2,
    );
  }
  const python = requirePip();
  requireToolchain();
  const nodeDir = findNodeHeaders();

  // A fresh dir beside the final one; renamed into place only once the smoke test passed.
  rmSync(`${where.dir}.partial`, { recursive: true, force: true });
  const staging = `${where.dir}.partial`;
  const downloads = mkdtempSync(path.join(os.tmpdir(), `fairshrink-${backend}-`));
  try {
    log(`installing ${spec.npmPackage}@${spec.npmVersion} (install scripts off) into ${staging}`);
    installNpmPackages(backend, spec, staging);
    shareProjectTfjs(spec, staging);
    const packageDir = path.join(staging, 'node_modules', ...spec.npmPackage.split('/'));

    const pin = platform.tensorflow;
    log(`downloading ${pin.pypi}==${pin.version} (${pin.wheel}) with pip`);
    pipDownload(python, platform, `${pin.pypi}==${pin.version}`, downloads);
    const wheel = path.join(downloads, pin.wheel);
    if (!existsSync(wheel)) {
      throw new BackendSetupError(`pip did not download ${pin.wheel}; check the wheel name in infra/tools.json`);
    }
    const wheelSha = sha256Of(wheel);
    if (wheelSha !== pin.wheelSha256) {
      throw new BackendSetupError(`${pin.wheel}: sha256 ${wheelSha} does not match the pin ${pin.wheelSha256}`);
    }
    log(`extracting the TensorFlow C library and headers`);
    extractWheel(python, wheel, packageDir, platform.files, platform.prefixes);
    if (platform.extra !== undefined) {
      for (const requirement of extraRequirements(python, wheel, platform.extra)) {
        log(`downloading ${requirement} with pip`);
        const extraDir = mkdtempSync(path.join(downloads, 'extra-'));
        pipDownload(python, platform, requirement, extraDir);
        for (const file of readdirSync(extraDir)) {
          extractWheel(python, path.join(extraDir, file), packageDir, {}, platform.extraPrefixes);
        }
        rmSync(extraDir, { recursive: true, force: true });
      }
    }
    linkLibraryNames(packageDir);
    buildAddon(staging, packageDir, nodeDir, log);

    if (existsSync(where.dir)) {
      // An older build with the same pins (stamp no longer matching, e.g. a file changed): keep it, aside.
      renameSync(where.dir, `${where.dir}.replaced-${Date.now()}`);
    }
    renameSync(staging, where.dir);
    log('smoke test: matMul on the tensorflow backend through the project tfjs');
    let smoke: SmokeResult;
    try {
      smoke = smokeTest(backend, home);
    } catch (err) {
      rmSync(where.dir, { recursive: true, force: true }); // a build that does not load is no good to anyone
      throw err;
    }
    log(`backend ${smoke.backend}, TensorFlow ${smoke.tensorflowVersion}, device ${smoke.device}`);
    const binding = bindingPath(where.packageDir);
    const stamped = [
      binding,
      path.join(where.packageDir, 'deps', 'lib', 'libtensorflow_cc.so.2'),
      path.join(where.packageDir, 'deps', 'lib', 'libtensorflow_framework.so.2'),
    ];
    const stamp: Stamp = {
      specSha256: specFingerprint(spec),
      files: Object.fromEntries(
        stamped.map((file) => {
          const stat = statSync(file);
          return [file, { size: stat.size, mtimeMs: stat.mtimeMs }];
        }),
      ),
    };
    writeFileSync(where.stampFile, `${JSON.stringify(stamp, null, 2)}\n`);
    return { ...result, reused: false };
  } finally {
    rmSync(downloads, { recursive: true, force: true });
    rmSync(staging, { recursive: true, force: true });
  }
}

/** `--backend <name>` as infra/setup.ts and `fairshrink setup` take it; undefined when the flag is absent. */
export function backendFromArgs(argv: readonly string[]): TensorflowBackend | undefined {
  const at = argv.findIndex((arg) => arg === '--backend' || arg.startsWith('--backend='));
  if (at === -1) return undefined;
  const value = argv[at]!.includes('=') ? argv[at]!.slice('--backend='.length) : argv[at + 1];
  if (value === 'wasm' || value === 'cpu') {
    throw new BackendSetupError(`--backend ${value} needs no setup: it ships with the npm packages`, 2);
  }
  if (!TENSORFLOW_BACKENDS.includes(value as TensorflowBackend)) {
    throw new BackendSetupError(
      `--backend: "${String(value)}" is not a backend to set up; use ${TENSORFLOW_BACKENDS.join(' or ')}`,
      2,
    );
  }
  return value as TensorflowBackend;
}

/** Sets up a backend for `fairshrink setup --backend`, logging each step and what it took. */
export async function setupBackend(backend: TensorflowBackend, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  const installed = await ensureTensorflowBackend(backend, { log });
  const took = ((Date.now() - started) / 1000).toFixed(1);
  log(
    `backend ${backend}: ${installed.npmPackage} with TensorFlow ${installed.tensorflowVersion} ` +
      `${installed.reused ? 'already set up' : `set up in ${took} s`} (${installed.dir}); ` +
      `select it with FAIRSHRINK_TFJS_BACKEND=tensorflow`,
  );
}
