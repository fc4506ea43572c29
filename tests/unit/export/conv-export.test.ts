// Exports of a quantized CNN (the Keras fixture cnn-colour-shift after the quantize step's quantizeNetwork): the tfjs
// LayersModel formats carry it and, loaded back, predict what was gated; sparse-int8 refuses it and names the formats
// that work; sizes are the bytes of the files; `export verify` reads it.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { quantizeNetwork } from '../../../core/compression/quantize-network.ts';
import { isPrunable } from '../../../core/compression/weights.ts';
import {
  dequantizeAffine,
  encodeExport,
  ExportFormatError,
  exportPredictor,
  loadExport,
  quantizeAffine,
  storedSize,
} from '../../../core/export/index.ts';
import { inspectExportPackage } from '../../../core/export/package.ts';
import {
  countParameters,
  getWeightValues,
  initBackend,
  predictProba,
  setWeightValues,
} from '../../../core/model/index.ts';
import { loadModelFromBytes, saveModelToBytes } from '../../../core/model/io.ts';
import { loadKerasFixture, type KerasSample } from '../../helpers/keras-fixtures.ts';

let gated: tf.LayersModel;
let sample: KerasSample;

beforeAll(async () => {
  await initBackend();
  const fixture = await loadKerasFixture('cnn-colour-shift');
  sample = fixture.sample;
  const q = quantizeNetwork(fixture.model, { precision: 'int8', biasCorrectionData: sample.x });
  // The checkpoint as the quantize step stores it and the export step loads it.
  gated = await loadModelFromBytes(await saveModelToBytes(q.model));
  q.model.dispose();
  fixture.model.dispose();
});

describe('exporting a quantized CNN', () => {
  it('structured (float32 LayersModel): loaded back, predictions are bitwise the gated model’s', async () => {
    const exported = await encodeExport('structured', { network: gated });
    const loaded = await loadExport('structured', exported.files);
    // Same topology (no channel is dead), same float32 weights, same backend: the same arithmetic, so exact.
    expect(exportPredictor(loaded)(sample.x)).toEqual(predictProba(gated, sample.x));
    expect(storedSize(exported.files).bytes).toBe(exported.files.reduce((n, f) => n + f.bytes.length, 0));
    const inspection = await inspectExportPackage({
      format: 'structured',
      location: 'mem',
      files: exported.files.map((f) => ({ ...f, location: f.name })),
    });
    expect(inspection.parameters).toBe(countParameters(gated));
    expect(inspection.layers.map((l) => [l.name, l.inputs, l.units])).toEqual([
      ['conv', 27, 8],
      ['depthwise', 9, 16],
      ['separable/depthwise_kernel', 9, 16],
      ['separable/pointwise_kernel', 16, 16],
      ['output', 16, 1],
    ]);
    loaded.model.dispose();
  });

  it('tfjs-standard (uint8 per tensor): loaded back, predictions are exactly those of its decoded weights', async () => {
    const exported = await encodeExport('tfjs-standard', { network: gated });
    const loaded = await loadExport('tfjs-standard', exported.files);
    const shipped = exportPredictor(loaded)(sample.x);
    // What tfjs decodes: every kernel q · scale + min, biases float32. Putting those into the gated model's topology
    // gives the same predictions bitwise, so the final gate, which scores these re-loaded bytes, judges what ships.
    const decoded = getWeightValues(gated).map((w) =>
      isPrunable(w) ? { ...w, values: dequantizeAffine(quantizeAffine(w.values, 8)) } : w,
    );
    const reference = await loadModelFromBytes(await saveModelToBytes(gated));
    tf.tidy(() => setWeightValues(reference, decoded));
    expect(shipped).toEqual(predictProba(reference, sample.x));
    // Per-tensor uint8 is coarser than the checkpoint's per-channel int8: measured max |Δp| 0.0073 on these 64 rows; 0.05 asserted.
    const int8 = predictProba(gated, sample.x);
    const diff = Math.max(...Array.from(shipped, (p, i) => Math.abs(p - int8[i]!)));
    expect(diff).toBeLessThan(0.05);
    const float = await encodeExport('structured', { network: gated });
    expect(storedSize(exported.files).bytes).toBeLessThan(storedSize(float.files).bytes);
    reference.dispose();
    loaded.model.dispose();
  });

  it('sparse-int8 refuses a CNN and names the formats that work', async () => {
    const refusal = encodeExport('sparse-int8', { network: gated });
    await expect(refusal).rejects.toBeInstanceOf(ExportFormatError);
    await expect(refusal).rejects.toMatchObject({ reason: 'unsupported-model' });
    await expect(refusal).rejects.toThrow(/Conv2D.*Dense layers only.*tfjs-standard or structured/);
  });
});
