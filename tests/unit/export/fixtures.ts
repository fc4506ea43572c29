// A pruned, int8-quantized MLP as the campaign's quantize step leaves it, for the export round-trip tests.
import * as tf from '@tensorflow/tfjs';
import { globalMagnitudeMasks } from '../../../core/compression/criteria.ts';
import { applyMasksToWeights } from '../../../core/compression/masks.ts';
import { readDenseLayers } from '../../../core/compression/model-adapter.ts';
import { fakeQuantize } from '../../../core/compression/quantize.ts';
import type { ExportSource } from '../../../core/export/index.ts';
import { buildMlp, getWeightValues, initBackend, setWeightValues } from '../../../core/model/index.ts';
import { createRng } from '../../../core/random/rng.ts';
import type { FeatureMatrix } from '../../../core/data/matrix.ts';

export const FEATURES = 20;

export function randomRows(rows: number, seed: number): FeatureMatrix {
  const rng = createRng(seed);
  return { rows, cols: FEATURES, values: Float32Array.from({ length: rows * FEATURES }, () => rng.normal()) };
}

export interface QuantizedFixture {
  /** The fake-quant model (dequantized int8 weights), as the quantize checkpoint holds it. */
  model: tf.LayersModel;
  source: ExportSource;
}

/** A 32-16 MLP, pruned to `sparsity` by global magnitude, then int8 per channel (no bias correction). */
export async function quantizedModel(sparsity: number, seed = 3): Promise<QuantizedFixture> {
  await initBackend('cpu');
  const model = buildMlp({ hidden: [{ units: 32 }, { units: 16 }] }, { inputDim: FEATURES, seed });
  const weights = getWeightValues(model);
  const masks = globalMagnitudeMasks(weights, sparsity);
  tf.tidy(() => setWeightValues(model, applyMasksToWeights(weights, masks)));
  const fq = fakeQuantize(model, { precision: 'int8' });
  tf.tidy(() => setWeightValues(model, fq.weights));
  return { model, source: { layers: readDenseLayers(model), int8: fq.int8 } };
}
