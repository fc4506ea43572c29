// features.excludeSensitive: the columns the sensitive attributes are read from are not model inputs, the groups
// they define are still there for the fairness evaluation, and the data set id changes only when the option is on.
import { describe, expect, it } from 'vitest';
import {
  DataError,
  featureColumnsOf,
  groupLabels,
  loadDataset,
  loadDatasetSpec,
  parseDatasetSpec,
} from '../../../core/data/index.ts';
import { bytes, loaded, tinyCsv, tinySpec } from './fixtures.ts';

// `group` is a sensitive attribute listed as a categorical feature; `age_band` is derived from the numeric feature
// `age`; `colour` and `size` are not read by any attribute.
const withSensitiveInputs = (excludeSensitive?: boolean) =>
  tinySpec({
    sensitive: [
      { name: 'group', column: 'group' },
      { name: 'age_band', column: 'age', derive: { kind: 'buckets', edges: [40], labels: ['young', 'old'] } },
    ],
    features: {
      categorical: ['colour', 'group'],
      numeric: ['size', 'age'],
      ...(excludeSensitive === undefined ? {} : { excludeSensitive }),
    },
  });

const sources = { sourceBytes: { 'tiny.csv': bytes(tinyCsv()) } };

describe('features.excludeSensitive', () => {
  it('leaves out every column a sensitive attribute is read from, and keeps the groups', async () => {
    const ds = await loadDataset(loaded(withSensitiveInputs(true)), sources);
    expect(ds.featureNames).toEqual(['colour=blue', 'colour=green', 'colour=red', 'colour=<unseen>', 'size']);
    expect(ds.featureNames.some((f) => f.startsWith('group') || f === 'age')).toBe(false);
    for (const split of Object.values(ds.splits)) {
      expect(split.x.cols).toBe(ds.featureNames.length);
      // Group membership is still recorded per row, with both groups of each attribute present.
      expect(new Set(split.groups['group'])).toEqual(new Set([0, 1]));
      expect(new Set(split.groups['age_band'])).toEqual(new Set([0, 1]));
    }
    expect(ds.sensitive.map((s) => s.groups)).toEqual([
      ['a', 'b'],
      ['young', 'old'],
    ]);
  });

  it('the kept columns hold the same numbers as without the option', async () => {
    const on = await loadDataset(loaded(withSensitiveInputs(true)), sources);
    const off = await loadDataset(loaded(withSensitiveInputs()), sources);
    expect(off.featureNames).toContain('group=a');
    expect(off.featureNames).toContain('age');
    const kept = on.featureNames.map((name) => off.featureNames.indexOf(name));
    expect(kept.every((k) => k >= 0)).toBe(true);
    const a = on.splits.validation.x;
    const b = off.splits.validation.x;
    expect(on.splits.validation.rowIds).toEqual(off.splits.validation.rowIds);
    for (let r = 0; r < a.rows; r++) {
      kept.forEach((k, c) => expect(a.values[r * a.cols + c]).toBe(b.values[r * b.cols + k]));
    }
  });

  it('leaves sensitive columns out of numeric: rest as well', () => {
    const spec = parseDatasetSpec({
      ...withSensitiveInputs(true),
      features: { categorical: ['colour'], numeric: 'rest', exclude: ['id'], excludeSensitive: true },
    });
    expect(featureColumnsOf(spec, ['id', 'colour', 'size', 'group', 'age', 'outcome'])).toEqual({
      categorical: ['colour'],
      numeric: ['size'],
    });
  });

  it('drops a column that carries a sensitive attribute together with other information', () => {
    // As German credit's personal_status (sex and marital status): sex is read from it, so a model reading it
    // reads sex; it goes. A column no attribute is read from (a possible proxy) stays.
    const spec = parseDatasetSpec({
      ...tinySpec(),
      sensitive: [{ name: 'sex', column: 'status', derive: { kind: 'map', map: { A91: 'male', A92: 'female' } } }],
      features: { categorical: ['status', 'relationship'], numeric: [], excludeSensitive: true },
    });
    expect(featureColumnsOf(spec, ['status', 'relationship', 'outcome'])).toEqual({
      categorical: ['relationship'],
      numeric: [],
    });
  });

  it('is off by default; false keeps the data set id, true changes it', async () => {
    const absent = await loadDataset(loaded(withSensitiveInputs()), sources);
    const off = await loadDataset(loaded(withSensitiveInputs(false)), sources);
    const on = await loadDataset(loaded(withSensitiveInputs(true)), sources);
    expect(parseDatasetSpec(withSensitiveInputs()).features.excludeSensitive).toBeUndefined();
    expect(off.specSha256).toBe(absent.specSha256);
    expect(off.datasetId).toBe(absent.datasetId);
    expect(on.specSha256).not.toBe(absent.specSha256);
    expect(on.datasetId).not.toBe(absent.datasetId);
    expect(on.featureNames.length).toBeLessThan(absent.featureNames.length);
  });

  it('a spec whose only features are sensitive columns is refused with the reason', async () => {
    const spec = tinySpec({ features: { categorical: ['group'], numeric: [], excludeSensitive: true } });
    const err = await loadDataset(loaded(spec), sources).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toMatch(/no feature columns besides the sensitive attributes/);
  });

  it('german credit without personal_status and age as inputs still has its sex and age groups', async () => {
    const bundled = await loadDatasetSpec('examples/datasets/german-credit.yaml');
    const spec = { ...bundled.spec, features: { ...bundled.spec.features, excludeSensitive: true } };
    const ds = await loadDataset({ ...bundled, spec });
    expect(ds.featureNames.filter((f) => f.startsWith('personal_status') || f === 'age')).toEqual([]);
    expect(ds.featureNames).toContain('duration');
    const sex = (['train', 'validation', 'test'] as const).flatMap((s) => groupLabels(ds, s, 'sex'));
    expect(sex.filter((g) => g === 'female')).toHaveLength(310);
    expect(ds.datasetId).not.toBe('c56b1798a858f0a8603539ae6c6212f8da6130384496be1a2b70666c4f7391f0');
  });
});
