// The inputs of `fairshrink evaluate`: its flags, and the label, score and group columns of the predictions CSV,
// each refused with the row, the column and the fix.
import { parseArgs } from 'node:util';
import { parseDecimal, type CsvTable } from '../../core/fairness/io.ts';

export class InputProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputProblem';
  }
}

export const OPTIONS = {
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
  threads: { type: 'string' },
  'min-group-size': { type: 'string' },
  privileged: { type: 'string' },
  'fairlearn-compat': { type: 'boolean' },
  rubric: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseFlags(argv: string[]) {
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

export function numberFlag(
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

export function columnIndex(table: CsvTable, column: string, flag: string, file: string): number {
  const i = table.header.indexOf(column);
  if (i < 0) {
    throw new InputProblem(
      `--${flag}: column "${column}" is not in ${file} (columns: ${table.header.join(', ')}). Fix: pass --${flag} with one of those names`,
    );
  }
  return i;
}

export function where(table: CsvTable, row: number): string {
  return `row ${row + 1} (line ${table.lines[row]})`;
}

export function numericColumn(
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

export function parsePrivileged(raw: string | undefined): Record<string, string> | undefined {
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
