// Backend choice for tfjs: WASM by default (fast and deterministic on one thread), the pure-JS CPU
// backend as fallback, and tfjs-node / tfjs-node-gpu only when built by `fairshrink setup --backend
// tensorflow[-gpu]` (loaded from .fairshrink/tools, never a static dependency; infra/tfjs-node.ts).
// backendInfo() feeds the lineage record.
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installedBackend, TENSORFLOW_BACKENDS, type TensorflowBackend } from '../../infra/tfjs-node.ts';

export type BackendPreference = 'wasm' | 'cpu' | 'tensorflow' | 'auto';
export type BackendName = 'wasm' | 'cpu' | 'tensorflow';

export interface BackendInfo {
  backend: BackendName;
  /** tfjs version (`tf.version.tfjs`). */
  tfjsVersion: string;
  /** Threads used by the kernels; 1 for cpu and for wasm without SharedArrayBuffer threads; null when unknown (tensorflow). */
  threads: number | null;
  /** Whether the WASM backend runs its SIMD binary; false for other backends. */
  simd: boolean;
  /** TensorFlow C library version under the 'tensorflow' backend (e.g. '2.12.1'). */
  tensorflowVersion?: string;
  /** Device the 'tensorflow' backend runs its kernels on: 'gpu' or 'cpu'. */
  device?: 'cpu' | 'gpu';
  /** Set when the preferred backend could not start and another one was used. */
  fallbackReason?: string;
}

export interface InitBackendOptions {
  /**
   * Directory (ending in `/`) or file map holding the `.wasm` binaries. Not needed in Node: the
   * package's Node build loads them from its own `dist/` folder (via `__dirname`). Set it for bundled apps.
   */
  wasmPaths?:
    | string
    | Partial<
        Record<
          'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm',
          string
        >
      >;
}

let fallbackReason: string | undefined;

/** What tfjs-node exposes beyond the tfjs API: its native binding's TF_Version and GPU probe. */
interface TfjsNodeModule {
  version: Record<string, string>;
}
interface TensorflowBinding {
  TF_Version?: string;
  isUsingGpuDevice?: () => boolean;
}

/**
 * Loads tfjs-node(-gpu) from the build `fairshrink setup --backend ...` left under FAIRSHRINK_HOME, which registers
 * the 'tensorflow' backend on the project's tfjs-core (the build links the project's tfjs packages). The GPU build
 * wins when both exist; FAIRSHRINK_TENSORFLOW_BUILD=tensorflow|tensorflow-gpu picks one. Returns undefined when no
 * build exists, the load error when one exists but does not load.
 */
