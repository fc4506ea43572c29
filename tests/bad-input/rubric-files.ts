// Rubric files: the campaign's rubric.yaml, and the --rubric files of `evaluate` and `promote`.
import { evaluateArgv, rubric, RUN, type BadInputCase } from './corpus.ts';

export const rubricFileCases: BadInputCase[] = [
  {
    // fixed by the rubric change (core/config/rubric.ts, another branch); the dry run's metric check names it too.
    name: 'unknown metric name in a campaign rubric',
    argv: RUN,
    files: { 'rubric.yaml': rubric((r) => (r.constraints[0].metric = 'equalised_odds_difference')) },
    messages: ['rubric', 'equalised_odds_difference', 'equalized_odds_difference'],
  },
  {
    name: 'comparator written =>',
    argv: RUN,
    files: { 'rubric.yaml': rubric((r) => (r.constraints[0].comparator = '=>')) },
    messages: ['rubric: ', 'comparator'],
  },
  {
    name: 'threshold is a word',
    argv: RUN,
    files: { 'rubric.yaml': rubric((r) => (r.constraints[0].threshold = 'high')) },
    messages: ['rubric: ', 'threshold'],
  },
  {
    name: 'attribute the data set does not have',
    argv: RUN,
    files: { 'rubric.yaml': rubric((r) => (r.constraints[0].attribute = 'gender')) },
    messages: ['rubric.constraints[0] (eod-sex): attribute "gender" is not a sensitive attribute', 'sex, race'],
  },
  {
    name: 'rubric version 2',
    argv: RUN,
    files: { 'rubric.yaml': rubric((r) => (r.version = 2)) },
    messages: ['rubric: ', 'version'],
  },
  {
    name: 'uncertainty mode unknown',
    argv: RUN,
    files: { 'rubric.yaml': rubric((r) => (r.uncertainty = 'maybe')) },
    messages: ['rubric: ', 'uncertainty'],
  },
  {
    name: 'empty rubric file',
    argv: RUN,
    files: { 'rubric.yaml': '' },
    messages: ['rubric: ', 'file is empty', 'examples/rubric.yaml'],
  },
  {
    name: 'rubric YAML syntax error',
    argv: RUN,
    files: { 'rubric.yaml': 'version: 1\nconstraints: [\n' },
    messages: ['rubric: ', 'rubric.yaml'],
  },
  {
    name: 'intersection without evaluation.intersections',
    argv: RUN,
    files: {
      'rubric.yaml': rubric((r) => {
        delete r.constraints[0].attribute;
        r.constraints[0].intersection = ['sex', 'race'];
      }),
    },
    messages: ['rubric.constraints[0] (eod-sex): uses an intersection; set evaluation.intersections: true'],
  },
  {
    name: 'evaluate --rubric with an unknown comparator',
    argv: evaluateArgv({ rubric: '{dir}/rubric.yaml' }),
    files: { 'rubric.yaml': rubric((r) => (r.constraints[0].comparator = '==')) },
    messages: ['fairshrink evaluate: --rubric: ', 'comparator'],
  },
  {
    name: 'evaluate --rubric file missing',
    argv: evaluateArgv({ rubric: '{dir}/missing.yaml' }),
    messages: ['--rubric: cannot read', 'missing.yaml', 'Fix: check the path'],
  },
  {
    name: 'promote --rubric that is not a rubric',
    argv: ['promote', '{aborted}', '--name', 'corpus-dep', '--rubric', '{dir}/rubric.yaml'],
    files: { 'rubric.yaml': 'just: words\n' },
    messages: ['--rubric: ', 'rubric.yaml', 'hint: start from examples/rubric.yaml'],
  },
];
