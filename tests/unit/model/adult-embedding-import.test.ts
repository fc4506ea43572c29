// The example Keras model on real data (examples/models/adult-embedding, made by scripts/keras-fixtures from
// examples/datasets/adult-codes.yaml as export-dataset.ts wrote it): fairshrink encodes the Adult test rows into the
// very codes Keras was given, and predicts what Keras predicted for them.
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, type CodeVocabulary } from '../../../core/data/index.ts';
import { initBackend, predictProba } from '../../../core/model/index.ts';
import { projectRoot } from '../../../infra/paths.ts';
import { loadKerasModelDir } from '../../helpers/keras-fixtures.ts';

const MODEL_DIR = `${projectRoot}/examples/models/adult-embedding`;
// As tests/unit/model/keras-import.test.ts: both sides compute in float32 and sum in different orders (measured gap
// here 1.2e-7 on WASM, 6.0e-8 on CPU); a wrong code, a swapped embedding row or a dropped activation moves
// probabilities by far more (the last test).
const TOLERANCE = 1e-5;

interface AdultKerasMeta {
  dataset: { datasetId: string; rows: Record<string, number> };
  vocabulary: CodeVocabulary;
  test: { accuracy: number; groupAccuracy: Record<string, Record<string, number>> };
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

beforeAll(async () => {
  await initBackend();
});

describe('the imported Adult-embedding model', () => {
  it(`predicts Keras's probabilities on the sample rows within ${TOLERANCE}`, async () => {
    const { model, sample, meta } = await loadKerasModelDir(MODEL_DIR);
    expect(meta.versions).toMatchObject({ tensorflow: '2.12.1', tensorflowjs: '4.10.0' });
    expect(model.layers.map((l) => l.getClassName()).filter((c) => c !== 'InputLayer')).toEqual([
      'Embedding',
      'Flatten',
      'Dense',
      'Dropout',
      'Dense',
    ]);
    expect(sample.x.rows).toBe(64);
    const probabilities = predictProba(model, sample.x);
    expect(maxAbsDifference(probabilities, sample.kerasProbabilities)).toBeLessThanOrEqual(TOLERANCE);
    const predicted = Array.from(probabilities, (p) => (p >= 0.5 ? 1 : 0));
    expect(new Set(predicted).size).toBe(2);
    model.dispose();
  });

  it('was trained on the codes fairshrink computes for examples/datasets/adult-codes.yaml', async () => {
    const { sample } = await loadKerasModelDir(MODEL_DIR);
    const adult = JSON.parse(await readFile(`${MODEL_DIR}/keras.json`, 'utf8')) as AdultKerasMeta;
    const dataset = await loadDataset(`${projectRoot}/examples/datasets/adult-codes.yaml`);
    expect(dataset.datasetId).toBe(adult.dataset.datasetId);
    expect(dataset.encoder.codes).toEqual(adult.vocabulary);
    expect(adult.dataset.rows).toEqual({ train: 27147, validation: 3015, test: 15060 });
    const test = dataset.splits.test;
    expect(Array.from(test.x.values.subarray(0, sample.x.values.length))).toEqual(Array.from(sample.x.values));
    expect(Array.from(test.y.subarray(0, sample.x.rows))).toEqual(Array.from(sample.labels));
    // Keras's test accuracy (15,060 rows) is a real model's, not a degenerate one's: Adult's majority class is 75.4%.
    expect(adult.test.accuracy).toBeGreaterThan(0.8);
    expect(Object.keys(adult.test.groupAccuracy)).toEqual(['sex', 'race']);
  });

  it('the comparison can fail: each row with its sex code switched moves the probabilities past the tolerance', async () => {
    const { model, sample } = await loadKerasModelDir(MODEL_DIR);
    const adult = JSON.parse(await readFile(`${MODEL_DIR}/keras.json`, 'utf8')) as AdultKerasMeta;
    const sex = adult.vocabulary.columns.findIndex((c) => c.column === 'sex');
    const { offset } = adult.vocabulary.columns[sex]!;
    const switched = sample.x.values.slice();
    for (let r = 0; r < sample.x.rows; r++) {
      const i = r * sample.x.cols + sex;
      switched[i] = switched[i] === offset ? offset + 1 : offset; // Female <-> Male
    }
    const probabilities = predictProba(model, { ...sample.x, values: switched });
    expect(maxAbsDifference(probabilities, sample.kerasProbabilities)).toBeGreaterThan(100 * TOLERANCE);
    model.dispose();
  });
});
