// One error type for bad data and bad specs: it always says where (file, line, column) and how to fix it.

export interface DataErrorLocation {
  /** The file as named in the spec (or the spec file itself). */
  file?: string;
  /** 1-based physical line in the file. */
  line?: number;
  /** Column name as used in the spec. */
  column?: string;
}

export class DataError extends Error {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: string | undefined;
  readonly fix: string | undefined;

  constructor(problem: string, where: DataErrorLocation = {}, fix?: string) {
    const place = [
      where.file !== undefined ? where.file : undefined,
      where.line !== undefined ? `line ${where.line}` : undefined,
      where.column !== undefined ? `column '${where.column}'` : undefined,
    ]
      .filter((p) => p !== undefined)
      .join(', ');
    super(`${place ? `${place}: ` : ''}${problem}${fix ? ` Fix: ${fix}` : ''}`);
    this.name = 'DataError';
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.fix = fix;
  }
}
