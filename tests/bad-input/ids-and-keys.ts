// Campaign ids, deployment names, storage prefixes and batch files that would reach S3 keys or Temporal ids:
// traversal, spaces, slashes, non-ASCII letters; and monitoring batches that do not fit the deployment's data set.
import { BASE_HEADER, dataCsv, type BadInputCase } from './corpus.ts';

const NOT_AN_ID = 'is not a campaign id: use letters, digits, ".", "_" and "-"';
const REVIEW = ['approve', '--reviewer', 'ana', '--reason', 'corpus'];
const ADD_BATCH = ['monitor', 'add-batch', '{deployment}', '{dir}/batch.csv'];
const DOES_NOT_FIT = 'the batch does not fit deployment {deployment}';
const NOTHING_UPLOADED = 'nothing was uploaded';

export const idAndKeyCases: BadInputCase[] = [
  { name: 'status ../x', argv: ['status', '../x'], messages: [`"../x" ${NOT_AN_ID}`, 'fairshrink list'] },
  { name: 'watch with a slash', argv: ['watch', 'campaigns/x'], messages: [`"campaigns/x" ${NOT_AN_ID}`] },
  {
    name: 'history climbing up',
    argv: ['history', '../../etc', '--out', '{dir}/h.json'],
    messages: [`"../../etc" ${NOT_AN_ID}`],
  },
  { name: 'review of an id with a space', argv: ['review', 'my campaign', ...REVIEW], messages: [NOT_AN_ID] },
  {
    name: 'promote of an id with non-ASCII letters',
    argv: ['promote', 'café-1', '--name', 'corpus-dep'],
    messages: [`"café-1" ${NOT_AN_ID}`],
  },
  { name: 'abort ..', argv: ['abort', '..', '--reason', 'r'], messages: [`".." ${NOT_AN_ID}`] },
  { name: 'pause of an id with a newline', argv: ['pause', 'a\nb'], messages: [NOT_AN_ID] },
  { name: 'report ../x', argv: ['report', '../x'], messages: [`"../x" ${NOT_AN_ID}`] },
  { name: 'report of a/b', argv: ['report', 'a/b'], messages: [`"a/b" ${NOT_AN_ID}`] },
  {
    name: 'audit of an id climbing up',
    argv: ['audit', '../x', '--out', '{dir}/bundle'],
    messages: [`"../x" ${NOT_AN_ID}`],
  },
  {
    name: 'report --prefix deployments',
    argv: ['report', 'corpus-1', '--prefix', 'deployments'],
    messages: ['--prefix "deployments" is not a campaign storage prefix', 'must not start with a reserved area'],
  },
  {
    name: 'report --prefix climbing up',
    argv: ['report', 'corpus-1', '--prefix', 'campaigns/../datasets'],
    messages: ['--prefix "campaigns/../datasets" is not a campaign storage prefix', 'hint: e.g. --prefix campaigns'],
  },
  {
    name: 'promote --name ../evil',
    argv: ['promote', 'corpus-1', '--name', '../evil'],
    messages: ['invalid deployment name "../evil"', 'lower-case letters, digits and "-"'],
  },
  {
    name: 'promote --name with a space and capitals',
    argv: ['promote', 'corpus-1', '--name', 'Credit Scoring'],
    messages: ['invalid deployment name "Credit Scoring"'],
  },
  {
    name: 'monitor add-batch to ../x',
    argv: ['monitor', 'add-batch', '../x', '{dir}/data.csv'],
    messages: ['invalid deployment name "../x"'],
  },
  {
    name: 'monitor status of a unicode name',
    argv: ['monitor', 'status', 'dépl'],
    messages: ['invalid deployment name "dépl"'],
  },
  {
    name: 'monitor add-batch to a deployment that does not exist',
    argv: ['monitor', 'add-batch', 'no-such-deployment', '{dir}/data.csv'],
    messages: ['no-such-deployment', 'fairshrink promote <campaignId> --name no-such-deployment'],
  },
  {
    name: 'monitor add-batch of a file that does not exist',
    argv: ['monitor', 'add-batch', '{deployment}', '{dir}/missing.csv'],
    messages: ['cannot read', 'missing.csv', 'check the path'],
  },
  {
    name: 'monitor add-batch with wrong columns',
    argv: ADD_BATCH,
    files: { 'batch.csv': 'a,b,c\n1,2,3\n' },
    messages: [DOES_NOT_FIT, "the batch has no column 'income'", 'a, b, c', NOTHING_UPLOADED],
  },
  {
    name: 'monitor add-batch of an empty file',
    argv: ADD_BATCH,
    files: { 'batch.csv': '' },
    messages: [DOES_NOT_FIT, 'the file is empty', NOTHING_UPLOADED],
  },
  {
    name: 'monitor add-batch of a header only',
    argv: ADD_BATCH,
    files: { 'batch.csv': `${BASE_HEADER.join(',')}\n` },
    messages: [DOES_NOT_FIT, 'the batch has no data rows', NOTHING_UPLOADED],
  },
  {
    name: 'monitor add-batch with a non-numeric value',
    argv: ADD_BATCH,
    files: { 'batch.csv': dataCsv((i, f) => (i === 3 ? ['old', ...f.slice(1)] : f)) },
    messages: [DOES_NOT_FIT, 'line 4', "column 'age'", "'old' is not a number", NOTHING_UPLOADED],
  },
  {
    name: 'monitor add-batch with a group the data set never had',
    argv: ADD_BATCH,
    files: { 'batch.csv': dataCsv((i, f) => (i === 2 ? [...f.slice(0, 3), 'other', ...f.slice(4)] : f)) },
    messages: [DOES_NOT_FIT, "group 'other' of sensitive attribute 'sex'", NOTHING_UPLOADED],
  },
  {
    name: 'monitor add-batch with a Latin-1 byte',
    argv: ADD_BATCH,
    files: {
      'batch.csv': Uint8Array.from([...new TextEncoder().encode(`${BASE_HEADER.join(',')}\n40,20,priv`), 0xe9]),
    },
    messages: [DOES_NOT_FIT, 'line 2', 'is not UTF-8', NOTHING_UPLOADED],
  },
];
