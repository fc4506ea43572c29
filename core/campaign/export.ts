// The campaign's export step: turns the final checkpoint into the deployable formats of core/export, writes them
// under `<prefix>/<campaignId>/export/<format>/`, re-downloads each (sha256-verified) and re-loads it to compare its
// predictions with the shipped format's, and writes sizes.json (bytes and gzip bytes next to the dense float32
// baseline; deterministic) and latency.json (p50 single-row latency and batched throughput; wall-clock, mutable).
// The workflow then gates the shipped export on its re-loaded bytes: evaluate's predictor (core/model/predictor.ts withPredictor)
// loads a checkpoint that carries `export` through withExportPredictor. See docs/export.md.
import * as tf from '@tensorflow/tfjs';
import { importInt8, type ActivationRange } from '../compression/quantize.ts';
import { isDenseChain, nonDenseClasses, readDenseLayers } from '../compression/model-adapter.ts';
import {
  encodeExport,
  exportPredictor,
  loadExport,
  measurePredictLatency,
  NETWORK_EXPORT_FORMATS,
  type LatencyMeasurement,
  type NetworkExportSource,
  storedSize,
  type ExportFile,
  type ExportFormat,
  type ExportSource,
} from '../export/index.ts';
import type { ExportedFormat, ExportInput, ExportOutput, ExportRef } from './contracts.ts';
import { getCached } from '../storage/blob-cache.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { putJson } from '../storage/json.ts';
import { stepDir, validateStepKey } from '../storage/layout.ts';
import { loadEncodedDataset } from '../data/dataset-cache.ts';
import { ensureBackend } from '../model/backend.ts';
import { checkpointMetadata, loadCheckpointModel } from '../model/checkpoint.ts';
import { ACTIVATION_RANGES_KEY } from '../model/predictor.ts';
import { CampaignInputError, type StepContext } from '../step/context.ts';
import { idempotent } from './steps/idempotent.ts';

/**
 * What the export step exports: a Dense MLP's layers with its int8 codes and activation ranges, or (any other model)
 * the checkpoint's model itself, which the caller disposes after encoding.
 */
async function exportSource(
  store: BlobStore,
  model: tf.LayersModel,
  input: ExportInput,
): Promise<ExportSource | NetworkExportSource> {
  if (!isDenseChain(model)) {
    const refused = input.formats.filter((f) => !NETWORK_EXPORT_FORMATS.includes(f));
    if (refused.length > 0)
      throw new CampaignInputError(
        `export: the model has ${nonDenseClasses(model).join(', ')} layers and ${refused.join(', ')} holds Dense MLPs only; set export: [${NETWORK_EXPORT_FORMATS.join(', ')}]`,
      );
    return { network: model };
  }
  const from = input.from;
  if (from.int8 === undefined) return { layers: readDenseLayers(model) };
  const { int8 } = importInt8(await getCached(store, from.int8));
  const ranges = (await checkpointMetadata(store, from))[ACTIVATION_RANGES_KEY] as ActivationRange[] | undefined;
  return { layers: readDenseLayers(model), int8, ...(ranges === undefined ? {} : { activationRanges: ranges }) };
}

/** `<stepDir>/sizes.json` (canonical JSON, immutable). */
/** `<prefix>/<id>/export/sizes.json`: stored bytes per format next to the dense float32 model's. */
export interface SizesFile {
  format: 'fairshrink.export-sizes';
  version: 1;
  shipped: ExportFormat;
  dense: ExportOutput['dense'] & { weightsBytes: number };
  formats: (ExportedFormat & { units?: number[]; layers?: unknown })[];
}

/** `<prefix>/<id>/export/latency.json`: measured on the worker's backend (wall clock; varies between runs, never gated). */
export interface ExportLatencyFile {
  format: 'fairshrink.export-latency';
  version: 1;
  backend: string;
  split: string;
  /** Per format, and `dense` for the dense float32 model; absent when the split has no rows. */
  latency: Record<string, LatencyMeasurement>;
}

/**
 * Writes every requested format of `from`, re-loads each from S3 to compare its predictions with the shipped (first)
 * format's on the split, and writes sizes.json and latency.json. Returns the shipped export as a checkpoint.
 */
