// The Keras models under tests/fixtures/keras and examples/models/adult-embedding (made by
// scripts/keras-fixtures/generate.py): loaded through fairshrink's importer, with the sample rows and Keras's
// probabilities for them from sample.json.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs';
import type { FeatureMatrix } from '../../core/data/matrix.ts';
import { loadModelFromDir } from '../../core/model/io.ts';

export const KERAS_FIXTURES = ['cnn-colour-shift', 'tabular-embedding'] as const;
export type KerasFixtureName = (typeof KERAS_FIXTURES)[number];

type SampleInput =
  | { encoding: 'rows'; values: number[][] }
  | { encoding: 'uint8-base64'; layout: string; divisor: number; data: string };

interface SampleJson {
  rows: number;
  inputShape: number[];
  x: SampleInput;
  labels: number[];
  groups: number[];
  probabilities: number[];
}

export interface KerasMeta {
  layers: string[];
  versions: Record<string, string>;
  test: { accuracy: number; groupAccuracy: Record<string, number> };
}

export interface KerasSample {
  /** One row per sample, flat over the model's input shape (row-major), as fairshrink feeds models. */
  x: FeatureMatrix;
  labels: Uint8Array;
  groups: string[];
  /** Keras's predicted P(y = 1), float32 values. */
  kerasProbabilities: Float32Array;
}

export function kerasFixtureDir(name: KerasFixtureName): string {
  return fileURLToPath(new URL(`../fixtures/keras/${name}`, import.meta.url));
}

export async function loadKerasFixture(
  name: KerasFixtureName,
): Promise<{ model: tf.LayersModel; sample: KerasSample; meta: KerasMeta }> {
  return loadKerasModelDir(kerasFixtureDir(name));
}

/** A folder generate.py wrote (a fixture, or an example model such as examples/models/adult-embedding). */
export async function loadKerasModelDir(
  dir: string,
): Promise<{ model: tf.LayersModel; sample: KerasSample; meta: KerasMeta }> {
  const model = await loadModelFromDir(dir, { requireBinaryClassifier: true });
  const sample = JSON.parse(await readFile(`${dir}/sample.json`, 'utf8')) as SampleJson;
  const meta = JSON.parse(await readFile(`${dir}/keras.json`, 'utf8')) as KerasMeta;
  const cols = sample.inputShape.reduce((a, b) => a * b, 1);
  let values: Float32Array;
  if (sample.x.encoding === 'rows') {
    values = Float32Array.from(sample.x.values.flat());
  } else {
    const { divisor } = sample.x;
    // byte / 255 in float32, as numpy's float32 division computed it for Keras (one correctly rounded division).
    values = Float32Array.from(Buffer.from(sample.x.data, 'base64'), (b) => b / divisor);
  }
  if (values.length !== sample.rows * cols)
    throw new Error(`${dir}/sample.json: ${values.length} input values for ${sample.rows} rows of ${cols}`);
  return {
    model,
    meta,
    sample: {
      x: { values, rows: sample.rows, cols },
      labels: Uint8Array.from(sample.labels),
      groups: sample.groups.map(String),
      kerasProbabilities: Float32Array.from(sample.probabilities),
    },
  };
}
