// `fairshrink evaluate`: fairness report (and rubric gate) for a predictions CSV.
// Exit codes: 0 gate passes (or no rubric), 1 gate fails or lacks evidence, 2 bad input or usage.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { Rubric, RubricError } from '../../core/config/rubric.ts';
import { decodeUtf8 } from '../../core/data/csv.ts';
import { DataError } from '../../core/data/errors.ts';
import {
  decideGate,
  rubricMinGroupSizes,
  rubricReportMismatches,
  type GateDecision,
} from '../../core/fairness/gate.ts';
import { CI_METHODS, DEFAULT_CI_METHOD, isCiMethod } from '../../core/fairness/bootstrap.ts';
import { CsvError, parseCsv, parseDecimal, type CsvTable } from '../../core/fairness/io.ts';
import { evaluateFairness, FairnessInputError, type EvaluationInput } from '../../core/fairness/report.ts';
import type { FairnessReport, MetricValue } from '../../core/fairness/report-types.ts';

export interface EvaluateIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultIo: EvaluateIo = {
  stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

export const EVALUATE_HELP = `fairshrink evaluate: fairness report (and rubric gate) for a predictions CSV

Usage:
  fairshrink evaluate --data <preds.csv> --label <col> --score <col> --sensitive <a,b> --out <report.json> [flags]

Required:
  --data <file>             CSV with a header row: one row per example
  --label <col>             true label column, 0 or 1
  --score <col>             candidate model's probability of class 1, in [0, 1]
  --sensitive <a,b>         sensitive attribute columns, comma-separated
  --out <file>              where to write the JSON report

Optional:
  --reference-score <col>   reference (dense) model's probability, for paired comparisons
  --prediction <col>        candidate's 0/1 predictions (default: score >= threshold)
  --weight <col>            non-negative sample weights
  --intersections           also evaluate every combination of 2+ sensitive attributes (e.g. sex&race)
  --threshold <t>           decision threshold for score >= t (default 0.5)
  --bootstrap <B>           bootstrap resamples for CIs, 0 for none (default 1000)
  --ci-method <m>           simultaneous (default: percentile CIs, and for max/min-over-groups
                            disparities a Bonferroni bound over the group comparisons, whose coverage
                            is checked by simulation), percentile, or bias-corrected (Efron's BC);
                            docs/fairness.md
  --seed <n>                bootstrap seed (default 0)
  --min-group-size <n>      flag groups with fewer rows (default 30)
  --privileged <a=g,...>    privileged group per attribute for AIF360 metrics (default: largest group)
  --fairlearn-compat        report 0 for 0/0 rates, as Fairlearn does (default: undefined with a reason)
  --rubric <file>           YAML or JSON rubric: decide pass / fail / insufficient-evidence
  --json                    print the JSON report (with the gate) to stdout instead of the summary
  --help                    this text

Exit codes: 0 gate passes (or no rubric), 1 gate fails or lacks evidence, 2 bad input.

Example:
  fairshrink evaluate --data preds.csv --label income --score p_sparse --reference-score p_dense \\
    --sensitive sex,race --intersections --bootstrap 1000 --seed 7 --rubric examples/rubric.yaml --out report.json`;

/** Bad input: one line naming the flag or column, the first bad row, and the fix. */
class InputProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputProblem';
  }
}

const OPTIONS = {
  data: { type: 'string' },
  label: { type: 'string' },
  score: { type: 'string' },
  'reference-score': { type: 'string' },
  prediction: { type: 'string' },
  weight: { type: 'string' },
  sensitive: { type: 'string' },
  intersections: { type: 'boolean' },
  threshold: { type: 'string' },
  bootstrap: { type: 'string' },
  'ci-method': { type: 'string' },
  seed: { type: 'string' },
  'min-group-size': { type: 'string' },
  privileged: { type: 'string' },
  'fairlearn-compat': { type: 'boolean' },
  rubric: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const e = err as Error & { code?: string };
    const flag = /'([^']+)'/.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new InputProblem(`unknown flag ${flag ?? ''}. Fix: see fairshrink evaluate --help for the flags`);
    }
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw new InputProblem(`${e.message.split('\n')[0]}. Fix: give the flag a value, e.g. --threshold 0.5`);
    }
    if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new InputProblem(
        `unexpected argument ${flag ?? ''}. Fix: every value follows its flag, e.g. --data preds.csv`,
      );
    }
    throw new InputProblem(`${e.message.split('\n')[0]}. Fix: see fairshrink evaluate --help`);
  }
}

