// features.categoricalEncoding: codes: one value per categorical column, its level's index (the one-hot slot, same
// order) offset into one shared vocabulary; the vocabulary is in the encoder; numeric columns are refused; specs
// without the option (or with 'one-hot') keep their data set ids.
import { describe, expect, it } from 'vitest';
import { featureDrift } from '../../../core/monitoring/drift.ts';
import { DataError, loadDataset, parseDatasetSpec, specSha256 } from '../../../core/data/index.ts';
import { bytes, loaded, tinyCsv, tinySpec } from './fixtures.ts';

const sources = { sourceBytes: { 'tiny.csv': bytes(tinyCsv()) } };

// colour has 3 levels (+ <unseen>), group 2 (+ <unseen>): vocabulary 4 + 3 = 7.
const codesSpec = (categoricalEncoding?: 'one-hot' | 'codes') =>
  tinySpec({
    features: {
      categorical: ['colour', 'group'],
      numeric: categoricalEncoding === 'codes' ? [] : ['size'],
      ...(categoricalEncoding === undefined ? {} : { categoricalEncoding }),
    },
  });

describe('features.categoricalEncoding: codes', () => {
  it('encodes each categorical column as one code offset into a shared vocabulary, recorded in the encoder', async () => {
    const ds = await loadDataset(loaded(codesSpec('codes')), sources);
    expect(ds.featureNames).toEqual(['colour', 'group']);
    expect(ds.encoder.codes).toEqual({
      size: 7,
      columns: [
        { column: 'colour', offset: 0, levels: ['blue', 'green', 'red', '<unseen>'] },
        { column: 'group', offset: 4, levels: ['a', 'b', '<unseen>'] },
      ],
    });
    // tinyCsv: row i has colour ['red','green','blue'][i % 3] and group a for even i, b for odd i.
    const x = ds.splits.train.x;
    expect(x.cols).toBe(2);
    ds.splits.train.rowIds.forEach((row, i) => {
      expect(x.values[i * 2]).toBe({ 0: 2, 1: 1, 2: 0 }[row % 3]);
      expect(x.values[i * 2 + 1]).toBe(row % 2 === 0 ? 4 : 5);
    });
  });

  it('puts each code where the one-hot encoding puts its 1', async () => {
    const codes = await loadDataset(loaded(codesSpec('codes')), sources);
    const oneHot = await loadDataset(
      loaded(tinySpec({ features: { categorical: ['colour', 'group'], numeric: [] } })),
      sources,
    );
    const a = codes.splits.test.x;
    const b = oneHot.splits.test.x;
    expect(b.cols).toBe(codes.encoder.codes!.size);
    for (let r = 0; r < a.rows; r++) {
      for (let j = 0; j < a.cols; j++) expect(b.values[r * b.cols + a.values[r * a.cols + j]!]).toBe(1);
      expect(b.values.subarray(r * b.cols, (r + 1) * b.cols).reduce((s, v) => s + v, 0)).toBe(a.cols);
    }
  });

  it('gives a value never seen in training its column’s <unseen> code', async () => {
    // A test row (the split does not depend on colour: it is stratified by group and label) turned purple.
    const row = (await loadDataset(loaded(codesSpec('codes')), sources)).splits.test.rowIds[0]!;
    const line = tinyCsv().split('\n')[row + 1]!;
    const csv = tinyCsv().replace(`\n${line}\n`, `\n${line.replace(/,(red|green|blue),/, ',purple,')}\n`);
    const ds = await loadDataset(loaded(codesSpec('codes')), { sourceBytes: { 'tiny.csv': bytes(csv) } });
    expect(ds.splits.test.rowIds[0]).toBe(row);
    expect(ds.encoder.codes!.columns[0]!.levels).not.toContain('purple');
    expect(ds.splits.test.x.values[0]).toBe(3); // colour's <unseen>: offset 0 + 3 training levels
  });

  it('refuses numeric columns and an empty categorical list, naming the field and the fix', () => {
    const withNumeric = () =>
      parseDatasetSpec({ ...codesSpec('codes'), features: { ...codesSpec().features, categoricalEncoding: 'codes' } });
    expect(withNumeric).toThrow(DataError);
    expect(withNumeric).toThrow(
      /features\.numeric: categoricalEncoding 'codes' .* list each such column under features\.categorical/,
    );
    expect(() =>
      parseDatasetSpec(tinySpec({ features: { categorical: [], numeric: 'rest', categoricalEncoding: 'codes' } })),
    ).toThrow(/features\.numeric: .*features\.categorical: categoricalEncoding 'codes' encodes categorical columns/);
  });

  it("keeps the id of specs without it or with 'one-hot', and changes it for 'codes'", () => {
    const hash = (spec: ReturnType<typeof codesSpec>) => specSha256(parseDatasetSpec(spec));
    const without = tinySpec({ features: { categorical: ['colour', 'group'], numeric: [] } });
    const oneHot = tinySpec({
      features: { categorical: ['colour', 'group'], numeric: [], categoricalEncoding: 'one-hot' },
    });
    expect(hash(oneHot)).toBe(hash(without));
    expect(hash(codesSpec('codes'))).not.toBe(hash(without));
  });

  it('measures drift per column from the code counts', async () => {
    const ds = await loadDataset(loaded(codesSpec('codes')), sources);
    const same = featureDrift(ds.encoder, ds.splits.train.x, ds.splits.train.x);
    expect(same.map((d) => [d.feature, d.kind, d.psi])).toEqual([
      ['colour', 'categorical', 0],
      ['group', 'categorical', 0],
    ]);
    // Every current row moved to colour 'blue' (code 0): colour drifts, group does not.
    const moved = ds.splits.test.x.values.slice();
    for (let r = 0; r < ds.splits.test.x.rows; r++) moved[r * 2] = 0;
    const drift = featureDrift(ds.encoder, ds.splits.train.x, { ...ds.splits.test.x, values: moved });
    expect(drift[0]!.psi).toBeGreaterThan(0.5);
    expect(drift[1]!.psi).toBeLessThan(0.1);
  });
});
