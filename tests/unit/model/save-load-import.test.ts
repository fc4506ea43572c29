import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildMlp,
  importLayersModel,
  initBackend,
  loadModelFromBytes,
  loadModelFromDir,
  predictProba,
  saveModelToBytes,
  saveModelToDir,
} from '../../../core/model/index.ts';
import { syntheticData } from './fixtures.ts';

const data = syntheticData(50, 5, 1);
const mlp = { hidden: [{ units: 8, dropout: 0.5 }, { units: 4 }] };

beforeAll(async () => {
  await initBackend('wasm');
});

describe('save and load in the standard tfjs format', () => {
  it('round-trips through bytes with identical predictions and identical re-saved bytes', async () => {
    const model = buildMlp(mlp, { inputDim: 5, seed: 9 });
    const bytes = await saveModelToBytes(model);
    const json = JSON.parse(new TextDecoder().decode(bytes.modelJson)) as tf.io.ModelJSON;
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0]!.paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0]!.weights.map((w) => w.name)).toEqual([
      'dense_0/kernel',
      'dense_0/bias',
      'dense_1/kernel',
      'dense_1/bias',
      'output/kernel',
      'output/bias',
    ]);
    expect(bytes.weightsBin.byteLength).toBe(4 * (5 * 8 + 8 + 8 * 4 + 4 + 4 + 1));
    const loaded = await loadModelFromBytes(bytes);
    expect(predictProba(loaded, data.x)).toEqual(predictProba(model, data.x));
    const again = await saveModelToBytes(loaded);
    expect(again.modelJson).toEqual(bytes.modelJson);
    expect(again.weightsBin).toEqual(bytes.weightsBin);
  });

  it('round-trips through a directory, and the directory loads with plain tfjs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fairshrink-model-'));
    const model = buildMlp(mlp, { inputDim: 5, seed: 9 });
    await saveModelToDir(model, dir);
    const loaded = await loadModelFromDir(dir);
    expect(predictProba(loaded, data.x)).toEqual(predictProba(model, data.x));
  });
});

describe('importing a user model', () => {
  async function userModel() {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [5], units: 3, activation: 'relu' }),
        tf.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    return saveModelToBytes(model);
  }

  it('accepts a valid LayersModel and checks the input width', async () => {
    const bytes = await userModel();
    const model = await importLayersModel({ modelJson: bytes.modelJson, weights: bytes.weightsBin }, { inputDim: 5 });
    expect(predictProba(model, data.x)).toHaveLength(50);
    await expect(
      importLayersModel({ modelJson: bytes.modelJson, weights: bytes.weightsBin, source: 'user' }, { inputDim: 7 }),
    ).rejects.toThrow(/user: the model expects 5 input features but the data set has 7/);
  });

  it('rejects a file that is not JSON', async () => {
    await expect(
      importLayersModel({ modelJson: new TextEncoder().encode('<html>'), weights: new Uint8Array(), source: 'upload' }),
    ).rejects.toThrow(/upload: model\.json is not valid JSON/);
  });

  it('rejects model.json without a weights manifest', async () => {
    const bytes = await userModel();
    const json = JSON.parse(new TextDecoder().decode(bytes.modelJson)) as Record<string, unknown>;
    delete json.weightsManifest;
    await expect(importLayersModel({ modelJson: JSON.stringify(json), weights: bytes.weightsBin })).rejects.toThrow(
      /no 'weightsManifest' array/,
    );
  });

  it('rejects weights whose size does not match the manifest', async () => {
    const bytes = await userModel();
    await expect(
      importLayersModel({ modelJson: bytes.modelJson, weights: bytes.weightsBin.subarray(4) }),
    ).rejects.toThrow(/totalling 88 bytes but the weight files hold 84 bytes/);
  });

  it('rejects a shape mismatch between manifest and topology', async () => {
    const bytes = await userModel();
    const json = JSON.parse(new TextDecoder().decode(bytes.modelJson)) as tf.io.ModelJSON;
    const weights = json.weightsManifest[0]!.weights;
    // Same byte count, wrong shape: [5, 3] kernel declared as [3, 5].
    weights[0]!.shape = [3, 5];
    await expect(importLayersModel({ modelJson: json, weights: bytes.weightsBin, source: 'user' })).rejects.toThrow(
      /user: tfjs could not build the model .*shape/i,
    );
  });

  it('rejects a graph model and a multi-class model', async () => {
    await expect(
      importLayersModel({
        modelJson: { format: 'graph-model', modelTopology: {}, weightsManifest: [] },
        weights: new Uint8Array(),
      }),
    ).rejects.toThrow(/graph model/);
    const multi = tf.sequential({ layers: [tf.layers.dense({ inputShape: [5], units: 3, activation: 'softmax' })] });
    const bytes = await saveModelToBytes(multi);
    await expect(importLayersModel({ modelJson: bytes.modelJson, weights: bytes.weightsBin })).rejects.toThrow(
      /binary classifier/,
    );
  });
});
