// Data files (data.csv): bytes that are not UTF-8, missing and non-numeric values (past the dry run's 2,000-row
// sample as well as inside it), wrong columns, empty files, repeated headers, broken quoting and gzip.
import { gzipSync } from 'node:zlib';
import { BASE_HEADER, dataCsv, LATE_ROW, RUN, type BadInputCase } from './corpus.ts';

/** The base data with row `row`'s field `column` replaced. */
const withValue = (row: number, column: string, value: string) =>
  dataCsv((i, fields) => (i === row ? fields.map((f, k) => (BASE_HEADER[k] === column ? value : f)) : fields));

/** The base data's bytes with `bytes` spliced in at the start of data row `row`. */
function withBytes(row: number, bytes: number[]): Uint8Array {
  const text = dataCsv();
  let offset = 0;
  for (let line = 0; line < row; line++) offset = text.indexOf('\n', offset) + 1;
  const encoded = new TextEncoder().encode(text);
  return Uint8Array.from([...encoded.subarray(0, offset), ...bytes, ...encoded.subarray(offset)]);
}

const line = (row: number) => `line ${row + 1}`;

export const dataFileCases: BadInputCase[] = [
  {
    name: 'a Latin-1 byte past the sample',
    argv: RUN,
    files: { 'data.csv': withBytes(LATE_ROW, [0xe9]) },
    messages: ['data.csv', line(LATE_ROW), 'byte 0xe9', 'is not UTF-8', 'save the file as UTF-8'],
  },
  {
    name: 'a Latin-1 byte in the header',
    argv: RUN,
    files: { 'data.csv': withBytes(0, [0x41, 0xe9, 0x2c]) },
    messages: ['data.csv', 'line 1', 'is not UTF-8'],
  },
  {
    name: 'a UTF-16 file',
    argv: RUN,
    files: { 'data.csv': Uint8Array.from([0xff, 0xfe, 0x61, 0x00, 0x67, 0x00]) },
    messages: ['data.csv', 'byte 0xff', 'is not UTF-8'],
  },
  {
    name: 'a truncated multi-byte character',
    argv: RUN,
    files: { 'data.csv': withBytes(10, [0xe2, 0x82]) },
    messages: ['data.csv', line(10), 'byte 0xe2', 'is not UTF-8'],
  },
  {
    name: 'a non-numeric value past the sample',
    argv: RUN,
    files: { 'data.csv': withValue(LATE_ROW, 'age', 'forty') },
    messages: [line(LATE_ROW), "column 'age'", "'forty' is not a number", 'Fix: fix the value'],
  },
  {
    name: 'a non-numeric value inside the sample',
    argv: RUN,
    files: { 'data.csv': withValue(5, 'hours', 'n/a') },
    messages: [line(5), "column 'hours'", "'n/a' is not a number"],
  },
  {
    name: 'a hex number',
    argv: RUN,
    files: { 'data.csv': withValue(LATE_ROW, 'age', '0x1F') },
    messages: [line(LATE_ROW), "'0x1F' is not a number"],
  },
  {
    name: 'NaN as a number',
    argv: RUN,
    files: { 'data.csv': withValue(LATE_ROW, 'hours', 'NaN') },
    messages: [line(LATE_ROW), "'NaN' is not a number"],
  },
  {
    name: 'a missing numeric value past the sample',
    argv: RUN,
    files: { 'data.csv': withValue(LATE_ROW, 'hours', '') },
    messages: [line(LATE_ROW), "column 'hours'", 'the numeric feature is missing', 'features.numericMissing: mean'],
  },
  {
    name: 'a missing label past the sample',
    argv: RUN,
    files: { 'data.csv': withValue(LATE_ROW, 'income', '') },
    messages: [line(LATE_ROW), "column 'income'", 'the label is missing', 'drop.missingIn'],
  },
  {
    name: 'a label that is neither positive nor negative past the sample',
    argv: RUN,
    files: { 'data.csv': withValue(LATE_ROW, 'income', '>50K.') },
    messages: [line(LATE_ROW), "label '>50K.' is neither positive", 'stripTrailingPeriod'],
  },
  {
    name: 'a missing sensitive value past the sample',
    argv: RUN,
    files: { 'data.csv': withValue(LATE_ROW, 'sex', '') },
    messages: [line(LATE_ROW), "the sensitive attribute 'sex' is missing", "add 'sex' to drop.missingIn"],
  },
  {
    name: 'a row with a field too few',
    argv: RUN,
    files: { 'data.csv': dataCsv((i, f) => (i === LATE_ROW ? f.slice(1) : f)) },
    messages: [line(LATE_ROW), 'expected 6 fields, found 5', 'check the delimiter'],
  },
  {
    name: 'columns renamed in the header',
    argv: RUN,
    files: { 'data.csv': dataCsv().replace('income', 'salary') },
    messages: [
      'dataset.label.column',
      'column "income" is not in the data',
      'age, hours, workclass, sex, race, salary',
    ],
  },
  {
    name: 'an empty file',
    argv: RUN,
    files: { 'data.csv': '' },
    messages: ['data.csv', 'the file is empty'],
  },
  {
    name: 'a header and no rows',
    argv: RUN,
    files: { 'data.csv': `${BASE_HEADER.join(',')}\n` },
    messages: ['data.csv has a header but no data rows; add the rows'],
  },
  {
    name: 'the header repeated as a row (two files concatenated)',
    argv: RUN,
    files: { 'data.csv': dataCsv((i, f) => (i === LATE_ROW ? BASE_HEADER : f)) },
    messages: [line(LATE_ROW), "label 'income' is neither positive"],
  },
  {
    name: 'a column name twice in the header',
    argv: RUN,
    files: { 'data.yaml': repeatedColumnSpec() },
    messages: ["column name 'age' appears twice", 'dialect.columns'],
  },
  {
    name: 'a quote that is never closed',
    argv: RUN,
    files: { 'data.csv': dataCsv((i, f) => (i === LATE_ROW ? ['"40', ...f.slice(1)] : f)) },
    messages: ['data.csv', 'is never closed', 'close the "'],
  },
  {
    name: 'gzip magic bytes with a broken stream',
    argv: RUN,
    files: { 'data.csv': Uint8Array.from([...gzipSync(dataCsv()).subarray(0, 40)]) },
    messages: ['data.csv', 'gzip', 'compress the file again'],
  },
];

/** A spec that names the columns itself, naming one twice. */
function repeatedColumnSpec(): string {
  return [
    'name: corpus',
    'sources: [{ path: data.csv }]',
    'dialect: { columns: [age, age, workclass, sex, race, income] }',
    "label: { column: income, positive: ['>50K'], negative: ['<=50K'] }",
    'sensitive: [{ name: sex, column: sex }, { name: race, column: race }]',
    'features: { categorical: [workclass], numeric: [age] }',
    'split: { kind: stratified, fractions: { train: 0.6, validation: 0.2, test: 0.2 }, seed: 1 }',
    '',
  ].join('\n');
}
