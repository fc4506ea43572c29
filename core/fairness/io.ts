// A small CSV reader for predictions files (RFC 4180: quoted fields, "" escapes, CRLF or LF, optional
// BOM). Pure text in, columns out; the CLI reads the file. Errors name the line to fix.

export interface CsvTable {
  header: string[];
  /** Data rows, each with header.length fields. */
  rows: string[][];
  /** 1-based file line on which each data row starts. */
  lines: number[];
}

export class CsvError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'CsvError';
  }
}

export function parseCsv(text: string, delimiter = ','): CsvTable {
  const records: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = (): void => {
    fields.push(field);
    // A blank line (one empty field) is skipped.
    if (!(fields.length === 1 && fields[0] === '')) records.push({ fields, line: recordLine });
    fields = [];
    field = '';
  };
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field === '') inQuotes = true;
    else if (ch === delimiter) {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      // The unquoted run up to the next delimiter or line end, taken as one slice rather than a character at a
      // time: predictions files are mostly unquoted numbers, and per-character concatenation made a 16k-row file
      // parse several times slower. A '"' inside the run is literal here, as it was (the field is not empty).
      let end = i + 1;
      while (end < text.length) {
        const next = text[end];
        if (next === delimiter || next === '\n' || next === '\r') break;
        end++;
      }
      field += text.slice(i, end);
      i = end - 1;
    }
  }
  if (inQuotes) throw new CsvError(`line ${recordLine}: a quoted field is not closed`, recordLine);
  if (field !== '' || fields.length > 0) endRecord();
  const [head, ...data] = records;
  if (head === undefined) throw new CsvError('the file is empty (no header row)', 1);
  const header = head.fields.map((h) => h.trim());
  const rows: string[][] = [];
  const lines: number[] = [];
  for (const record of data) {
    if (record.fields.length !== header.length) {
      throw new CsvError(
        `line ${record.line}: ${record.fields.length} fields, but the header has ${header.length}`,
        record.line,
      );
    }
    rows.push(record.fields);
    lines.push(record.line);
  }
  return { header, rows, lines };
}

/**
 * The number grammar of predictions files and numeric flags: a plain decimal, `-?(d+(.d+)?|.d+)(e[+-]?d+)?`.
 * JavaScript's Number() also takes hex (`0x1`), binary, `Infinity`, surrounding spaces and an empty string
 * (as 0), so a mistyped cell would be read as a valid label or score; here those are not numbers.
 * Returns undefined for anything else.
 */
export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

const DECIMAL = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$/;
