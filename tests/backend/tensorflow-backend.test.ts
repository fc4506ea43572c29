// The native TensorFlow backend as `fairshrink setup --backend tensorflow` builds it: it registers on the project's
// own tfjs (not a second tfjs-core inside tfjs-node), reports TF version and device for lineage, trains
// byte-identically for the same seed, and a second setup is a stamp check.
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBackend } from '../../core/model/backend.ts';
import { buildMlp, initBackend, saveModelToBytes, trainModel } from '../../core/model/index.ts';
import { ensureTensorflowBackend, loadBackendManifest } from '../../infra/tfjs-node.ts';
import { firstDifference, syntheticData } from '../unit/model/fixtures.ts';

const tensorflowVersion = loadBackendManifest().tensorflow.tensorflowVersion;

describe('tensorflow backend', () => {
  beforeAll(async () => {
    await initBackend('tensorflow');
  });

  it('runs on the project tfjs instance, with TF version and device for lineage', async () => {
    expect(tf.getBackend()).toBe('tensorflow');
    const product = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync());
    expect(Array.from(product)).toEqual([11]);
    const summary = await ensureBackend();
    expect(summary).toMatchObject({ backend: 'tensorflow', tensorflowVersion, device: 'cpu', simd: false });
    expect(summary.tfjsVersion).toBe(tf.version.tfjs);
  });

  it('trains byte-identical weights for the same config and seed', async () => {
    const train = syntheticData(2_000, 12, 1);
    const validation = syntheticData(400, 12, 2);
    const spec = { epochs: 3, batchSize: 64, learningRate: 0.01, patience: 0 };
    const trainOnce = async (seed: number) => {
      const model = buildMlp({ hidden: [{ units: 32, dropout: 0.2 }, { units: 16 }] }, { inputDim: 12, seed });
      const result = await trainModel(model, train, { seed, spec, validation });
      const bytes = await saveModelToBytes(model);
      model.dispose();
      return { bytes, history: result.history, sha: createHash('sha256').update(bytes.weightsBin).digest('hex') };
    };
    const a = await trainOnce(7);
    const b = await trainOnce(7);
    expect(firstDifference(a.bytes.weightsBin, b.bytes.weightsBin)).toBe(-1);
    expect(b.sha).toBe(a.sha);
    expect(b.history).toEqual(a.history);
    expect((await trainOnce(8)).sha).not.toBe(a.sha);
  });

  it('a second setup reuses the build (stamp check, no download or compile)', async () => {
    const installed = await ensureTensorflowBackend('tensorflow');
    expect(installed).toMatchObject({ reused: true, tensorflowVersion, npmPackage: '@tensorflow/tfjs-node' });
  });
});
