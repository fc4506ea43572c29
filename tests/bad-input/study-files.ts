// Study files (`fairshrink study`): the study's own fields, an arm's fine-tuning override, a target the base
// schedule cannot reach, a missing base campaign, and a bad row in a base campaign's data, each refused before
// anything is uploaded or started.
import { BASE_HEADER, campaign, dataCsv, LATE_ROW, yaml, type BadInputCase } from './corpus.ts';

const STUDY = ['study', '{dir}/study.yaml'];

/** A valid study over the corpus's base campaign, with `change` applied. */
function study(change: (doc: Record<string, unknown>) => void = () => {}): string {
  const doc: Record<string, unknown> = {
    version: 1,
    name: 'corpus-study',
    datasets: [{ name: 'corpus', campaign: 'campaign.yaml' }],
    sparsities: [0.6],
    quantize: 'int8',
    arms: [{ name: 'magnitude-plain', criterion: 'magnitude-global', finetune: { constrained: false } }],
    seeds: [0],
  };
  change(doc);
  return yaml(doc);
}

const age = BASE_HEADER.indexOf('age');

export const studyFileCases: BadInputCase[] = [
  { name: 'study without a file', argv: ['study'], messages: ['give exactly one study file'] },
  { name: 'study status without an id', argv: ['study', 'status'], messages: ['give one study id'] },
  {
    name: 'an unknown key in an arm',
    argv: STUDY,
    files: { 'study.yaml': study((d) => (d.arms = [{ name: 'x', pruning: 'magnitude' }])) },
    messages: ['arms[0].pruning', 'Unrecognized key'],
  },
  {
    name: "a misspelt field in an arm's fine-tuning",
    argv: STUDY,
    files: { 'study.yaml': study((d) => (d.arms = [{ name: 'x', finetune: { epsilonn: 0.01 } }])) },
    messages: ['arms[0] (x).finetune.epsilonn'],
  },
  {
    name: 'an arm criterion by its informal name',
    argv: STUDY,
    files: { 'study.yaml': study((d) => (d.arms = [{ name: 'x', criterion: 'group-aware' }])) },
    messages: ['arms[0].criterion', 'group-saliency'],
  },
  {
    name: 'quantize left out',
    argv: STUDY,
    files: { 'study.yaml': study((d) => delete d.quantize) },
    messages: ['quantize'],
  },
  {
    name: 'a target below an earlier milestone of the base schedule',
    argv: STUDY,
    files: {
      'study.yaml': study(),
      'campaign.yaml': campaign((d) => (d.compression.schedule = { kind: 'list', sparsities: [0.7, 0.8] })),
    },
    messages: [
      "sparsities[0] (data set corpus): the base schedule's milestone 1 is at 0.7, above 0.6",
      'drop the target',
    ],
  },
  {
    name: 'a base campaign that does not exist',
    argv: STUDY,
    files: { 'study.yaml': study((d) => (d.datasets = [{ name: 'corpus', campaign: 'no-such.yaml' }])) },
    messages: ['datasets[0].campaign (no-such.yaml): cannot read the file'],
  },
  {
    name: 'a bad row past the sample in a base campaign data',
    argv: STUDY,
    files: {
      'study.yaml': study(),
      'data.csv': dataCsv((row, fields) =>
        row === LATE_ROW ? fields.map((f, i) => (i === age ? 'forty' : f)) : fields,
      ),
    },
    messages: ['datasets[0] (corpus)', "'forty' is not a number"],
  },
];
