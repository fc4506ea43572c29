// Backend choice for tfjs: WASM by default (fast and deterministic on one thread), the pure-JS CPU
// backend as fallback, and tfjs-node / tfjs-node-gpu only when installed (loaded by a guarded
// dynamic import, never a static dependency). backendInfo() feeds the lineage record.
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

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

const TFJS_NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/** Loads tfjs-node(-gpu) if installed, which registers the 'tensorflow' backend. Returns the package name or undefined. */
async function tryLoadTfjsNode(): Promise<string | undefined> {
  for (const name of TFJS_NODE_PACKAGES) {
    try {
      // A variable specifier keeps TypeScript and bundlers from resolving the optional package.
      const specifier: string = name;
      await import(specifier);
      if (tf.findBackendFactory('tensorflow') !== null) return name;
    } catch {
      // not installed (or failed to load its native binding): try the next one
    }
  }
  return undefined;
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
    const loaded = await tryLoadTfjsNode();
    if (loaded !== undefined) {
      const failure = await trySetBackend('tensorflow');
      if (failure === undefined) return backendInfo();
      if (preference === 'tensorflow')
        throw new Error(`initBackend: ${loaded} is installed but failed to start: ${failure}`);
      fallbackReason = `tensorflow backend failed (${failure})`;
    } else if (preference === 'tensorflow') {
      throw new Error(
        "initBackend('tensorflow'): neither @tensorflow/tfjs-node nor @tensorflow/tfjs-node-gpu is installed. " +
          "Install one of them (same version as @tensorflow/tfjs) or use 'wasm' / 'cpu'.",
      );
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
  };
  if (fallbackReason !== undefined) info.fallbackReason = fallbackReason;
  return info;
}
