// The shape of a bad-input case and the valid inputs every case starts from. A case lists only the files it
// changes; everything else is the base below, which passes `fairshrink run --dry-run` (the corpus checks that first,
// so each case fails for its own reason). See README.md in this folder.
import YAML from 'yaml';

/** File content, or a function of what the corpus builds once before the cases (tfjs models, fixture campaigns). */
export type FileContent = string | Uint8Array;
export type FileSpec = FileContent | null | ((fixtures: CorpusFixtures) => FileContent);

export interface CorpusFixtures {
  /** A completed campaign whose result says it was aborted (nothing to review, nothing to promote). */
  abortedCampaignId: string;
  /** A campaign that is still running (no worker serves its task queue). */
  runningCampaignId: string;
  /** A deployment whose data set is the base data set (for `monitor add-batch`). */
  deployment: string;
  /** tfjs LayersModel files: model.json text and weights.bin bytes. */
  models: Record<'goodWidth' | 'wrongWidth' | 'twoOutputs', { modelJson: string; weightsBin: Uint8Array }>;
}

export interface BadInputCase {
  name: string;
  /** Arguments after `fairshrink`; `{dir}` is the case's own folder, `{aborted}`, `{running}` and `{deployment}` the fixtures. */
  argv: string[];
  /** Files written over the base files (relative to `{dir}`); null removes a base file. */
  files?: Record<string, FileSpec>;
  /** Substrings the output (stderr, then stdout) must contain: the field and the fix. */
  messages: string[];
}

/** Rows in the base data: more than the dry run's 2,000-row sample, so a problem past the sample is a real test. */
export const BASE_ROWS = 2100;

const WORKCLASSES = ['private', 'public', 'self'];

/** One data row of the base data set, deterministic in `i`. */
function baseRow(i: number): string[] {
  const age = 18 + ((i * 37) % 60);
  const hours = 10 + ((i * 13) % 50);
  const sex = i % 2 === 0 ? 'female' : 'male';
  const race = i % 3 === 0 ? 'b' : 'a';
  const income = (age + hours + (i % 7)) % 3 === 0 ? '>50K' : '<=50K';
  return [String(age), String(hours), WORKCLASSES[i % 3]!, sex, race, income];
}

export const BASE_HEADER = ['age', 'hours', 'workclass', 'sex', 'race', 'income'];

/** The base data as CSV, with `edit` applied to the rows (1-based data row number → fields). */
export function dataCsv(edit: (row: number, fields: string[]) => string[] | null = (_, f) => f): string {
  const lines = [BASE_HEADER.join(',')];
  for (let i = 1; i <= BASE_ROWS; i++) {
    const fields = edit(i, baseRow(i));
    if (fields !== null) lines.push(fields.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Data row n sits on line n + 1 (after the header). */
export const LATE_ROW = 2050;

export function baseDatasetSpec(): Record<string, unknown> {
  return {
    name: 'corpus',
    sources: [{ path: 'data.csv' }],
    label: { column: 'income', positive: ['>50K'], negative: ['<=50K'] },
    sensitive: [
      { name: 'sex', column: 'sex' },
      { name: 'race', column: 'race' },
    ],
    features: { categorical: ['workclass'], numeric: ['age', 'hours'] },
    split: { kind: 'stratified', fractions: { train: 0.6, validation: 0.2, test: 0.2 }, seed: 1 },
  };
}

export function baseRubric(): Record<string, unknown> {
  return {
    version: 1,
    name: 'corpus',
    min_group_size: 5,
    uncertainty: 'point_estimate',
    constraints: [
      { id: 'eod-sex', metric: 'equalized_odds_difference', attribute: 'sex', comparator: '<=', threshold: 0.2 },
    ],
  };
}

export function baseCampaign(): Record<string, unknown> {
  return {
    version: 1,
    name: 'corpus',
    seed: 1,
    dataset: 'data.yaml',
    model: { kind: 'train', mlp: { hidden: [{ units: 4 }] }, train: { epochs: 1 } },
    compression: { schedule: { kind: 'constant', sparsity: 0.5 } },
    evaluation: { bootstrap: 0, minGroupSize: 5 },
    rubric: 'rubric.yaml',
  };
}

/** A predictions CSV for `fairshrink evaluate`: label, score, sex, with `edit` applied per row. */
export function predictionsCsv(edit: (row: number, fields: string[]) => string[] = (_, f) => f): string {
  const lines = ['label,score,sex'];
  for (let i = 1; i <= 60; i++) {
    lines.push(edit(i, [String(i % 2), ((i % 10) / 10).toFixed(1), i % 3 === 0 ? 'female' : 'male']).join(','));
  }
  return `${lines.join('\n')}\n`;
}

export const yaml = (value: unknown): string => YAML.stringify(value);

/** A YAML document as a case edits it: any shape, since making it wrong is the point. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = Record<string, any>;

/** A YAML document of `base()` after `change` mutated it. */
export function edited(base: () => Record<string, unknown>, change: (doc: Doc) => void): string {
  const doc = base();
  change(doc);
  return yaml(doc);
}

/** The base campaign file after `change`. */
export const campaign = (change: (doc: Doc) => void) => edited(baseCampaign, change);
export const datasetSpec = (change: (doc: Doc) => void) => edited(baseDatasetSpec, change);
export const rubric = (change: (doc: Doc) => void) => edited(baseRubric, change);

export function baseFiles(): Record<string, FileContent> {
  return {
    'campaign.yaml': yaml(baseCampaign()),
    'data.yaml': yaml(baseDatasetSpec()),
    'data.csv': dataCsv(),
    'rubric.yaml': yaml(baseRubric()),
    'preds.csv': predictionsCsv(),
  };
}

/** `fairshrink run {dir}/campaign.yaml`: the command most cases go through. */
export const RUN = ['run', '{dir}/campaign.yaml'];

/** `fairshrink evaluate` on `{dir}/preds.csv` with the base columns; `extra` flags replace or add to them. */
export function evaluateArgv(extra: Record<string, string | null> = {}): string[] {
  const flags: Record<string, string | null> = {
    data: '{dir}/preds.csv',
    label: 'label',
    score: 'score',
    sensitive: 'sex',
    bootstrap: '0',
    out: '{dir}/out/report.json',
    ...extra,
  };
  return [
    'evaluate',
    ...Object.entries(flags).flatMap(([flag, value]) => (value === null ? [] : [`--${flag}`, value])),
  ];
}
