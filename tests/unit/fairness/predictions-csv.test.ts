// The predictions CSV reader: quoting, line endings, BOM, and errors that name the line.
import { describe, expect, it } from 'vitest';
import { CsvError, parseCsv, parseDecimal } from '../../../core/fairness/io.ts';

describe('parseCsv', () => {
  it('reads quoted fields with commas, escaped quotes and newlines; CRLF; BOM', () => {
    const t = parseCsv('\ufeffid,"na,me",note\r\n1,"a ""b""",x\r\n2,"multi\nline",y\r\n\r\n');
    expect(t.header).toEqual(['id', 'na,me', 'note']);
    expect(t.rows).toEqual([
      ['1', 'a "b"', 'x'],
      ['2', 'multi\nline', 'y'],
    ]);
    expect(t.lines).toEqual([2, 3]);
  });
  it('keeps a quote inside an unquoted field, and text after a closing quote, as part of the field', () => {
    expect(parseCsv('a,b\nx"y,"q"r\n').rows).toEqual([['x"y', 'qr']]);
    expect(parseCsv('a\tb\n1\t"2\t3"\n', '\t').rows).toEqual([['1', '2\t3']]);
  });
  it('accepts a last line without a newline', () => {
    expect(parseCsv('a,b\n1,2').rows).toEqual([['1', '2']]);
  });
  it('names the line of a ragged row or an unclosed quote', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n')).toThrow(new CsvError('line 3: 1 fields, but the header has 2', 3));
    expect(() => parseCsv('a,b\n1,"2\n')).toThrow(/line 2: a quoted field is not closed/);
    expect(() => parseCsv('')).toThrow(/empty/);
  });
});

describe('parseDecimal', () => {
  it('reads plain decimals, with a leading minus, a fraction and an exponent', () => {
    expect(['0', '1', '1.0', '0.25', '.5', '-0.5', '1e-3', '2.5E+2'].map(parseDecimal)).toEqual([
      0, 1, 1, 0.25, 0.5, -0.5, 0.001, 250,
    ]);
  });
  it('rejects what Number() would read: hex, binary, spaces, empty, signs, Infinity, NaN, overflow', () => {
    for (const text of ['0x1', '0b1', '0o7', ' 0.5', '0.5 ', '', ' ', '+1', '1.', 'Infinity', 'NaN', '1e999', '1_0'])
      expect(parseDecimal(text), JSON.stringify(text)).toBeUndefined();
  });
});
