// Export sizes and inference speed on UCI Adult (in-process, no Temporal): a 64-32 MLP pruned by global magnitude
// to 95% sparsity in 4 cubic-schedule milestones (masked fine-tuning after each), then int8 per channel with bias
// correction; exported as sparse-int8 and tfjs-standard (core/export), each re-loaded from its bytes. A second arm
// removes 50% of the hidden units of the same dense baseline (structured pruning, L2 norm of incoming weights),
// fine-tunes, and exports the smaller dense model. Per format: stored bytes and gzip bytes next to the dense float32
// model (model.json + weights.bin as tfjs saves it), p50 latency of a single-row prediction and batched throughput
// on the active backend, measured alternately with the dense model in the same process (best of ROUNDS).
import { resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import {
  applyMasksToModel,
  fakeQuantize,
  globalMagnitudeMasks,
  maskedFinetune,
  milestoneSparsities,
  readDenseLayers,
  readWeights,
  writeWeights,
  type GroupedData,
  type MaskSet,
} from '../../core/compression/index.ts';
import { neuronL2Scores, selectUnits, structuredMasks } from '../../core/compression/structured.ts';
import { groupLabels, loadDataset, selectRows, type FeatureMatrix } from '../../core/data/index.ts';
import {
  encodeExport,
  exportPredictor,
  loadExport,
  measurePredictLatency,
  storedSize,
  type ExportFormat,
  type LatencyMeasurement,
} from '../../core/export/index.ts';
import {
  backendInfo,
  buildMlp,
  initBackend,
  predictProba,
  saveModelToBytes,
  trainModel,
} from '../../core/model/index.ts';
import { projectRoot } from '../../infra/paths.ts';
import type { BenchRow, BenchSuite } from '../types.ts';

const SUITE = 'export';
const SEED = 0;
const SPEC = { hidden: [{ units: 64 }, { units: 32 }] };
const BASELINE_EPOCHS = 8;
const FINETUNE_EPOCHS = 2;
const FINAL_SPARSITY = 0.95;
const STRUCTURED_FRACTION = 0.5;
const ROUNDS = 3;
const TARGET_RATIO = 20;

function accuracy(scores: Float32Array, y: Uint8Array): number {
  let hits = 0;
  scores.forEach((p, i) => (hits += Number(p >= 0.5) === y[i] ? 1 : 0));
  return hits / y.length;
}

function copyOf(model: tf.LayersModel): tf.LayersModel {
  const copy = buildMlp(SPEC, { inputDim: model.inputs[0]!.shape[1]!, seed: SEED });
  copy.setWeights(model.getWeights());
  return copy;
}

/** The best (lowest single-row p50, highest throughput) of `rounds` measurements. */
function best(samples: LatencyMeasurement[]): LatencyMeasurement {
  return {
    p50SingleRowMs: Math.min(...samples.map((s) => s.p50SingleRowMs)),
    batchedRowsPerSecond: Math.max(...samples.map((s) => s.batchedRowsPerSecond)),
    batchRows: samples[0]!.batchRows,
  };
}

const suite: BenchSuite = {
  name: SUITE,
  async run() {
    await initBackend((process.env.FAIRSHRINK_TFJS_BACKEND as 'wasm' | 'cpu' | undefined) ?? 'wasm');
    const backend = backendInfo().backend;
    const ds = await loadDataset(resolve(projectRoot, 'examples/datasets/adult.yaml'));
    const train: GroupedData = {
      x: ds.splits.train.x,
      y: ds.splits.train.y,
      groups: groupLabels(ds, 'train', 'sex'),
    };
    const test = ds.splits.test;
    const features = ds.featureNames.length;
    const dense = buildMlp(SPEC, { inputDim: features, seed: SEED });
    await trainModel(
      dense,
      { x: train.x, y: train.y },
      { seed: SEED, spec: { epochs: BASELINE_EPOCHS, batchSize: 64, patience: 0 } },
    );
    const denseBytes = await saveModelToBytes(dense);
    const denseSize = storedSize([{ bytes: denseBytes.modelJson }, { bytes: denseBytes.weightsBin }]);

    // 95% unstructured + int8.
    const pruned = copyOf(dense);
    let masks: MaskSet | undefined;
    for (const [k, s] of milestoneSparsities({
      kind: 'polynomial',
      finalSparsity: FINAL_SPARSITY,
      milestones: 4,
    }).entries()) {
      masks = globalMagnitudeMasks(readWeights(pruned), s, masks);
      applyMasksToModel(pruned, masks);
      await maskedFinetune(pruned, train, { masks, seed: SEED + 10 + k, epochs: FINETUNE_EPOCHS, batchSize: 64 });
    }
    const calibration = selectRows(
      train.x,
      Int32Array.from({ length: 1000 }, (_, i) => i * 27),
    );
    const fq = fakeQuantize(pruned, { precision: 'int8', biasCorrectionData: calibration });
    writeWeights(pruned, fq.weights);
    const quantizedScores = predictProba(pruned, test.x);

    // Structured: 50% of the hidden units of the dense baseline, fine-tuned.
    const structuredModel = copyOf(dense);
    const layers = readDenseLayers(structuredModel);
    const unitMasks = structuredMasks(layers, selectUnits(neuronL2Scores(layers), STRUCTURED_FRACTION));
    applyMasksToModel(structuredModel, unitMasks);
    await maskedFinetune(structuredModel, train, {
      masks: unitMasks,
      seed: SEED + 20,
      epochs: FINETUNE_EPOCHS,
      batchSize: 64,
    });
    const structuredScores = predictProba(structuredModel, test.x);

    const source = { layers: readDenseLayers(pruned), int8: fq.int8 };
    const exports: {
      format: ExportFormat;
      from: Float32Array;
      files: Awaited<ReturnType<typeof encodeExport>>['files'];
    }[] = [
      { format: 'sparse-int8', from: quantizedScores, files: (await encodeExport('sparse-int8', source)).files },
      { format: 'tfjs-standard', from: quantizedScores, files: (await encodeExport('tfjs-standard', source)).files },
      {
        format: 'structured',
        from: structuredScores,
        files: (await encodeExport('structured', { layers: readDenseLayers(structuredModel) })).files,
      },
    ];
    const loaded = await Promise.all(exports.map(async (e) => loadExport(e.format, e.files)));
    const predictors = loaded.map(exportPredictor);
    const densePredict = (x: FeatureMatrix) => predictProba(dense, x);

    const denseRounds: LatencyMeasurement[] = [];
    const formatRounds: LatencyMeasurement[][] = exports.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      denseRounds.push(measurePredictLatency(densePredict, test.x));
      predictors.forEach((p, i) => formatRounds[i]!.push(measurePredictLatency(p, test.x)));
    }
    const denseLatency = best(denseRounds);
    const notes = `Adult test split (${test.x.rows} rows), ${backend} backend, 64-32 MLP, best of ${ROUNDS} alternating rounds`;
    const rows: BenchRow[] = [
      {
        suite: SUITE,
        name: 'dense float32: stored bytes',
        value: denseSize.bytes,
        unit: 'bytes',
        notes: `weights.bin ${denseBytes.weightsBin.length} + model.json`,
      },
      { suite: SUITE, name: 'dense float32: gzip bytes', value: denseSize.gzipBytes, unit: 'bytes' },
      { suite: SUITE, name: 'dense float32: p50 single row', value: denseLatency.p50SingleRowMs, unit: 'ms', notes },
      {
        suite: SUITE,
        name: 'dense float32: batched throughput',
        value: denseLatency.batchedRowsPerSecond,
        unit: 'rows/s',
        notes: `batches of ${denseLatency.batchRows} rows`,
      },
      {
        suite: SUITE,
        name: 'dense float32: test accuracy',
        value: accuracy(predictProba(dense, test.x), test.y),
        unit: 'fraction',
      },
    ];
    exports.forEach((e, i) => {
      const size = storedSize(e.files);
      const latency = best(formatRounds[i]!);
      const scores = predictors[i]!(test.x);
      let maxDiff = 0;
      scores.forEach((p, r) => (maxDiff = Math.max(maxDiff, Math.abs(p - e.from[r]!))));
      const ratio = denseSize.bytes / size.bytes;
      const label =
        e.format === 'structured' ? `structured (${STRUCTURED_FRACTION * 100}% units)` : `${e.format} (95% + int8)`;
      rows.push(
        {
          suite: SUITE,
          name: `${label}: stored bytes`,
          value: size.bytes,
          unit: 'bytes',
          notes: e.files.map((f) => `${f.name} ${f.bytes.length}`).join(', '),
        },
        { suite: SUITE, name: `${label}: gzip bytes`, value: size.gzipBytes, unit: 'bytes' },
        {
          suite: SUITE,
          name: `${label}: smaller than dense float32`,
          value: ratio,
          unit: '×',
          ...(e.format === 'sparse-int8' ? { target: `≥ ${TARGET_RATIO}×`, met: ratio >= TARGET_RATIO } : {}),
          notes: `gzip: ${(denseSize.gzipBytes / size.gzipBytes).toFixed(1)}×`,
        },
        { suite: SUITE, name: `${label}: p50 single row`, value: latency.p50SingleRowMs, unit: 'ms', notes },
        { suite: SUITE, name: `${label}: batched throughput`, value: latency.batchedRowsPerSecond, unit: 'rows/s' },
        {
          suite: SUITE,
          name: `${label}: speed-up vs dense (batched)`,
          value: latency.batchedRowsPerSecond / denseLatency.batchedRowsPerSecond,
          unit: '×',
          ...(e.format === 'structured'
            ? { target: '> 1', met: latency.batchedRowsPerSecond > denseLatency.batchedRowsPerSecond }
            : {}),
          notes: `single row: ${(denseLatency.p50SingleRowMs / latency.p50SingleRowMs).toFixed(2)}×`,
        },
        { suite: SUITE, name: `${label}: test accuracy`, value: accuracy(scores, test.y), unit: 'fraction' },
        {
          suite: SUITE,
          name: `${label}: max |Δp| vs the model it exports`,
          value: maxDiff,
          unit: 'probability',
          notes: e.format === 'sparse-int8' ? 'bitwise equal when 0' : undefined,
        },
      );
    });
    for (const l of loaded) l.model.dispose();
    return rows;
  },
};

export default suite;