export async function exportModel(input: ExportInput, ctx: StepContext): Promise<ExportOutput> {
  validateStepKey(input.stepKey);
  if (input.formats.length === 0 || new Set(input.formats).size !== input.formats.length)
    throw new CampaignInputError(
      `export: formats must be a non-empty list without repeats, got [${input.formats.join(', ')}]`,
    );
  const { store } = ctx;
  const dir = stepDir(input);
  return idempotent(ctx, input, async () => {
    await ensureBackend();
    const dataset = await loadEncodedDataset(store, input.dataset);
    const x = dataset.splits[input.split].x;
    const model = await loadCheckpointModel(store, input.from);
    const written: { format: ExportFormat; files: ExportRef['files']; extra: Record<string, unknown> }[] = [];
    try {
      const source = await exportSource(store, model, input);
      for (const format of input.formats) {
        const exported = await encodeExport(format, source);
        const files: ExportRef['files'] = [];
        for (const file of exported.files)
          files.push({
            name: file.name,
            ref: await store.put(`${dir}/${format}/${file.name}`, file.bytes, {
              contentType: file.name.endsWith('.json') ? 'application/json' : 'application/octet-stream',
            }),
          });
        const extra: Record<string, unknown> = {};
        if ('units' in exported) extra.units = exported.units;
        if ('layout' in exported) extra.layers = exported.layout;
        written.push({ format, files, extra });
      }
    } finally {
      model.dispose();
    }

    // Re-load every format from S3 (sha256-verified reads) and predict, as what ships would.
    const predictions = new Map<ExportFormat, Float32Array>();
    const latency: Record<string, LatencyMeasurement> = {};
    const sizes = new Map<ExportFormat, { bytes: number; gzipBytes: number }>();
    for (const w of written) {
      const files: ExportFile[] = [];
      for (const f of w.files) files.push({ name: f.name, bytes: await store.get(f.ref) });
      sizes.set(w.format, storedSize(files));
      const loaded = await loadExport(w.format, files);
      try {
        const predict = exportPredictor(loaded);
        predictions.set(w.format, predict(x));
        if (x.rows > 0) latency[w.format] = measurePredictLatency(predict, x);
      } finally {
        loaded.model.dispose();
      }
    }
    const denseFiles = [
      { bytes: await getCached(store, input.dense.modelJson) },
      { bytes: await getCached(store, input.dense.weightsBin) },
    ];
    const dense = storedSize(denseFiles);
    const denseModel = await loadCheckpointModel(store, input.dense);
    try {
      if (x.rows > 0) latency.dense = measurePredictLatency(exportPredictor({ model: denseModel }), x);
    } finally {
      denseModel.dispose();
    }

    const shippedFormat = input.formats[0]!;
    const shippedScores = predictions.get(shippedFormat)!;
    const formats: ExportedFormat[] = written.map((w) => {
      const scores = predictions.get(w.format)!;
      let maxDiff = 0;
      for (let i = 0; i < scores.length; i++) maxDiff = Math.max(maxDiff, Math.abs(scores[i]! - shippedScores[i]!));
      const size = sizes.get(w.format)!;
      return {
        format: w.format,
        files: w.files,
        ...size,
        ratioVsDense: dense.bytes / size.bytes,
        maxAbsPredictionDifference: maxDiff,
      };
    });
    const sizesFile: SizesFile = {
      format: 'fairshrink.export-sizes',
      version: 1,
      shipped: shippedFormat,
      dense: { ...dense, weightsBytes: denseFiles[1]!.bytes.length },
      formats: formats.map((f, i) => ({ ...f, ...written[i]!.extra })),
    };
    const sizesRef = await putJson(store, `${dir}/sizes.json`, sizesFile);
    const latencyFile: ExportLatencyFile = {
      format: 'fairshrink.export-latency',
      version: 1,
      backend: tf.getBackend(),
      split: input.split,
      latency,
    };
    await putJson(store, `${dir}/latency.json`, latencyFile, 'mutable');
    const shipped = written[0]!;
    return {
      shipped: {
        ...input.from,
        stepKey: input.stepKey,
        export: { format: shippedFormat, files: shipped.files, sizes: sizesRef },
      },
      // Latency rides along in the step's output (status shows it) but never in sizes.json, whose bytes are stable.
      formats: formats.map((f) => (latency[f.format] === undefined ? f : { ...f, latency: latency[f.format] })),
      dense: latency.dense === undefined ? dense : { ...dense, latency: latency.dense },
      sizes: sizesRef,
    };
  });
}
