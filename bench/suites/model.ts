// core/model on UCI Adult: training epoch time of a 64-32 MLP on the WASM, CPU and native TensorFlow backends, and
// batched inference throughput (8,192-row batches vs tfjs's default predict batch of 32). Peers in the same run:
// the same MLP in Keras on TensorFlow CPU (tensorflow-cpu 2.12.1, the wheel family the tensorflow backend is built
// from, installed into a venv under .fairshrink/), and the ratio fairshrink/Keras. PyTorch is not a peer here: PyPI
// has only its CUDA build for Linux x86_64, which pulls several GB of nvidia-* wheels (CPU-only builds live on
// download.pytorch.org, which these machines cannot reach).
// Wall-clock timing only measures; nothing here feeds results.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path, { resolve } from 'node:path';
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
import type { EncodedSplit } from '../../core/data/dataset.ts';
import { fairshrinkHome, projectRoot } from '../../infra/paths.ts';
import { installedBackend } from '../../infra/tfjs-node.ts';
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

/** The Keras peer's pin: the same TensorFlow as the tensorflow backend's C library. */
const KERAS_PEER = 'tensorflow-cpu==2.12.1';
const EPOCH_TARGET = '<= 1.0x Keras on TF CPU';
const INFERENCE_TARGET_ROWS_PER_S = 2_000_000;

/** python of a venv under .fairshrink/ with the Keras peer installed (once; a stamp file marks it done), or why not. */
function kerasPeerPython(): { python: string } | { skipped: string } {
  const venv = path.join(fairshrinkHome(), 'peers', `keras-${KERAS_PEER.replace('==', '-')}`);
  const python = path.join(venv, 'bin', 'python');
  const stamp = path.join(venv, 'fairshrink-requirements.txt');
  if (existsSync(stamp)) return { python };
  const created = spawnSync('python3', ['-m', 'venv', venv], { encoding: 'utf8' });
  if (created.status !== 0) return { skipped: `no python3 venv (${created.error?.message ?? created.stderr.trim()})` };
  console.error(`bench: installing the Keras peer (${KERAS_PEER}) from PyPI into ${venv}`);
  const pip = spawnSync(
    python,
    ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '--only-binary=:all:', KERAS_PEER],
    { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] },
  );
  if (pip.status !== 0) return { skipped: `pip install ${KERAS_PEER} failed: ${pip.stderr.trim().split('\n').at(-1)}` };
  writeFileSync(stamp, `${KERAS_PEER}\n`);
  return { python };
}

interface KerasResult {
  epochSeconds: number[];
  inferenceRowsPerSecond: number;
  finalValLoss: number;
  tensorflow: string;
}

/** Trains and times the same MLP in Keras on the same splits (written as raw float32/uint8 for numpy). */
function runKerasPeer(
  splits: Record<'train' | 'validation' | 'test', EncodedSplit>,
): KerasResult | { skipped: string } {
  const peer = kerasPeerPython();
  if ('skipped' in peer) return peer;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fairshrink-model-peer-'));
  try {
    const meta: Record<string, number> = { cols: splits.train.x.cols };
    for (const [name, split] of Object.entries(splits)) {
      meta[name] = split.x.rows;
      const x = split.x.values;
      writeFileSync(path.join(dir, `${name}.x.f32`), new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
      writeFileSync(path.join(dir, `${name}.y.u8`), split.y);
    }
    writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta));
    const script = path.join(projectRoot, 'bench', 'suites', 'model_peer.py');
    console.error('bench: running the Keras peer');
    const run = spawnSync(peer.python, [script, dir, String(EPOCHS), String(BATCH), String(INFERENCE_REPEATS)], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    if (run.status !== 0) return { skipped: `Keras peer failed: ${run.stderr.trim().split('\n').slice(-3).join(' ')}` };
    return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as KerasResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const suite: BenchSuite = {
  name: SUITE,
  async run(): Promise<BenchRow[]> {
    const specFile = resolve(projectRoot, 'examples/datasets/adult.yaml');
    const ds = await loadDataset(specFile);
    const { train, validation, test } = ds.splits;
    const rows: BenchRow[] = [];
    const epochMedianMs = new Map<BackendName, number>();
    const backends: BackendName[] = ['wasm', 'cpu'];
    if (installedBackend('tensorflow') !== undefined || installedBackend('tensorflow-gpu') !== undefined) {
      backends.push('tensorflow');
    } else {
      rows.push({
        suite: SUITE,
        name: 'Adult MLP 64-32 (tensorflow)',
        value: Number.NaN,
        unit: 'n/a',
        notes: 'not set up: run `fairshrink setup --backend tensorflow` first',
      });
    }
    for (const backend of backends) {
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
      const engine =
        backend === 'tensorflow'
          ? `TensorFlow ${info.tensorflowVersion ?? '?'} on ${info.device ?? '?'}`
          : `threads ${info.threads}, simd ${info.simd}`;
      const notes = `${train.x.rows} rows x ${train.x.cols} features, batch ${BATCH}, median of ${EPOCHS} epochs (incl. validation loss); ${engine}, tfjs ${info.tfjsVersion}; final valLoss ${result.history.at(-1)?.valLoss?.toFixed(4)}`;
      epochMedianMs.set(backend, median(epochMs));
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
        ...(backend === 'tensorflow'
          ? {
              target: `>= ${INFERENCE_TARGET_ROWS_PER_S.toLocaleString('en-US')}`,
              met: batched >= INFERENCE_TARGET_ROWS_PER_S,
            }
          : {}),
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

    const keras = runKerasPeer({ train, validation, test });
    if ('skipped' in keras) {
      rows.push({ suite: SUITE, name: 'Keras peer', value: Number.NaN, unit: 'n/a', notes: keras.skipped });
    } else {
      const kerasEpochMs = median(keras.epochSeconds) * 1000;
      const peerNotes = `tensorflow ${keras.tensorflow} (pip ${KERAS_PEER}) in Python, same splits, batch ${BATCH}, Adam 1e-3, median of ${EPOCHS} epochs (incl. validation loss); final valLoss ${keras.finalValLoss.toFixed(4)}`;
      rows.push({
        suite: SUITE,
        name: 'Adult MLP 64-32 epoch time (Keras peer, TF CPU)',
        value: Math.round(kerasEpochMs),
        unit: 'ms',
        notes: peerNotes,
      });
      rows.push({
        suite: SUITE,
        name: 'Adult MLP 64-32 inference, batch 8192 (Keras peer, TF CPU)',
        value: Math.round(keras.inferenceRowsPerSecond),
        unit: 'rows/s',
        notes: `model.predict(batch_size=8192), ${test.x.rows} test rows x ${INFERENCE_REPEATS}`,
      });
      for (const [backend, ms] of epochMedianMs) {
        const ratio = ms / kerasEpochMs;
        rows.push({
          suite: SUITE,
          name: `epoch time ratio fairshrink (${backend}) / Keras`,
          value: Number(ratio.toFixed(2)),
          unit: 'x',
          ...(backend === 'tensorflow' ? { target: EPOCH_TARGET, met: ratio <= 1.0 } : {}),
          notes: 'lower is better; same machine, same run',
        });
      }
    }
    rows.push({
      suite: SUITE,
      name: 'PyTorch peer',
      value: Number.NaN,
      unit: 'n/a',
      notes:
        'skipped: PyPI has only the CUDA build of torch for Linux x86_64 (it pulls several GB of nvidia-* wheels); the CPU-only wheels are on download.pytorch.org, which is not a registry this project may use',
    });
    return rows;
  },
};

export default suite;
