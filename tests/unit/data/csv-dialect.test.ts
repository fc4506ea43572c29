import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataError, parseCsv } from '../../../core/data/index.ts';
import { bytes } from './fixtures.ts';

const dialect = { delimiter: ',', quote: '"', trim: true, skipLines: 0, header: true };

describe('CSV dialect', () => {
  it('reads quoted fields with delimiters, doubled quotes and newlines, CRLF, trims, and skips blank lines', () => {
    const t = parseCsv(bytes('a, b ,c\r\n1,"x, ""y""",3\r\n\r\n2,"multi\nline", 4\n'), dialect, 'f.csv');
    expect(t.columns).toEqual(['a', 'b', 'c']);
    expect(t.rows).toEqual([
      ['1', 'x, "y"', '3'],
      ['2', 'multi\nline', '4'],
    ]);
    expect(t.lines).toEqual([2, 4]);
  });

  it("skips banner lines (adult.test's '|1x3 Cross validator') and uses listed column names", () => {
    const t = parseCsv(
      bytes('|1x3 Cross validator\n25, Private, <=50K.\n'),
      { ...dialect, header: false, skipLines: 1, columns: ['age', 'work', 'income'] },
      'adult.test',
    );
    expect(t.rows).toEqual([['25', 'Private', '<=50K.']]);
    expect(t.lines).toEqual([2]);
  });

  it('reads space-delimited files (german.data)', () => {
    const t = parseCsv(
      bytes('A11 6 A34\nA12 48 A32\n'),
      { ...dialect, delimiter: ' ', header: false, columns: ['a', 'b', 'c'] },
      'german.data',
    );
    expect(t.rows[1]).toEqual(['A12', '48', 'A32']);
  });

  it('reads gzip input transparently', () => {
    const t = parseCsv(new Uint8Array(gzipSync(bytes('x,y\n1,2\n'))), dialect, 'f.csv.gz');
    expect(t.rows).toEqual([['1', '2']]);
  });

  it('names file and line when a row has the wrong number of fields', () => {
    expect(() => parseCsv(bytes('x,y\n1,2\n3\n'), dialect, 'f.csv')).toThrow(DataError);
    expect(() => parseCsv(bytes('x,y\n1,2\n3\n'), dialect, 'f.csv')).toThrow(
      /f\.csv, line 3: expected 2 fields, found 1/,
    );
  });
});
