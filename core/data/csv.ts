// A small CSV reader for the dialects public tabular data sets use: any one-character delimiter
// (',' for Adult and Communities, ' ' for German credit), optional RFC 4180 quoting, CRLF or LF,
// banner lines to skip, blank lines ignored, fields trimmed. Every row keeps its physical line
// number so later errors can point at it.
import { gunzipSync } from 'node:zlib';
import { DataError } from './errors.ts';

export interface CsvDialect {
  delimiter: string;
  quote: string;
  trim: boolean;
  /** Lines to skip before anything else (e.g. adult.test's `|1x3 Cross validator` banner). */
  skipLines: number;
  /** First (non-skipped) line holds the column names. */
  header: boolean;
  /** Column names; required without a header, overrides the header names when given with one. */
  columns?: readonly string[];
}

export interface CsvTable {
  file: string;
  columns: string[];
  rows: string[][];
  /** 1-based physical line of each row. */
  lines: number[];
}

/**
 * Decompresses gzip input (detected by its magic bytes 1f 8b, RFC 1952) and leaves other bytes alone. A truncated or
 * corrupt stream is a DataError naming `file`.
 */
export function maybeGunzip(bytes: Uint8Array, file = 'data'): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return new Uint8Array(gunzipSync(bytes));
  } catch (err) {
    throw new DataError(
      `the file starts as gzip (bytes 1f 8b) but does not decompress: ${(err as Error).message}.`,
      { file },
      'compress the file again with gzip, or save it uncompressed.',
    );
  }
}

/**
 * The length of the valid UTF-8 sequence at `i` (1–4 bytes), or 0 when the bytes there are not UTF-8: the well-formed
 * byte sequences of the Unicode Standard, ch. 3, table 3-7 (no overlong forms, no surrogates, nothing past U+10FFFF).
 */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < bytes.length && bytes[i + k]! >= lo && bytes[i + k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const [lo, hi] = b0 === 0xe0 ? [0xa0, 0xbf] : b0 === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const [lo, hi] = b0 === 0xf0 ? [0x90, 0xbf] : b0 === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/**
 * Decodes UTF-8 strictly (a leading BOM is dropped). A byte that is not UTF-8 (Latin-1 or Windows-1252 text, a
 * binary file) is an error naming its line, never a silent U+FFFD: a replaced character would merge distinct group
 * or category names.
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    let line = 1;
    let i = 0;
    while (i < bytes.length) {
      const n = utf8SequenceLength(bytes, i);
      if (n === 0) break;
      if (bytes[i] === 0x0a) line++;
      i += n;
    }
    const byte = (bytes[i] ?? 0).toString(16).padStart(2, '0');
    throw new DataError(
      `byte 0x${byte} at offset ${i} is not UTF-8.`,
      { file, line },
      'save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`).',
    );
  }
}

/** Splits text into records (arrays of fields) with the physical line each record starts on. */
function* records(text: string, dialect: CsvDialect, file: string): Generator<{ fields: string[]; line: number }> {
  const { delimiter, quote } = dialect;
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let inQuotes = false;
    let quoted = false;
    for (;;) {
      if (i >= n) {
        if (inQuotes)
          throw new DataError(
            `a quoted field opened on line ${startLine} is never closed.`,
            { file, line: startLine },
            `close the ${quote} or set the dialect's quote character.`,
          );
        fields.push(field);
        break;
      }
      const ch = text[i]!;
      if (inQuotes) {
        if (ch === quote) {
          if (text[i + 1] === quote) {
            field += quote;
            i += 2;
          } else {
            inQuotes = false;
            i++;
          }
        } else {
          if (ch === '\n') line++;
          field += ch;
          i++;
        }
        continue;
      }
      if (ch === quote && field.trim() === '' && !quoted) {
        inQuotes = true;
        quoted = true;
        field = '';
        i++;
      } else if (ch === delimiter) {
        fields.push(field);
        field = '';
        quoted = false;
        i++;
      } else if (ch === '\n' || ch === '\r') {
        fields.push(field);
        i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line++;
        break;
      } else {
        field += ch;
        i++;
      }
    }
    yield { fields, line: startLine };
  }
}

/**
 * Header names made unique (docs/datasets.md#repeated-header-names): the first occurrence keeps its name, the k-th
 * becomes `<name>_<k>` (COMPAS's second `decile_score` is `decile_score_2`), skipping any name the header already
 * has. List dialect.columns to name them yourself.
 */
export function uniqueColumnNames(names: readonly string[]): string[] {
  const taken = new Set(names);
  const seen = new Map<string, number>();
  return names.map((name) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    if (count === 1) return name;
    let k = count;
    while (taken.has(`${name}_${k}`)) k++;
    const renamed = `${name}_${k}`;
    taken.add(renamed);
    return renamed;
  });
}

/** Parses CSV bytes (gzip allowed) into a table. `file` names the source in errors. */
export function parseCsv(bytes: Uint8Array, dialect: CsvDialect, file: string): CsvTable {
  if (dialect.delimiter.length !== 1)
    throw new DataError(`the delimiter must be one character, got '${dialect.delimiter}'.`, { file });
  const text = decodeUtf8(maybeGunzip(bytes, file), file);
  let columns = dialect.columns ? [...dialect.columns] : undefined;
  const rows: string[][] = [];
  const lines: number[] = [];
  let headerSeen = !dialect.header;
  for (const { fields, line } of records(text, dialect, file)) {
    if (line <= dialect.skipLines) continue;
    const values = dialect.trim ? fields.map((f) => f.trim()) : fields;
    if (values.length === 1 && values[0] === '') continue; // blank line
    if (!headerSeen) {
      headerSeen = true;
      if (columns === undefined) columns = uniqueColumnNames(values);
      else if (columns.length !== values.length) {
        throw new DataError(
          `the header has ${values.length} fields but the spec lists ${columns.length} columns.`,
          { file, line },
          'make dialect.columns match the file or drop it to use the header names.',
        );
      }
      continue;
    }
    if (columns === undefined)
      throw new DataError(
        'the file has no header and the spec gives no column names.',
        { file },
        'set dialect.columns or dialect.header: true.',
      );
    if (values.length !== columns.length) {
      throw new DataError(
        `expected ${columns.length} fields, found ${values.length}.`,
        { file, line },
        `check the delimiter ('${dialect.delimiter}') and quoting, or fix the row.`,
      );
    }
    rows.push(values);
    lines.push(line);
  }
  if (columns === undefined) throw new DataError('the file is empty.', { file });
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c))
      throw new DataError(
        `column name '${c}' appears twice.`,
        { file },
        'give every column a unique name in dialect.columns.',
      );
    seen.add(c);
  }
  return { file, columns, rows, lines };
}
