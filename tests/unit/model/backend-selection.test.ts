import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  describe('with no tensorflow backend set up (an empty FAIRSHRINK_HOME)', () => {
    // The project's own .fairshrink may hold a tfjs-node build (`fairshrink setup --backend tensorflow`).
    const previousHome = process.env.FAIRSHRINK_HOME;
    const emptyHome = mkdtempSync(path.join(os.tmpdir(), 'fairshrink-no-backend-'));
    beforeAll(() => {
      process.env.FAIRSHRINK_HOME = emptyHome;
    });
    afterAll(() => {
      if (previousHome === undefined) delete process.env.FAIRSHRINK_HOME;
      else process.env.FAIRSHRINK_HOME = previousHome;
      rmSync(emptyHome, { recursive: true, force: true });
    });

    it("'auto' picks WASM", async () => {
      const info = await initBackend('auto');
      expect(info.backend).toBe('wasm');
      expect(info.tensorflowVersion).toBeUndefined();
    });

    it("'tensorflow' fails with a message naming the setup command", async () => {
      await expect(initBackend('tensorflow')).rejects.toThrow(
        /no tensorflow backend is set up\. Run `fairshrink setup --backend tensorflow`.*'wasm' \/ 'cpu'/s,
      );
    });
  });
});
