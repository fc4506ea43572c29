import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { backendInfo, initBackend } from '../../../core/model/index.ts';

describe('backend selection', () => {
  it('uses WASM by default and reports version, threads and SIMD for lineage', async () => {
    const info = await initBackend();
    expect(info.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.tfjsVersion).toBe(tf.version.tfjs);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(typeof info.simd).toBe('boolean');
    expect(info.fallbackReason).toBeUndefined();
  });

  it('switches to the pure-JS cpu backend on request', async () => {
    const info = await initBackend('cpu');
    expect(info).toMatchObject({ backend: 'cpu', threads: 1, simd: false });
    expect(backendInfo().backend).toBe('cpu');
  });

  it("'auto' without tfjs-node installed picks WASM", async () => {
    const info = await initBackend('auto');
    expect(info.backend).toBe('wasm');
  });

  it("'tensorflow' without tfjs-node installed fails with an actionable message", async () => {
    await expect(initBackend('tensorflow')).rejects.toThrow(
      /neither @tensorflow\/tfjs-node .* is installed.*'wasm' \/ 'cpu'/s,
    );
  });
});
