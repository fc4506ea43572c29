// Data set specs (data.yaml): schema problems, names that are not in the data, sources that cannot be read.
import { datasetSpec, RUN, type BadInputCase } from './corpus.ts';

export const datasetSpecCases: BadInputCase[] = [
  {
    name: 'unknown key (misspelt label)',
    argv: RUN,
    files: { 'data.yaml': datasetSpec((d) => (d.lable = d.label)) },
    messages: ['dataset: ', 'invalid dataset spec', 'lable'],
  },
  {
    name: 'label with both positive values and a threshold',
    argv: RUN,
    files: { 'data.yaml': datasetSpec((d) => (d.label.threshold = 0.5)) },
    messages: ['dataset: ', 'label: give exactly one of `positive`'],
  },
  {
    name: 'label column misspelt',
    argv: RUN,
    files: { 'data.yaml': datasetSpec((d) => (d.label.column = 'incom')) },
    messages: ['dataset.label.column', 'column "incom" is not in the data', 'did you mean "income"?'],
  },
  {
    name: 'sensitive column misspelt',
    argv: RUN,
    files: { 'data.yaml': datasetSpec((d) => (d.sensitive[0].column = 'sexx')) },
    messages: ['dataset.sensitive[0].column', 'did you mean "sex"?'],
  },
  {
    name: 'categorical feature not in the data',
    argv: RUN,
    files: { 'data.yaml': datasetSpec((d) => (d.features.categorical = ['occupation'])) },
    messages: ['dataset.features.categorical[0]', 'column "occupation" is not in the data'],
  },
  {
    name: 'split fractions that do not sum to 1',
    argv: RUN,
    files: { 'data.yaml': datasetSpec((d) => (d.split.fractions.test = 0.3)) },
    messages: ['split.fractions: fractions must sum to 1'],
  },
  {
    name: "split kind 'given' without train and test sources",
    argv: RUN,
    files: { 'data.yaml': datasetSpec((d) => (d.split = { kind: 'given' })) },
    messages: ["split.kind 'given' needs a source with role 'train'"],
  },
  {
    name: 'delimiter of two characters',
    argv: RUN,
    files: { 'data.yaml': datasetSpec((d) => (d.dialect = { delimiter: ';;' })) },
    messages: ['dialect.delimiter'],
  },
  {
    name: 'no sources',
    argv: RUN,
    files: { 'data.yaml': datasetSpec((d) => (d.sources = [])) },
    messages: ['sources: give at least one CSV source'],
  },
  {
    name: 'source file missing',
    argv: RUN,
    files: { 'data.yaml': datasetSpec((d) => (d.sources = [{ path: 'missing.csv' }])) },
    messages: ['missing.csv', 'cannot read the source', 'source paths are relative to the spec file'],
  },
  {
    name: 'source path climbing to /etc (a folder)',
    argv: RUN,
    files: { 'data.yaml': datasetSpec((d) => (d.sources = [{ path: '../../../../../../../../etc' }])) },
    messages: ['../../../../../../../../etc', 'cannot read the source', 'EISDIR'],
  },
  {
    name: 'unknown pinned data set',
    argv: RUN,
    files: { 'data.yaml': datasetSpec((d) => (d.sources = [{ dataset: 'no-such-dataset', file: 'x.csv' }])) },
    messages: ['dataset:no-such-dataset/x.csv', 'name a pinned data set and file'],
  },
  {
    name: 'sensitive attribute named twice',
    argv: RUN,
    files: { 'data.yaml': datasetSpec((d) => (d.sensitive[1].name = 'sex')) },
    messages: ["duplicate sensitive attribute 'sex'"],
  },
  {
    name: 'stratify by an attribute that is not sensitive',
    argv: RUN,
    files: { 'data.yaml': datasetSpec((d) => (d.split.stratifyBy = ['age'])) },
    messages: ["split.stratifyBy: 'age' is not a sensitive attribute name"],
  },
  {
    name: 'no header and no column names',
    argv: RUN,
    files: { 'data.yaml': datasetSpec((d) => (d.dialect = { header: false })) },
    messages: ['dialect.columns: without a header row, list the column names'],
  },
  {
    name: 'label also a feature',
    argv: RUN,
    files: { 'data.yaml': datasetSpec((d) => d.features.categorical.push('income')) },
    messages: ["column 'income'", 'the label column is also a feature'],
  },
];
