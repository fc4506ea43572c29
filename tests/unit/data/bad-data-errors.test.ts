import { describe, expect, it } from 'vitest';
import { DataError, loadDataset } from '../../../core/data/index.ts';
import { bytes, loaded, tinyCsv, tinySpec } from './fixtures.ts';

async function failure(csv: string, spec = tinySpec()): Promise<DataError> {
  try {
    await loadDataset(loaded(spec), { sourceBytes: { 'tiny.csv': bytes(csv) } });
  } catch (err) {
    if (err instanceof DataError) return err;
    throw err;
  }
  throw new Error('expected a DataError');
}

describe('bad data gets file, line, column and a fix', () => {
  it('missing column', async () => {
    const err = await failure(tinyCsv(), tinySpec({ features: { categorical: ['color'], numeric: ['size'] } }));
    expect(err).toMatchObject({ file: 'tiny.csv', column: 'color' });
    expect(err.message).toMatch(/'color' does not exist\. The columns are: id, colour/);
  });

  it('unparseable number', async () => {
    const err = await failure(tinyCsv().replace('\n3,red,4.5,', '\n3,red,4.5x,'));
    expect(err).toMatchObject({ file: 'tiny.csv', line: 5, column: 'size' });
    expect(err.message).toMatch(/'4\.5x' is not a number/);
  });

  it('label outside the spec', async () => {
    const err = await failure(tinyCsv().replace('\n2,blue,3.0,a,22,no', '\n2,blue,3.0,a,22,maybe'));
    expect(err).toMatchObject({ file: 'tiny.csv', line: 4, column: 'outcome' });
    expect(err.message).toMatch(/label 'maybe' is neither positive \[yes\] nor negative \[no\]/);
  });

  it('label with a trailing period suggests stripTrailingPeriod', async () => {
    const err = await failure(tinyCsv().replace('\n2,blue,3.0,a,22,no', '\n2,blue,3.0,a,22,no.'));
    expect(err.fix).toMatch(/stripTrailingPeriod/);
  });

  it('a group left empty after the split', async () => {
    // One row of group 'c': it can only land in one split.
    const err = await failure(tinyCsv().replace('\n5,blue,7.5,b,', '\n5,blue,7.5,c,'));
    expect(err).toMatchObject({ file: 'tiny.csv', column: 'group' });
    expect(err.message).toMatch(/group 'c' of sensitive attribute 'group' has no rows in the (validation|test) split/);
  });

  it('a missing numeric value that is neither dropped nor imputed', async () => {
    const err = await failure(tinyCsv().replace('\n1,green,1.5,', '\n1,green,,'));
    expect(err).toMatchObject({ line: 3, column: 'size' });
    expect(err.fix).toMatch(/drop\.missingIn|numericMissing/);
  });

  it('an invalid spec names the field', () => {
    const bad = tinySpec({ split: { kind: 'stratified', fractions: { train: 0.5, validation: 0.3, test: 0.3 } } });
    expect(() => loaded(bad)).toThrow(/split\.fractions: fractions must sum to 1/);
    expect(() => loaded(tinySpec({ label: { column: 'outcome' } }))).toThrow(/label: give exactly one of `positive`/);
  });
});
