import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildMlp, initBackend, saveModelToBytes, trainModel, type BackendName } from '../../../core/model/index.ts';
import { firstDifference, syntheticData } from './fixtures.ts';

const train = syntheticData(600, 8, 1);
const validation = syntheticData(200, 8, 2);
const mlp = {
  hidden: [
    { units: 16, dropout: 0.2 },
    { units: 8, activation: 'tanh' as const },
  ],
};
const trainSpec = { epochs: 3, batchSize: 64, learningRate: 0.01, patience: 0 };

async function trainOnce(backend: BackendName, seed: number) {
  await initBackend(backend);
  const model = buildMlp(mlp, { inputDim: 8, seed });
  const result = await trainModel(model, train, { seed, spec: trainSpec, validation });
  const bytes = await saveModelToBytes(model);
  model.dispose();
  return { bytes, result, sha: createHash('sha256').update(bytes.weightsBin).digest('hex') };
}

describe('training determinism', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`gives byte-identical model.json and weights.bin for the same seed on ${backend}`, async () => {
      const a = await trainOnce(backend, 7);
      const b = await trainOnce(backend, 7);
      expect(a.result.dropoutApplied).toBe(true);
      expect(firstDifference(a.bytes.weightsBin, b.bytes.weightsBin)).toBe(-1);
      expect(firstDifference(a.bytes.modelJson, b.bytes.modelJson)).toBe(-1);
      expect(a.result.history).toEqual(b.result.history);
      const c = await trainOnce(backend, 8);
      expect(c.sha).not.toBe(a.sha);
    });
  }

  it('reports how WASM and CPU training differ (same seed, close but not necessarily bit-equal)', async () => {
    const wasm = await trainOnce('wasm', 7);
    const cpu = await trainOnce('cpu', 7);
    const a = new Float32Array(
      wasm.bytes.weightsBin.buffer,
      wasm.bytes.weightsBin.byteOffset,
      wasm.bytes.weightsBin.byteLength / 4,
    );
    const b = new Float32Array(
      cpu.bytes.weightsBin.buffer,
      cpu.bytes.weightsBin.byteOffset,
      cpu.bytes.weightsBin.byteLength / 4,
    );
    let maxAbs = 0;
    let differing = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i]! - b[i]!);
      if (d > 0) differing++;
      maxAbs = Math.max(maxAbs, d);
    }
    console.info(
      `wasm vs cpu after ${trainSpec.epochs} epochs: ${differing}/${a.length} weights differ, max |diff| = ${maxAbs.toExponential(2)}, ` +
        `sha256 wasm ${wasm.sha.slice(0, 12)} cpu ${cpu.sha.slice(0, 12)}, final valLoss wasm ${wasm.result.history.at(-1)?.valLoss} cpu ${cpu.result.history.at(-1)?.valLoss}`,
    );
    // Same initial weights, shuffles and dropout masks (all drawn in JS); only kernel arithmetic differs.
    expect(wasm.bytes.modelJson).toEqual(cpu.bytes.modelJson);
    expect(maxAbs).toBeLessThan(1e-3);
  });
});