function numberFlag(
  raw: string | undefined,
  flag: string,
  fallback: number,
  check: (v: number) => boolean,
  expected: string,
): number {
  if (raw === undefined) return fallback;
  const v = parseDecimal(raw) ?? NaN;
  if (!check(v)) throw new InputProblem(`--${flag}: "${raw}" is not ${expected}. Fix: e.g. --${flag} ${fallback}`);
  return v;
}

function columnIndex(table: CsvTable, column: string, flag: string, file: string): number {
  const i = table.header.indexOf(column);
  if (i < 0) {
    throw new InputProblem(
      `--${flag}: column "${column}" is not in ${file} (columns: ${table.header.join(', ')}). Fix: pass --${flag} with one of those names`,
    );
  }
  return i;
}

function where(table: CsvTable, row: number): string {
  return `row ${row + 1} (line ${table.lines[row]})`;
}

function numericColumn(
  table: CsvTable,
  column: string,
  flag: string,
  file: string,
  kind: 'label' | 'probability' | 'prediction' | 'weight',
): number[] {
  const c = columnIndex(table, column, flag, file);
  const out: number[] = new Array<number>(table.rows.length);
  const fix = {
    label: 'encode the label as 0 or 1',
    prediction: 'encode predictions as 0 or 1',
    probability: 'give probabilities of class 1 in [0, 1] (apply a sigmoid/softmax to logits)',
    weight: 'give finite weights ≥ 0',
  }[kind];
  const expected = {
    label: 'is not 0 or 1',
    prediction: 'is not 0 or 1',
    probability: 'is not a probability in [0, 1]',
    weight: 'is not a finite weight ≥ 0',
  }[kind];
  table.rows.forEach((fields, r) => {
    // Not trimmed: a cell with spaces around the number is as suspect as `0x1` (docs/fairness.md, Input).
    const raw = fields[c]!;
    const parsed = parseDecimal(raw);
    if (parsed === undefined) {
      const shown = raw === '' ? 'empty' : JSON.stringify(raw);
      throw new InputProblem(
        `column "${column}" (--${flag}), ${where(table, r)}: ${shown} is not a plain decimal number (e.g. 0, 1, 0.25, 1e-3; no spaces, signs other than a leading -, hex or Infinity). Fix: ${fix}`,
      );
    }
    const v = parsed;
    const ok =
      kind === 'label' || kind === 'prediction'
        ? v === 0 || v === 1
        : kind === 'probability'
          ? Number.isFinite(v) && v >= 0 && v <= 1
          : Number.isFinite(v) && v >= 0;
    if (!ok) {
      throw new InputProblem(`column "${column}" (--${flag}), ${where(table, r)}: "${raw}" ${expected}. Fix: ${fix}`);
    }
    out[r] = v;
  });
  return out;
}

function parsePrivileged(raw: string | undefined): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) {
      throw new InputProblem(
        `--privileged: "${part}" is not attribute=group. Fix: e.g. --privileged sex=Male,race=White`,
      );
    }
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

const fmt = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : x.toFixed(3));
const withCi = (mv: MetricValue | undefined): string => {
  if (mv === undefined) return '—';
  if (mv.value === null) return `undefined (${mv.reason ?? 'no reason'})`;
  return mv.ci === null ? fmt(mv.value) : `${fmt(mv.value)} [${fmt(mv.ci[0])}, ${fmt(mv.ci[1])}]`;
};

/** Width of a metric column in the summary table: the longest header ("selection", 9) and a space. */
const COLUMN = 10;

const ciWords = (method: FairnessReport['config']['ci_method']): string =>
  method === 'simultaneous' ? 'percentile CIs (simultaneous for max/min over groups)' : `${method} CIs`;

