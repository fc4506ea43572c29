// `fairshrink evaluate`: fairness report (and rubric gate) for a predictions CSV.
// Exit codes: 0 gate passes (or no rubric), 1 gate fails or lacks evidence, 2 bad input or usage.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
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
import { CsvError, parseCsv, type CsvTable } from '../../core/fairness/io.ts';
import { evaluateFairnessParallel, defaultFairnessThreads } from '../../core/fairness/parallel.ts';
import { FairnessInputError, type EvaluationInput } from '../../core/fairness/report.ts';
import type { FairnessReport } from '../../core/fairness/report-types.ts';

import { summary } from './evaluate-format.ts';
import {
  InputProblem,
  columnIndex,
  numberFlag,
  numericColumn,
  parseFlags,
  parsePrivileged,
  where,
} from './evaluate-input.ts';
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
  --threads <n>             threads for the resamples (default: the cores, up to 4); two split
                            each resample's work, more split the resamples on large files; the
                            report is the same for any number
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
  const threads = numberFlag(
    flags.threads,
    'threads',
    defaultFairnessThreads(),
    (v) => Number.isInteger(v) && v >= 1 && v <= 64,
    'an integer from 1 to 64',
  );
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

  const report: FairnessReport = await evaluateFairnessParallel(
    input,
    {
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
    },
    threads,
  );

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
