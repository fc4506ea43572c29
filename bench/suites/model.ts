// core/model on UCI Adult: training epoch time of a 64-32 MLP on the WASM and CPU backends, and
// batched inference throughput (8,192-row batches vs tfjs's default predict batch of 32).
// Wall-clock timing only measures; nothing here feeds results.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../../core/data/index.ts';
import {
  backendInfo,
  buildMlp,
  initBackend,
  predictProba,
  trainModel,
  type BackendName,
} from '../../core/model/index.ts';
import { projectRoot } from '../../infra/paths.ts';
import type { BenchRow, BenchSuite } from '../types.ts';

const SUITE = 'model';
const EPOCHS = 3;
const BATCH = 256;
const INFERENCE_REPEATS = 5;
const MLP = { hidden: [{ units: 64 }, { units: 32 }] };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const suite: BenchSuite = {
  name: SUITE,
  async run(): Promise<BenchRow[]> {
    const specFile = resolve(projectRoot, 'examples/datasets/adult.yaml');
    const ds = await loadDataset(specFile);
    const { train, validation, test } = ds.splits;
    const rows: BenchRow[] = [];
    for (const backend of ['wasm', 'cpu'] as BackendName[]) {
      const info = await initBackend(backend);
      const model = buildMlp(MLP, { inputDim: train.x.cols, seed: 0 });
      const epochMs: number[] = [];
      let last = performance.now();
      const result = await trainModel(model, train, {
        seed: 0,
        spec: { epochs: EPOCHS, batchSize: BATCH, learningRate: 1e-3, patience: 0 },
        validation,
        onEpochEnd: () => {
          const now = performance.now();
          epochMs.push(now - last);
          last = now;
        },
      });
      const notes = `${train.x.rows} rows x ${train.x.cols} features, batch ${BATCH}, median of ${EPOCHS} epochs (incl. validation loss); threads ${info.threads}, simd ${info.simd}, tfjs ${info.tfjsVersion}; final valLoss ${result.history.at(-1)?.valLoss?.toFixed(4)}`;
      rows.push({
        suite: SUITE,
        name: `Adult MLP 64-32 epoch time (${backend})`,
        value: Math.round(median(epochMs)),
        unit: 'ms',
        notes,
      });

      predictProba(model, test.x); // warm-up
      let t0 = performance.now();
      for (let i = 0; i < INFERENCE_REPEATS; i++) predictProba(model, test.x, { batchSize: 8192 });
      const batched = (INFERENCE_REPEATS * test.x.rows) / ((performance.now() - t0) / 1000);
      rows.push({
        suite: SUITE,
        name: `Adult MLP 64-32 inference, batch 8192 (${backend})`,
        value: Math.round(batched),
        unit: 'rows/s',
        notes: `${test.x.rows} test rows x ${INFERENCE_REPEATS}`,
      });
      const x = tf.tensor2d(test.x.values, [test.x.rows, test.x.cols]);
      tf.tidy(() => (model.predict(x.slice([0, 0], [320, test.x.cols]), { batchSize: 32 }) as tf.Tensor).dataSync()); // warm-up
      t0 = performance.now();
      tf.tidy(() => (model.predict(x, { batchSize: 32 }) as tf.Tensor).dataSync());
      const small = test.x.rows / ((performance.now() - t0) / 1000);
      x.dispose();
      rows.push({
        suite: SUITE,
        name: `Adult MLP 64-32 inference, tfjs predict batch 32 (${backend})`,
        value: Math.round(small),
        unit: 'rows/s',
        notes: 'tfjs default batch size, for comparison',
      });
      model.dispose();
      if (backendInfo().backend !== backend)
        rows.push({
          suite: SUITE,
          name: `backend ${backend}`,
          value: 0,
          unit: 'n/a',
          notes: `fell back: ${info.fallbackReason}`,
        });
    }
    return rows;
  },
};

export default suite;