function summary(report: FairnessReport, gate: GateDecision | undefined, out: string): string {
  const lines: string[] = [];
  const c = report.config;
  lines.push(
    `fairshrink evaluate: ${report.rows} rows, threshold ${c.threshold}, ${c.bootstrap} bootstrap resamples (seed ${c.seed}), ${Math.round(c.ci_level * 100)}% ${ciWords(c.ci_method)}`,
  );
  const o = report.overall;
  lines.push(
    `overall: accuracy ${withCi(o['accuracy'])}, selection_rate ${withCi(o['selection_rate'])}, roc_auc ${withCi(o['roc_auc'])}`,
  );
  if (report.delta) {
    lines.push(
      `vs reference: Δaccuracy ${withCi(report.delta.overall['accuracy'])}, flip_rate ${withCi(o['flip_rate'])}, flipped rows ${report.flipped_rows?.count ?? 0}`,
    );
  }
  const cols = ['accuracy', 'selection_rate', 'true_positive_rate', 'false_positive_rate'];
  for (const [key, attr] of Object.entries(report.attributes)) {
    lines.push('');
    lines.push(`${key} (${Object.keys(attr.groups).length} groups)`);
    const width = Math.max(5, ...Object.keys(attr.groups).map((g) => g.length));
    lines.push(
      `  ${'group'.padEnd(width)}  ${'rows'.padStart(7)}  ${['accuracy', 'selection', 'TPR', 'FPR'].map((h) => h.padStart(COLUMN)).join('')}`,
    );
    for (const [g, metrics] of Object.entries(attr.groups)) {
      const small = attr.group_info[g]?.below_min_group_size ? '  (small)' : '';
      lines.push(
        `  ${g.padEnd(width)}  ${String(attr.group_info[g]?.rows ?? '').padStart(7)}  ${cols.map((m) => fmt(metrics[m]?.value).padStart(COLUMN)).join('')}${small}`,
      );
    }
    const show = [
      'demographic_parity_difference',
      'equalized_odds_difference',
      'equal_opportunity_difference',
      'worst_group_accuracy',
    ];
    if (report.delta) show.push('max_accuracy_drop', 'max_excess_accuracy_gap', 'max_flip_rate');
    for (const m of show) {
      const d = attr.disparities[m];
      if (d === undefined) continue;
      const pair = d.pair && d.pair.length > 0 ? ` (${d.pair.join(' vs ')})` : '';
      lines.push(`  ${m}: ${withCi(d)}${pair}`);
    }
    if (attr.small_groups.length > 0) {
      lines.push(`  groups below min_group_size ${c.min_group_size}: ${attr.small_groups.join(', ')}`);
    }
  }
  if (gate) {
    lines.push('');
    lines.push(`gate "${gate.rubric}": ${gate.status.toUpperCase()}: ${gate.reason}`);
    const mark = { pass: 'PASS', fail: 'FAIL', 'insufficient-evidence': 'INSUFFICIENT' } as const;
    for (const d of gate.constraints) lines.push(`  ${mark[d.status].padEnd(12)} ${d.id}: ${d.reason}`);
  }
  lines.push('');
  lines.push(`report written to ${out}`);
  return lines.join('\n');
}