function tryLoadTfjsNode(): { packageName: string } | { error: string } | undefined {
  // TensorFlow logs every kernel registration and CPU feature at startup unless told not to.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  const forced = process.env.FAIRSHRINK_TENSORFLOW_BUILD;
  const builds: readonly TensorflowBackend[] =
    forced === 'tensorflow' || forced === 'tensorflow-gpu' ? [forced] : [...TENSORFLOW_BACKENDS].reverse();
  for (const build of builds) {
    const installed = installedBackend(build);
    if (installed === undefined) continue;
    try {
      const requireBuild = createRequire(`${installed.dir}/package.json`);
      const tfnode = requireBuild(installed.npmPackage) as TfjsNodeModule;
      if (tf.findBackendFactory('tensorflow') === null) {
        return { error: `${installed.packageDir} loaded but registered no 'tensorflow' backend on the project's tfjs` };
      }
      return { packageName: `${installed.npmPackage}@${tfnode.version['tfjs-node'] ?? '?'}` };
    } catch (err) {
      return { error: `${installed.packageDir} failed to load: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  return undefined;
}

/** TF version and device from the active tensorflow backend's binding (tfjs-node's NodeJSKernelBackend). */
function tensorflowDetails(): Pick<BackendInfo, 'tensorflowVersion' | 'device'> {
  const binding = (tf.backend() as unknown as { binding?: TensorflowBinding }).binding;
  const details: Pick<BackendInfo, 'tensorflowVersion' | 'device'> = {};
  if (typeof binding?.TF_Version === 'string') details.tensorflowVersion = binding.TF_Version;
  if (typeof binding?.isUsingGpuDevice === 'function') details.device = binding.isUsingGpuDevice() ? 'gpu' : 'cpu';
  return details;
}

async function trySetBackend(name: BackendName): Promise<string | undefined> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name ? undefined : `tf.setBackend('${name}') returned false`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Selects and initialises the tfjs backend.
 * - 'wasm' (default): WASM, falling back to 'cpu' if it cannot start (the reason is kept in backendInfo()).
 * - 'cpu': the pure-JS reference backend.
 * - 'tensorflow': tfjs-node-gpu or tfjs-node; throws when neither is installed.
 * - 'auto': 'tensorflow' when installed, otherwise as 'wasm'.
 */
export async function initBackend(
  preference: BackendPreference = 'wasm',
  options: InitBackendOptions = {},
): Promise<BackendInfo> {
  fallbackReason = undefined;
  if (options.wasmPaths !== undefined) setWasmPaths(options.wasmPaths);

  if (preference === 'tensorflow' || preference === 'auto') {
    const loaded = tryLoadTfjsNode();
    if (loaded !== undefined && 'packageName' in loaded) {
      const failure = await trySetBackend('tensorflow');
      if (failure === undefined) return backendInfo();
      if (preference === 'tensorflow')
        throw new Error(`initBackend: ${loaded.packageName} is installed but failed to start: ${failure}`);
      fallbackReason = `tensorflow backend failed (${failure})`;
    } else if (preference === 'tensorflow') {
      throw new Error(
        loaded !== undefined
          ? `initBackend('tensorflow'): ${loaded.error}. Run \`fairshrink setup --backend tensorflow\` again.`
          : "initBackend('tensorflow'): no tensorflow backend is set up. Run `fairshrink setup --backend tensorflow` " +
              "(or tensorflow-gpu), or use 'wasm' / 'cpu'.",
      );
    } else if (loaded !== undefined) {
      fallbackReason = `tensorflow backend not loaded (${loaded.error})`;
    }
  }

  if (preference === 'cpu') {
    const failure = await trySetBackend('cpu');
    if (failure !== undefined) throw new Error(`initBackend('cpu'): ${failure}`);
    return backendInfo();
  }

  const wasmFailure = await trySetBackend('wasm');
  if (wasmFailure === undefined) return backendInfo();
  const cpuFailure = await trySetBackend('cpu');
  if (cpuFailure !== undefined)
    throw new Error(`initBackend: wasm failed (${wasmFailure}) and cpu failed (${cpuFailure})`);
  fallbackReason = [fallbackReason, `wasm failed (${wasmFailure}); using cpu`].filter(Boolean).join('; ');
  return backendInfo();
}

/** The active backend, for lineage. Call after initBackend(). */
export function backendInfo(): BackendInfo {
  const name = tf.getBackend();
  if (name !== 'wasm' && name !== 'cpu' && name !== 'tensorflow') {
    throw new Error(`backendInfo: unsupported active backend '${String(name)}'; call initBackend() first`);
  }
  const info: BackendInfo = {
    backend: name,
    tfjsVersion: tf.version.tfjs,
    threads: name === 'wasm' ? getThreadsCount() : name === 'cpu' ? 1 : null,
    simd: name === 'wasm' && tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    ...(name === 'tensorflow' ? tensorflowDetails() : {}),
  };
  if (fallbackReason !== undefined) info.fallbackReason = fallbackReason;
  return info;
}

export interface BackendSummary {
  backend: string;
  tfjsVersion: string;
  threads: number | null;
  simd: boolean;
  /** TensorFlow C library version, on the 'tensorflow' backend only. */
  tensorflowVersion?: string;
  /** 'cpu' or 'gpu', on the 'tensorflow' backend only. */
  device?: 'cpu' | 'gpu';
}

let backendReady: Promise<BackendInfo> | undefined;

/** initBackend(FAIRSHRINK_TFJS_BACKEND ?? 'wasm') once per process. */
export async function ensureBackend(): Promise<BackendSummary> {
  if (backendReady === undefined) {
    const preference = (process.env.FAIRSHRINK_TFJS_BACKEND ?? 'wasm') as BackendPreference;
    if (!['wasm', 'cpu', 'tensorflow', 'auto'].includes(preference)) {
      throw new Error(`FAIRSHRINK_TFJS_BACKEND="${preference}" is not a backend; use wasm, cpu, tensorflow or auto`);
    }
    backendReady = initBackend(preference);
    backendReady.catch(() => (backendReady = undefined));
  }
  await backendReady;
  return backendSummary();
}

export function backendSummary(): BackendSummary {
  const info = backendInfo();
  return {
    backend: info.backend,
    tfjsVersion: info.tfjsVersion,
    threads: info.threads,
    simd: info.simd,
    ...(info.tensorflowVersion === undefined ? {} : { tensorflowVersion: info.tensorflowVersion }),
    ...(info.device === undefined ? {} : { device: info.device }),
  };
}
