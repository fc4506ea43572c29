// A monitoring batch is encoded exactly like the data set's own rows, and bad batches name file, line and column.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../core/data/batch.ts';
import { DataError, loadDataset, type EncodedDataset } from '../../../core/data/index.ts';
import { ensureDatasetFile } from '../../../infra/datasets.ts';
import { bytes, loaded, tinyCsv, tinySpec } from './fixtures.ts';

const HEADER = 'id,colour,size,group,age,outcome';

function batchFailure(dataset: EncodedDataset, csv: string): DataError {
  try {
    encodeBatch(dataset, bytes(csv), 'batch.csv');
  } catch (err) {
    if (err instanceof DataError) return err;
    throw err;
  }
  throw new Error('expected a DataError');
}

describe('encodeBatch: the data set encoding of new rows', () => {
  it("German credit: the test split's rows, as a batch, encode to the test split exactly", async () => {
    const ds = await loadDataset('examples/datasets/german-credit.yaml');
    // german.data has no header and no blank lines: parsed row i is line i + 1.
    const lines = readFileSync(await ensureDatasetFile('german-credit', 'german.data'), 'utf8').split('\n');
    const test = ds.splits.test;
    const csv = Array.from(test.rowIds, (id) => lines[id]!).join('\n') + '\n';
    const batch = encodeBatch(ds, bytes(csv), 'german-batch.data');
    expect(batch.rows).toBe(test.x.rows);
    expect(batch.droppedRows).toBe(0);
    expect(batch.x.cols).toBe(test.x.cols);
    expect(batch.x.values).toEqual(test.x.values);
    expect(batch.y).toEqual(test.y);
    expect(Object.keys(batch.groups)).toEqual(['sex', 'age_group']);
    expect(batch.groups.sex).toEqual(test.groups.sex);
    expect(batch.groups.age_group).toEqual(test.groups.age_group);
    // Gzip input is read the same way.
    expect(encodeBatch(ds, new Uint8Array(gzipSync(bytes(csv))), 'german-batch.data.gz').x.values).toEqual(
      test.x.values,
    );
  });

  it("applies the data set's drop rules, and sends unseen categories to the <unseen> column", async () => {
    const spec = tinySpec({ dialect: { missing: ['', '?'] }, drop: { missingIn: ['colour'] } });
    const ds = await loadDataset(loaded(spec), { sourceBytes: { 'tiny.csv': bytes(tinyCsv()) } });
    const batch = encodeBatch(
      ds,
      bytes(`${HEADER}\n1,?,1.5,b,21,yes\n2,purple,3.0,a,22,no\n3,red,4.5,b,23,no\n`),
      'batch.csv',
    );
    expect(batch.rows).toBe(2);
    expect(batch.droppedRows).toBe(1);
    expect(ds.featureNames.slice(0, 4)).toEqual(['colour=blue', 'colour=green', 'colour=red', 'colour=<unseen>']);
    expect(Array.from(batch.x.values.subarray(0, 4))).toEqual([0, 0, 0, 1]);
    expect(Array.from(batch.x.values.subarray(batch.x.cols, batch.x.cols + 4))).toEqual([0, 0, 1, 0]);
    expect(batch.y).toEqual(Uint8Array.from([0, 0]));
    expect(ds.sensitive[0]!.groups).toEqual(['a', 'b']);
    expect(batch.groups.group).toEqual(Uint16Array.from([0, 1]));
  });
});

describe('encodeBatch: bad batches name file, line and column, with a fix', () => {
  const tiny = () => loadDataset(loaded(tinySpec()), { sourceBytes: { 'tiny.csv': bytes(tinyCsv()) } });

  it('a column the data set uses is missing', async () => {
    const err = batchFailure(await tiny(), 'id,colour,size,group,outcome\n1,red,1.5,a,yes\n');
    expect(err).toMatchObject({ file: 'batch.csv', column: 'age' });
    expect(err.message).toMatch(
      /the batch has no column 'age', which data set 'tiny' uses\. The batch's columns are: id, colour, size, group, outcome/,
    );
    expect(err.fix).toMatch(/columns of the data set's sources/);
  });

  it('a label outside the spec', async () => {
    const err = batchFailure(await tiny(), `${HEADER}\n1,red,1.5,a,21,yes\n2,red,3.0,b,22,maybe\n`);
    expect(err).toMatchObject({ file: 'batch.csv', line: 3, column: 'outcome' });
    expect(err.message).toMatch(/label 'maybe' is neither positive \[yes\] nor negative \[no\]/);
  });

  it('a group the data set never saw, at its first row, with the count', async () => {
    const err = batchFailure(await tiny(), `${HEADER}\n1,red,1.5,a,21,yes\n2,red,3.0,c,22,no\n3,red,4.5,c,23,no\n`);
    expect(err).toMatchObject({ file: 'batch.csv', line: 3, column: 'group' });
    expect(err.message).toMatch(
      /group 'c' of sensitive attribute 'group' is not among the data set's groups \[a, b\] \(2 rows of the batch; unseen: c\)/,
    );
    expect(err.fix).toMatch(/remove those rows|derive\.map/);
  });

  it('an empty batch, and a batch whose every row is dropped', async () => {
    const empty = batchFailure(await tiny(), `${HEADER}\n`);
    expect(empty).toMatchObject({ file: 'batch.csv' });
    expect(empty.message).toMatch(/the batch has no data rows/);

    const spec = tinySpec({ dialect: { missing: ['', '?'] }, drop: { missingIn: ['colour'] } });
    const ds = await loadDataset(loaded(spec), { sourceBytes: { 'tiny.csv': bytes(tinyCsv()) } });
    const dropped = batchFailure(ds, `${HEADER}\n1,?,1.5,a,21,yes\n`);
    expect(dropped).toMatchObject({ file: 'batch.csv', line: 2 });
    expect(dropped.message).toMatch(/all 1 rows are dropped: each has a missing value \('', '\?'\) in colour/);
  });

  it('German credit (no header): a short row, and a personal status outside the group map', async () => {
    const ds = await loadDataset('examples/datasets/german-credit.yaml');
    const good = 'A11 6 A34 A43 1169 A65 A75 4 A93 A101 4 A121 67 A143 A152 2 A173 1 A192 A201 1';
    const short = batchFailure(ds, `${good}\n${good.replace(' A201 1', ' 1')}\n`);
    expect(short).toMatchObject({ file: 'batch.csv', line: 2 });
    expect(short.message).toMatch(/expected 21 fields, found 20/);
    const unmapped = batchFailure(ds, `${good}\n${good}\n${good.replace('A93', 'A96')}\n`);
    expect(unmapped).toMatchObject({ file: 'batch.csv', line: 3, column: 'personal_status' });
    expect(unmapped.message).toMatch(/value 'A96' is not in the group map/);
  });
});
