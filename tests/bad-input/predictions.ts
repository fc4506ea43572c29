// Predictions CSVs for `fairshrink evaluate`, and its flags: numbers that are not plain decimals, labels outside
// {0, 1}, scores outside [0, 1], columns that are not there, empty files and bytes that are not UTF-8.
import { evaluateArgv, predictionsCsv, type BadInputCase } from './corpus.ts';

const withCell = (row: number, column: number, value: string) =>
  predictionsCsv((i, f) => (i === row ? f.map((v, k) => (k === column ? value : v)) : f));

const LABEL = 0;
const SCORE = 1;
const SEX = 2;

export const predictionCases: BadInputCase[] = [
  {
    name: 'a hex score',
    argv: evaluateArgv(),
    files: { 'preds.csv': withCell(7, SCORE, '0x1') },
    messages: ['column "score" (--score), row 7', '"0x1" is not a plain decimal number', 'Fix: give probabilities'],
  },
  {
    name: 'a blank label',
    argv: evaluateArgv(),
    files: { 'preds.csv': withCell(3, LABEL, '') },
    messages: [
      'column "label" (--label), row 3',
      'empty is not a plain decimal number',
      'Fix: encode the label as 0 or 1',
    ],
  },
  {
    name: 'a label of 2',
    argv: evaluateArgv(),
    files: { 'preds.csv': withCell(12, LABEL, '2') },
    messages: ['column "label" (--label), row 12', '"2" is not 0 or 1'],
  },
  {
    name: 'a label written yes',
    argv: evaluateArgv(),
    files: { 'preds.csv': withCell(12, LABEL, 'yes') },
    messages: ['column "label" (--label), row 12', '"yes" is not a plain decimal number'],
  },
  {
    name: 'a score of 1.5',
    argv: evaluateArgv(),
    files: { 'preds.csv': withCell(20, SCORE, '1.5') },
    messages: ['column "score" (--score), row 20', '"1.5" is not a probability in [0, 1]', 'apply a sigmoid'],
  },
  {
    name: 'a negative score',
    argv: evaluateArgv(),
    files: { 'preds.csv': withCell(21, SCORE, '-0.1') },
    messages: ['column "score" (--score), row 21', 'is not a probability in [0, 1]'],
  },
  {
    name: 'a blank group label',
    argv: evaluateArgv(),
    files: { 'preds.csv': withCell(30, SEX, '') },
    messages: ['column "sex" (--sensitive), row 30', 'empty group label', 'Fix: fill it in'],
  },
  {
    name: 'the group column is missing',
    argv: evaluateArgv({ sensitive: 'race' }),
    messages: ['--sensitive: column "race" is not in', 'columns: label, score, sex', 'Fix: pass --sensitive'],
  },
  {
    name: 'the score column is missing',
    argv: evaluateArgv({ score: 'p' }),
    messages: ['--score: column "p" is not in', 'Fix: pass --score'],
  },
  {
    name: 'an empty predictions file',
    argv: evaluateArgv(),
    files: { 'preds.csv': '' },
    messages: ['--data: ', 'preds.csv is empty', 'Fix: write a header row'],
  },
  {
    name: 'a header and no rows',
    argv: evaluateArgv(),
    files: { 'preds.csv': 'label,score,sex\n' },
    messages: ['--data: ', 'has a header but no rows'],
  },
  {
    name: 'a row with a field too many',
    argv: evaluateArgv(),
    files: { 'preds.csv': predictionsCsv((i, f) => (i === 9 ? [...f, 'extra'] : f)) },
    messages: ['--data: ', 'Fix: check quoting and the number of fields'],
  },
  {
    name: 'a Latin-1 group name',
    argv: evaluateArgv(),
    files: {
      'preds.csv': Uint8Array.from([
        ...new TextEncoder().encode('label,score,sex\n1,0.5,f'),
        0xe9,
        ...new TextEncoder().encode('male\n0,0.2,male\n'),
      ]),
    },
    messages: ['--data: ', 'preds.csv', 'line 2', 'is not UTF-8'],
  },
  {
    name: 'the data file does not exist',
    argv: evaluateArgv({ data: '{dir}/missing.csv' }),
    messages: ['--data: cannot read', 'missing.csv', 'Fix: check the path'],
  },
  {
    name: '--threshold 2',
    argv: evaluateArgv({ threshold: '2' }),
    messages: ['--threshold: "2" is not a number in [0, 1]', 'Fix: e.g. --threshold 0.5'],
  },
  {
    name: '--bootstrap 2.5',
    argv: evaluateArgv({ bootstrap: '2.5' }),
    messages: ['--bootstrap: "2.5" is not an integer ≥ 0', 'Fix: e.g. --bootstrap 1000'],
  },
  {
    name: '--threads 0',
    argv: evaluateArgv({ threads: '0' }),
    messages: ['--threads: "0" is not an integer from 1 to 64', 'Fix: e.g. --threads '],
  },
  {
    name: '--ci-method unknown',
    argv: evaluateArgv({ 'ci-method': 'bayes' }),
    messages: ['--ci-method: "bayes" is not a CI method', 'Fix: use percentile, bias-corrected, simultaneous'],
  },
  {
    name: '--privileged without a group',
    argv: evaluateArgv({ privileged: 'sex' }),
    messages: ['--privileged: "sex" is not attribute=group', 'Fix: e.g. --privileged sex=Male'],
  },
  {
    name: '--min-group-size 0',
    argv: evaluateArgv({ 'min-group-size': '0' }),
    messages: ['--min-group-size: "0" is not an integer ≥ 1'],
  },
];
