// structured export: after structured pruning, the exported dense model has fewer units, the same predictions as
// the masked model (within float summation order), and it round-trips through its loader.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { readDenseLayers } from '../../../core/compression/model-adapter.ts';
import { neuronL2Scores, selectUnits, structuredMasks } from '../../../core/compression/structured.ts';
import { applyMasksToWeights } from '../../../core/compression/masks.ts';
import { encodeStructured, ExportFormatError, exportPredictor, loadExport } from '../../../core/export/index.ts';
import { buildMlp, getWeightValues, initBackend, predictProba, setWeightValues } from '../../../core/model/index.ts';
import { FEATURES, randomRows } from './fixtures.ts';

describe('structured export', () => {
  it('drops the pruned units and predicts what the masked model predicts', async () => {
    await initBackend('cpu');
    const model = buildMlp({ hidden: [{ units: 32 }, { units: 16 }] }, { inputDim: FEATURES, seed: 5 });
    const layers = readDenseLayers(model);
    const masks = structuredMasks(layers, selectUnits(neuronL2Scores(layers), 0.5));
    tf.tidy(() => setWeightValues(model, applyMasksToWeights(getWeightValues(model), masks)));
    const exported = await encodeStructured({ layers: readDenseLayers(model) });
    expect(exported.units).toEqual([16, 8, 1]);
    const loaded = await loadExport('structured', exported.files);
    expect(loaded.model.getWeights().reduce((n, w) => n + w.size, 0)).toBe(FEATURES * 16 + 16 + 16 * 8 + 8 + 8 + 1);
    const x = randomRows(300, 4);
    const masked = predictProba(model, x);
    const shrunk = exportPredictor(loaded)(x);
    masked.forEach((p, i) => expect(Math.abs(p - shrunk[i]!)).toBeLessThan(1e-6));
    await expect(loadExport('sparse-int8', exported.files)).rejects.toBeInstanceOf(ExportFormatError);
    await expect(loadExport('tfjs-standard', exported.files)).rejects.toMatchObject({ reason: 'bad-magic' });
    loaded.model.dispose();
    model.dispose();
  });
});
