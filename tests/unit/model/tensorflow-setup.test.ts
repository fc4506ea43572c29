// What `fairshrink setup --backend ...` checks before it downloads or builds anything: each missing prerequisite is
// an exit-2 error naming the Debian package, and tensorflow-gpu refuses on a machine without the NVIDIA driver.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  backendFromArgs,
  BackendSetupError,
  ensureTensorflowBackend,
  findNodeHeaders,
  loadBackendManifest,
  memberDestination,
  nvidiaDriverPresent,
  requirePip,
  requireToolchain,
} from '../../../infra/tfjs-node.ts';

const emptyDir = mkdtempSync(path.join(os.tmpdir(), 'fairshrink-setup-test-'));
afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

function thrown(fn: () => unknown): BackendSetupError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BackendSetupError) return err;
    throw err;
  }
  throw new Error('expected a BackendSetupError');
}

describe('tensorflow backend setup: prerequisites', () => {
  // A PATH with nothing on it stands for a machine without the tool.
  const bare = { ...process.env, PATH: emptyDir };

  it('names python3-pip when pip is missing', () => {
    const err = thrown(() => requirePip(bare));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/apt-get install python3 python3-pip/);
  });

  it('names build-essential when g++ or make is missing', () => {
    const err = thrown(() => requireToolchain(bare));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/g\+\+ and make not found.*apt-get install build-essential/s);
  });

  it('names libnode-dev when the Node headers are missing', () => {
    const err = thrown(() => findNodeHeaders({}, [emptyDir]));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`Node.js ${process.versions.node} headers not found`);
    expect(err.message).toMatch(/apt-get install libnode-dev.*npm_config_nodedir/s);
  });

  it('takes only the backends that need setup', () => {
    expect(backendFromArgs(['--backend', 'tensorflow'])).toBe('tensorflow');
    expect(backendFromArgs(['--backend=tensorflow-gpu'])).toBe('tensorflow-gpu');
    expect(backendFromArgs([])).toBeUndefined();
    expect(thrown(() => backendFromArgs(['--backend', 'cuda'])).message).toMatch(/"cuda" is not a backend/);
    expect(thrown(() => backendFromArgs(['--backend', 'wasm'])).message).toMatch(/needs no setup/);
  });
});

describe('tensorflow backend setup: pins and layout', () => {
  it('pins every wheel by sha256 and every CPU library and header by its own sha256', () => {
    const manifest = loadBackendManifest();
    const cpu = manifest.tensorflow.platforms['linux-x64']!;
    expect(cpu.tensorflow).toMatchObject({ pypi: 'tensorflow-cpu', version: '2.12.1' });
    expect(Object.keys(cpu.files)).toContain('tensorflow/libtensorflow_cc.so.2');
    for (const sha of Object.values(cpu.files)) expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest['tensorflow-gpu'].needsNvidiaDriver).toBe(true);
  });

  it('puts libraries in deps/lib, headers in deps/include and CUDA where libtensorflow looks ($ORIGIN/../nvidia)', () => {
    expect(memberDestination('tensorflow/libtensorflow_cc.so.2')).toBe('deps/lib/libtensorflow_cc.so.2');
    expect(memberDestination('tensorflow/include/tensorflow/c/c_api.h')).toBe('deps/include/tensorflow/c/c_api.h');
    expect(memberDestination('nvidia/cublas/lib/libcublas.so.12')).toBe('deps/nvidia/cublas/lib/libcublas.so.12');
    expect(() => memberDestination('tensorflow/python/ops/array_ops.py')).toThrow(BackendSetupError);
  });
});

describe('tensorflow-gpu setup', () => {
  // On a machine with a driver this would start the real multi-GB setup; bench/gpu-check.sh covers that case.
  it.skipIf(nvidiaDriverPresent())('refuses without the NVIDIA driver, before downloading anything', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'fairshrink-gpu-home-'));
    try {
      const refusal = ensureTensorflowBackend('tensorflow-gpu', { home });
      await expect(refusal).rejects.toThrow(/needs the NVIDIA driver \(libcuda\.so\.1, nvidia-smi\)/);
      await expect(refusal).rejects.toMatchObject({ exitCode: 2 });
      expect(() => rmSync(path.join(home, 'tools'))).toThrow(/ENOENT/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
