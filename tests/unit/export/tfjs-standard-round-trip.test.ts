// tfjs-standard round trip: plain tfjs (tf.loadLayersModel with an in-memory IOHandler, no fairshrink code) loads
// the export and decodes tfjs's uint8 weight quantization; zeros stay exactly zero; predictions stay close to the
// per-channel int8 model (the tolerance docs/export.md states); damaged files are refused by the fairshrink loader.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  dequantizeAffine,
  encodeTfjsStandard,
  ExportFormatError,
  exportPredictor,
  loadExport,
  quantizeAffine,
  type ExportFile,
} from '../../../core/export/index.ts';
import { predictProba } from '../../../core/model/index.ts';
import { quantizedModel, randomRows } from './fixtures.ts';

/** What any tfjs user does with model.json + shards: no fairshrink code. */
async function loadWithPlainTfjs(files: readonly ExportFile[]): Promise<tf.LayersModel> {
  const byName = new Map(files.map((f) => [f.name, f.bytes]));
  const json = JSON.parse(new TextDecoder().decode(byName.get('model.json'))) as tf.io.ModelJSON;
  const shards = json.weightsManifest.flatMap((g) => g.paths).map((p) => byName.get(p)!);
  const weightData = new Uint8Array(shards.reduce((n, s) => n + s.length, 0));
  let offset = 0;
  for (const s of shards) {
    weightData.set(s, offset);
    offset += s.length;
  }
  return tf.loadLayersModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: weightData.buffer,
    }),
  });
}

describe('tfjs-standard export', () => {
  it('quantizes affinely with an exact zero, as tfjs decodes it', () => {
    const values = Float32Array.from([-0.5, 0, 0.25, 1.5, 0, -0.125]);
    const q = quantizeAffine(values, 8);
    const back = dequantizeAffine(q);
    expect(back[1]).toBe(0);
    expect(back[4]).toBe(0);
    values.forEach((v, k) => expect(Math.abs(back[k]! - v)).toBeLessThanOrEqual(q.scale / 2 + 1e-7));
    expect(Array.from(dequantizeAffine(quantizeAffine(new Float32Array(4), 8)))).toEqual([0, 0, 0, 0]);
  });

  it('loads with plain tf.loadLayersModel and predicts within the documented tolerance of the int8 model', async () => {
    const { model, source } = await quantizedModel(0.9);
    const exported = await encodeTfjsStandard(source);
    const json = JSON.parse(new TextDecoder().decode(exported.files[0]!.bytes)) as tf.io.ModelJSON;
    const specs = json.weightsManifest[0]!.weights;
    expect(specs.filter((s) => s.quantization?.dtype === 'uint8').map((s) => s.name)).toEqual(
      source.layers.map((l) => l.kernelName),
    );
    const plain = await loadWithPlainTfjs(exported.files);
    const kernels = plain.getWeights().filter((w) => w.shape.length === 2);
    kernels.forEach((w, l) => {
      const values = w.dataSync();
      const expected = dequantizeAffine(quantizeAffine(source.layers[l]!.kernel, 8));
      expect(Array.from(values)).toEqual(Array.from(expected));
      source.layers[l]!.kernel.forEach((v, k) => {
        if (v === 0) expect(values[k]).toBe(0); // pruned weights stay pruned
      });
    });
    const x = randomRows(500, 9);
    const int8 = predictProba(model, x);
    const viaPlain = predictProba(plain, x);
    const loaded = await loadExport('tfjs-standard', exported.files);
    const viaLoader = exportPredictor(loaded)(x);
    expect(Buffer.from(viaLoader.buffer).equals(Buffer.from(viaPlain.buffer))).toBe(true);
    const maxDiff = int8.reduce((m, p, i) => Math.max(m, Math.abs(p - viaPlain[i]!)), 0);
    expect(maxDiff).toBeGreaterThan(0); // per-tensor uint8 is not per-channel int8
    expect(maxDiff).toBeLessThan(0.02);
    plain.dispose();
    loaded.model.dispose();
    model.dispose();
  });

  it('refuses a truncated shard, foreign or newer model.json and broken JSON', async () => {
    const { model, source } = await quantizedModel(0.9);
    const { files } = await encodeTfjsStandard(source);
    const [modelJson, shard] = files as [ExportFile, ExportFile];
    const withJson = (edit: (json: Record<string, unknown>) => void): ExportFile[] => {
      const json = JSON.parse(new TextDecoder().decode(modelJson.bytes)) as Record<string, unknown>;
      edit(json);
      return [{ name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(json)) }, shard];
    };
    const attempts: [ExportFile[], string][] = [
      [[modelJson, { name: shard.name, bytes: shard.bytes.slice(0, shard.bytes.length - 3) }], 'truncated'],
      [[modelJson, { name: shard.name, bytes: new Uint8Array([...shard.bytes, 1]) }], 'trailing-bytes'],
      [[{ name: 'model.json', bytes: new TextEncoder().encode('{"format": "layers-mo') }, shard], 'malformed'],
      [withJson((j) => delete j.userDefinedMetadata), 'bad-magic'],
      [
        withJson((j) => (j.userDefinedMetadata = { fairshrinkExport: { format: 'tfjs-standard', version: 2 } })),
        'unsupported-version',
      ],
      [[modelJson], 'missing-file'],
    ];
    for (const [attempt, reason] of attempts) {
      const err = await loadExport('tfjs-standard', attempt).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ExportFormatError);
      expect((err as ExportFormatError).reason).toBe(reason);
    }
    model.dispose();
  });
});