async function run(argv: string[], io: EvaluateIo): Promise<number> {
  const flags = parseFlags(argv);
  if (flags.help) {
    io.stdout(EVALUATE_HELP);
    return 0;
  }
  for (const required of ['data', 'label', 'score', 'sensitive', 'out'] as const) {
    if (flags[required] === undefined || flags[required] === '') {
      throw new InputProblem(`missing --${required}. Fix: see the example in fairshrink evaluate --help`);
    }
  }
  const file = flags.data!;
  const threshold = numberFlag(flags.threshold, 'threshold', 0.5, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
  const bootstrap = numberFlag(
    flags.bootstrap,
    'bootstrap',
    1000,
    (v) => Number.isInteger(v) && v >= 0,
    'an integer ≥ 0',
  );
  const seed = numberFlag(flags.seed, 'seed', 0, (v) => Number.isInteger(v), 'an integer');
  const ciMethod = flags['ci-method'] ?? DEFAULT_CI_METHOD;
  if (!isCiMethod(ciMethod)) {
    throw new InputProblem(`--ci-method: "${ciMethod}" is not a CI method. Fix: use ${CI_METHODS.join(', ')}`);
  }
  const minGroupSize = numberFlag(
    flags['min-group-size'],
    'min-group-size',
    30,
    (v) => Number.isInteger(v) && v >= 1,
    'an integer ≥ 1',
  );
  const privileged = parsePrivileged(flags.privileged);

  let rubric: Rubric | undefined;
  if (flags.rubric !== undefined) {
    let text: string;
    try {
      text = await readFile(flags.rubric, 'utf8');
    } catch {
      throw new InputProblem(
        `--rubric: cannot read ${flags.rubric}. Fix: check the path (start from examples/rubric.yaml)`,
      );
    }
    // Imported only here: the rubric's YAML parser and zod schemas cost start-up time a run without --rubric
    // does not need (docs/cli.md, start-up).
    const { parseRubricText } = await import('../../core/config/rubric.ts');
    rubric = parseRubricText(text, flags.rubric);
  }

  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch {
    throw new InputProblem(`--data: cannot read ${file}. Fix: check the path`);
  }
  let text: string;
  try {
    // Strict: a replaced byte would silently merge two group names (e.g. "fémale" and "f?male").
    text = decodeUtf8(bytes, file);
  } catch (err) {
    if (err instanceof DataError) throw new InputProblem(`--data: ${err.message}`);
    throw err;
  }
  if (text.trim() === '')
    throw new InputProblem(`--data: ${file} is empty. Fix: write a header row and one row per example`);
  let table: CsvTable;
  try {
    table = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvError)
      throw new InputProblem(
        `--data: ${file}: ${err.message}. Fix: check quoting and the number of fields on that line`,
      );
    throw err;
  }
  if (table.rows.length === 0)
    throw new InputProblem(`--data: ${file} has a header but no rows. Fix: write one row per example`);

  const sensitiveColumns = flags
    .sensitive!.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (sensitiveColumns.length === 0)
    throw new InputProblem('--sensitive: no column names. Fix: e.g. --sensitive sex,race');
  const sensitive: Record<string, string[]> = {};
  for (const column of sensitiveColumns) {
    const c = columnIndex(table, column, 'sensitive', file);
    const values = table.rows.map((fields) => fields[c]!.trim());
    const empty = values.indexOf('');
    if (empty >= 0) {
      throw new InputProblem(
        `column "${column}" (--sensitive), ${where(table, empty)}: empty group label. Fix: fill it in (e.g. "unknown") or drop the row`,
      );
    }
    sensitive[column] = values;
  }
  const input: EvaluationInput = {
    label: numericColumn(table, flags.label!, 'label', file, 'label'),
    score: numericColumn(table, flags.score!, 'score', file, 'probability'),
    sensitive,
  };
  if (flags['reference-score'] !== undefined) {
    input.referenceScore = numericColumn(table, flags['reference-score'], 'reference-score', file, 'probability');
  }
  if (flags.prediction !== undefined)
    input.prediction = numericColumn(table, flags.prediction, 'prediction', file, 'prediction');
  if (flags.weight !== undefined) input.sampleWeight = numericColumn(table, flags.weight, 'weight', file, 'weight');

  const report: FairnessReport = evaluateFairness(input, {
    attributes: sensitiveColumns,
    intersections: flags.intersections === true,
    threshold,
    bootstrap,
    ciMethod,
    seed,
    minGroupSize,
    ...(rubric ? { smallGroupViewSizes: rubricMinGroupSizes(rubric) } : {}),
    fairlearnCompat: flags['fairlearn-compat'] === true,
    ...(privileged ? { privileged } : {}),
  });

  for (const [key, attribute] of Object.entries(report.attributes)) {
    const groups = Object.keys(attribute.group_info);
    if (groups.length === 1) {
      io.stderr(
        `fairshrink evaluate: warning: ${key}: every row is in one group (${groups[0]}); its disparities are undefined and rubric constraints on it are insufficient-evidence`,
      );
    }
  }

  let gate: GateDecision | undefined;
  if (rubric) {
    const mismatches = rubricReportMismatches(rubric, report);
    if (mismatches.length > 0) {
      throw new InputProblem(`--rubric: ${flags.rubric}: ${mismatches.join('\n')}`);
    }
    gate = decideGate(rubric, report);
    report.gate = gate;
  }
  const json = `${JSON.stringify(report, null, 2)}\n`;
  await mkdir(dirname(flags.out!), { recursive: true });
  await writeFile(flags.out!, json);
  if (flags.json) io.stdout(json);
  else io.stdout(summary(report, gate, flags.out!));
  if (gate === undefined || gate.status === 'pass') return 0;
  return 1;
}

export async function evaluateCommand(argv: string[], io: EvaluateIo = defaultIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (err) {
    if (err instanceof InputProblem) {
      io.stderr(`fairshrink evaluate: ${err.message}`);
      return 2;
    }
    if (err instanceof Error && err.name === 'RubricError') {
      const { problems: listed, message } = err as RubricError;
      const problems = listed.length > 0 ? listed : [message];
      io.stderr(`fairshrink evaluate: --rubric: ${problems.join('\n')}`);
      return 2;
    }
    if (err instanceof FairnessInputError) {
      io.stderr(`fairshrink evaluate: ${err.message}. Fix: see fairshrink evaluate --help`);
      return 2;
    }
    throw err;
  }
}
