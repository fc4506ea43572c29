/**
 * core/export: the deployable artifacts of a campaign (docs/export.md). One module per format, one round-trip
 * contract (contract.ts): `encodeExport(format, source)` → named files, `loadExport(format, files)` → a tfjs model
 * (+ activation ranges), refusing damaged files with ExportFormatError. Plain TS + tfjs, no Temporal.
 */
import { gzipSync } from 'node:zlib';
import type * as tf from '@tensorflow/tfjs';
import { forwardFakeQuant } from '../compression/quantize.ts';
import { readDenseLayers } from '../compression/model-adapter.ts';
import type { FeatureMatrix } from '../data/matrix.ts';
import { predictProba } from '../model/predict.ts';
import type { ExportedModel, ExportFile, ExportFormat, ExportSource, LoadedModel } from './contract.ts';
import { encodeNetworkExport, type NetworkExportSource } from './network.ts';
import { encodeSparseInt8, loadSparseInt8 } from './sparse-int8.ts';
import { encodeStructured, loadStructured } from './structured.ts';
import { encodeTfjsStandard, loadTfjsStandard } from './tfjs-standard.ts';

export * from './contract.ts';
export {
  decodeSparseInt8,
  encodeSparseInt8,
  indexWidth,
  SPARSE_INT8_FILE,
  SPARSE_INT8_VERSION,
} from './sparse-int8.ts';
export type { LayerLayout } from './sparse-int8.ts';
export { dequantizeAffine, encodeTfjsStandard, quantizeAffine } from './tfjs-standard.ts';
export { encodeStructured, liveHiddenUnits, shrinkToLiveUnits } from './structured.ts';
export { denseChainModel } from './dense-chain.ts';
export { MODEL_JSON, SHARD } from './layers-model.ts';
export { encodeNetworkExport, NETWORK_EXPORT_FORMATS, type NetworkExportSource } from './network.ts';
export { measurePredictLatency, type LatencyMeasurement } from './latency.ts';

/** A Dense MLP's layers (every format), or a model with other layers (network.ts: tfjs-standard and structured). */
export async function encodeExport(
  format: ExportFormat,
  source: ExportSource | NetworkExportSource,
): Promise<ExportedModel> {
  if ('network' in source) return encodeNetworkExport(format, source);
  if (format === 'sparse-int8') return encodeSparseInt8(source);
  if (format === 'tfjs-standard') return encodeTfjsStandard(source);
  return encodeStructured(source);
}

export async function loadExport(format: ExportFormat, files: readonly ExportFile[]): Promise<LoadedModel> {
  if (format === 'sparse-int8') return loadSparseInt8(files);
  if (format === 'tfjs-standard') return loadTfjsStandard(files);
  return loadStructured(files);
}

/** P(y = 1) of a loaded export: tfjs, or the fake-quant forward pass when the export carries activation ranges. */
export function exportPredictor(loaded: LoadedModel): (x: FeatureMatrix) => Float32Array {
  const ranges = loaded.activationRanges;
  if (ranges === undefined) return (x) => predictProba(loaded.model, x);
  const layers = readDenseLayers(loaded.model);
  return (x) => forwardFakeQuant(layers, x.values, x.rows, ranges);
}

/** Stored size of a set of files: bytes on disk and gzip bytes (level 9, each file gzipped on its own). */
export interface StoredSize {
  bytes: number;
  gzipBytes: number;
}

export function storedSize(files: readonly { bytes: Uint8Array }[]): StoredSize {
  return {
    bytes: files.reduce((n, f) => n + f.bytes.length, 0),
    gzipBytes: files.reduce((n, f) => n + gzipSync(f.bytes, { level: 9 }).length, 0),
  };
}

/** The Dense layers of a tfjs model (for exporting a model held in memory). */
export function exportSourceOf(model: tf.LayersModel, extra: Omit<ExportSource, 'layers'> = {}): ExportSource {
  return { layers: readDenseLayers(model), ...extra };
}
