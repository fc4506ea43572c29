// Rows from one or more CSV files with the same columns, kept with their origin (file, line).
import type { CsvTable } from './csv.ts';
import { DataError, type DataErrorLocation } from './errors.ts';

export interface PooledTable {
  columns: string[];
  rows: string[][];
  /** Index into `files` of each row's file. */
  fileIndex: Uint16Array;
  /** 1-based physical line of each row. */
  lines: Uint32Array;
  files: string[];
}

export function poolTables(tables: readonly CsvTable[]): PooledTable {
  const first = tables[0];
  if (first === undefined) throw new Error('poolTables: no tables');
  for (const t of tables) {
    if (t.columns.length !== first.columns.length || t.columns.some((c, i) => c !== first.columns[i])) {
      throw new DataError(
        `its columns [${t.columns.join(', ')}] differ from ${first.file}'s [${first.columns.join(', ')}].`,
        { file: t.file },
        'all sources of a data set must have the same columns in the same order.',
      );
    }
  }
  const total = tables.reduce((n, t) => n + t.rows.length, 0);
  const rows: string[][] = [];
  const fileIndex = new Uint16Array(total);
  const lines = new Uint32Array(total);
  let k = 0;
  tables.forEach((t, f) => {
    t.rows.forEach((row, i) => {
      rows.push(row);
      fileIndex[k] = f;
      lines[k] = t.lines[i]!;
      k++;
    });
  });
  return { columns: [...first.columns], rows, fileIndex, lines, files: tables.map((t) => t.file) };
}

/** Where row `row` of the table came from, for errors. */
export function locate(table: PooledTable, row: number, column?: string): DataErrorLocation {
  return {
    file: table.files[table.fileIndex[row]!],
    line: table.lines[row],
    ...(column !== undefined ? { column } : {}),
  };
}

/** Index of `column`, or a DataError listing the available columns. */
export function columnIndex(table: PooledTable, column: string, role: string): number {
  const i = table.columns.indexOf(column);
  if (i < 0) {
    throw new DataError(
      `the ${role} column '${column}' does not exist. The columns are: ${table.columns.join(', ')}.`,
      { file: table.files.join(', '), column },
      'fix the column name in the spec (or dialect.columns).',
    );
  }
  return i;
}
