// A checkpoint's model as a predictor: tfjs, the plain-array fake-quant forward pass of a quantized checkpoint, or
// the re-loaded files of a shipped export. Evaluate, the export step and deployment audits score rows through it.
import * as tf from '@tensorflow/tfjs';
import { readDenseLayers } from '../compression/model-adapter.ts';
import { forwardFakeQuant, type ActivationRange } from '../compression/quantize.ts';
import type { FeatureMatrix } from '../data/matrix.ts';
import { exportPredictor, loadExport, type ExportFile, type LoadedModel } from '../export/index.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { checkpointMetadata, loadCheckpointModel, type CheckpointRef, type ExportRef } from './checkpoint.ts';
import { predictProba } from './predict.ts';

/** model.json userDefinedMetadata key under which the quantize step stores activation ranges. */
export const ACTIVATION_RANGES_KEY = 'fairshrinkActivationRanges';

/** Lends `use` a model and disposes it afterwards. */
export async function withModel<T>(model: tf.LayersModel, use: (m: tf.LayersModel) => Promise<T>): Promise<T> {
  try {
    return await use(model);
  } finally {
    model.dispose();
  }
}

/** P(y = 1) of some rows, by the model loaded from a checkpoint. */
export type Predict = (x: FeatureMatrix) => Float32Array;

/**
 * Loads a checkpoint's model and lends `use` its predictor: tfjs, or the plain-array fake-quant forward pass when the
 * checkpoint quantizes activations. The model is disposed afterwards.
 */
export async function withPredictor<T>(
  store: BlobStore,
  checkpoint: CheckpointRef,
  use: (predict: Predict, forward: 'tfjs' | 'fake-quant') => Promise<T>,
): Promise<T> {
  if (checkpoint.export !== undefined) return withExportPredictor(store, checkpoint.export, use);
  const meta = checkpoint.int8 === undefined ? {} : await checkpointMetadata(store, checkpoint);
  const ranges = meta[ACTIVATION_RANGES_KEY] as ActivationRange[] | undefined;
  const model = await loadCheckpointModel(store, checkpoint);
  return withModel(model, async (m) => {
    if (ranges === undefined) return use((x) => predictProba(m, x), 'tfjs');
    const layers = readDenseLayers(m);
    return use((x) => forwardFakeQuant(layers, x.values, x.rows, ranges), 'fake-quant');
  });
}

/** Downloads an export's files (each read verifies the ref's sha256) and loads them with core/export's loader. */
export async function loadStoredExport(store: BlobStore, ref: ExportRef): Promise<LoadedModel> {
  const files: ExportFile[] = [];
  for (const f of ref.files) files.push({ name: f.name, bytes: await store.get(f.ref) });
  return loadExport(ref.format, files);
}

/** Lends `use` the predictor of a stored export (the model is disposed afterwards). */
export async function withExportPredictor<T>(
  store: BlobStore,
  ref: ExportRef,
  use: (predict: Predict, forward: 'tfjs' | 'fake-quant') => Promise<T>,
): Promise<T> {
  const loaded = await loadStoredExport(store, ref);
  try {
    return await use(exportPredictor(loaded), loaded.activationRanges === undefined ? 'tfjs' : 'fake-quant');
  } finally {
    loaded.model.dispose();
  }
}
