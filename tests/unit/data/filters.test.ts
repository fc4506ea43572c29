import { describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../core/data/batch.ts';
import {
  applyFilter,
  DataError,
  loadDataset,
  parseCsv,
  parseDatasetSpec,
  type FilterPredicate,
} from '../../../core/data/index.ts';
import { poolTables } from '../../../core/data/table.ts';
import { bytes, tinyCsv, tinySpec } from './fixtures.ts';

// Eight people, built so each predicate keeps a different, hand-checkable set of ids.
const PEOPLE = `id,days,recid,degree,score
1,-31,0,F,Low
2,-30,1,F,High
3,0,-1,M,Medium
4,30,1.0,O,N/A
5,31,0,M,Low
6,,1,F,Low
7,12,0,,High
8,-5,,M,Low
`;

const table = poolTables([
  parseCsv(bytes(PEOPLE), { delimiter: ',', quote: '"', trim: true, skipLines: 0, header: true }, 'people.csv'),
]);
const ids = (filter: FilterPredicate) =>
  applyFilter(filter, table, [''], Array.from(table.rows.keys())).kept.map((r) => Number(table.rows[r]![0]));

describe('filter predicates', () => {
  it('range: inclusive bounds on the numeric value; a missing value is outside every range', () => {
    expect(ids({ column: 'days', range: { min: -30, max: 30 } })).toEqual([2, 3, 4, 7, 8]);
    expect(ids({ column: 'days', range: { min: 0 } })).toEqual([3, 4, 5, 7]);
    expect(ids({ column: 'days', range: { max: -30 } })).toEqual([1, 2]);
  });

  it('range: a field that is neither a number nor missing is an error naming the file, line and column', () => {
    expect(() => ids({ column: 'degree', range: { min: 0 } })).toThrow(DataError);
    expect(() => ids({ column: 'degree', range: { min: 0 } })).toThrow(/people\.csv, line 2, column 'degree'/);
  });

  it('in: text compares exactly, numbers numerically ("1.0" is 1)', () => {
    expect(ids({ column: 'score', in: ['Low', 'High'] })).toEqual([1, 2, 5, 6, 7, 8]);
    expect(ids({ column: 'recid', in: [1] })).toEqual([2, 4, 6]);
    expect(ids({ column: 'recid', in: ['1'] })).toEqual([2, 6]);
  });

  it('notIn: keeps present values outside the list; a missing value is not kept', () => {
    expect(ids({ column: 'recid', notIn: [-1] })).toEqual([1, 2, 4, 5, 6, 7]);
    expect(ids({ column: 'degree', notIn: ['O'] })).toEqual([1, 2, 3, 5, 6, 8]);
  });

  it('equals: one value, text or number', () => {
    expect(ids({ column: 'degree', equals: 'M' })).toEqual([3, 5, 8]);
    expect(ids({ column: 'days', equals: 0 })).toEqual([3]);
  });

  it('notMissing: keeps rows whose value is not a missing token', () => {
    expect(ids({ column: 'days', notMissing: true })).toEqual([1, 2, 3, 4, 5, 7, 8]);
    expect(ids({ column: 'degree', notMissing: true })).toEqual([1, 2, 3, 4, 5, 6, 8]);
  });

  it('all / any combine predicates, nested', () => {
    expect(
      ids({
        all: [
          { column: 'days', range: { min: -30, max: 30 } },
          {
            any: [
              { column: 'degree', equals: 'M' },
              { column: 'score', equals: 'High' },
            ],
          },
        ],
      }),
    ).toEqual([2, 3, 7, 8]);
    expect(
      ids({
        any: [
          { column: 'id', equals: 1 },
          { column: 'id', equals: 8 },
        ],
      }),
    ).toEqual([1, 8]);
  });

  it('a top-level all counts rows in and out per predicate, in order', () => {
    const { counts } = applyFilter(
      {
        all: [
          { column: 'days', range: { min: -30, max: 30 } },
          { column: 'recid', notIn: [-1] },
          { column: 'degree', notIn: ['O'] },
          { column: 'score', notIn: ['N/A'] },
        ],
      },
      table,
      [''],
      Array.from(table.rows.keys()),
    );
    expect(counts).toEqual([
      { predicate: 'days in [-30, 30]', rowsIn: 8, rowsOut: 5 },
      { predicate: 'recid not in {-1}', rowsIn: 5, rowsOut: 3 },
      // Person 7's degree is missing: not kept by notIn either.
      { predicate: "degree not in {'O'}", rowsIn: 3, rowsOut: 1 },
      { predicate: "score not in {'N/A'}", rowsIn: 1, rowsOut: 1 },
    ]);
  });

  it('a filter on a column that does not exist is an error listing the columns', () => {
    expect(() => ids({ column: 'dayz', notMissing: true })).toThrow(
      /the filter column 'dayz' does not exist\. The columns are: id, days, recid, degree, score/,
    );
  });

  it('the spec schema rejects a range without bounds, min above max, and unknown predicate keys', () => {
    const spec = (filter: unknown) => ({ ...tinySpec(), filter });
    expect(() => parseDatasetSpec(spec({ column: 'age', range: {} }))).toThrow(/invalid dataset spec: filter/);
    expect(() => parseDatasetSpec(spec({ column: 'age', range: { min: 5, max: 1 } }))).toThrow(/filter/);
    expect(() => parseDatasetSpec(spec({ column: 'age', between: [1, 2] }))).toThrow(/filter/);
  });
});

describe('filters in a loaded data set', () => {
  const load = (filter?: FilterPredicate) =>
    loadDataset(
      { spec: parseDatasetSpec({ ...tinySpec(), ...(filter ? { filter } : {}) }), baseDir: '/nonexistent' },
      { sourceBytes: { 'tiny.csv': bytes(tinyCsv(60)) } },
    );

  it('runs before the split, counts in stats, and is part of the spec hash (the raw hash stays)', async () => {
    const plain = await load();
    const filtered = await load({ column: 'age', range: { max: 59 } });
    expect(plain.stats).toEqual({ parsedRows: 60, droppedRows: 0 });
    expect(filtered.stats).toEqual({
      parsedRows: 60,
      droppedRows: 20,
      filter: [{ predicate: 'age <= 59', rowsIn: 60, rowsOut: 40 }],
    });
    const kept = ['train', 'validation', 'test'] as const;
    expect(kept.reduce((n, s) => n + filtered.splits[s].x.rows, 0)).toBe(40);
    // Only rows 0-39 (age 20-59) can appear in any split.
    expect(Math.max(...kept.flatMap((s) => Array.from(filtered.splits[s].rowIds)))).toBe(39);
    expect(filtered.rawSha256).toBe(plain.rawSha256);
    expect(filtered.specSha256).not.toBe(plain.specSha256);
    expect(filtered.datasetId).not.toBe(plain.datasetId);
  });

  it('a filter that keeps nothing names the step that removed the last rows', async () => {
    await expect(
      load({
        all: [
          { column: 'age', range: { max: 30 } },
          { column: 'colour', equals: 'purple' },
        ],
      }),
    ).rejects.toThrow(/the filter keeps no rows: 'colour = 'purple'' removed the last 11/);
  });

  it('audit batches go through the same filter: filtered rows count as dropped; none left is an error', async () => {
    const ds = await load({ column: 'age', range: { max: 59 } });
    const batch = encodeBatch(ds, bytes(tinyCsv(60)), 'batch.csv');
    expect([batch.rows, batch.droppedRows]).toEqual([40, 20]);
    const old = `id,colour,size,group,age,outcome\n1,red,1.5,a,70,yes\n2,blue,3.0,b,71,no\n`;
    expect(() => encodeBatch(ds, bytes(old), 'old.csv')).toThrow(
      /old\.csv: the data set's filter keeps none of the batch's 2 rows \(age <= 59: 2 -> 0\)/,
    );
  });
});
