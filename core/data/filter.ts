// Row filters: typed predicates on raw fields (range, in, notIn, equals, notMissing) combined with all / any,
// applied to every row before the drop rules and the split. A top-level `all` is applied one predicate at a time,
// so the lineage can say how many rows each one removed, the way ProPublica's analysis reports its selection.
import { parseNumber } from './derive.ts';
import { DataError } from './errors.ts';
import type { FilterPredicate, FilterValue } from './spec.ts';
import { columnIndex, locate, type PooledTable } from './table.ts';

/** Rows before and after one filter step (a top-level `all` member, or the whole filter otherwise). */
export interface FilterCount {
  predicate: string;
  rowsIn: number;
  rowsOut: number;
}

const show = (v: FilterValue) => (typeof v === 'number' ? String(v) : `'${v}'`);

/** The predicate in words, e.g. `days_b_screening_arrest in [-30, 30]`. */
export function describeFilter(p: FilterPredicate): string {
  if ('all' in p) return `all(${p.all.map(describeFilter).join(', ')})`;
  if ('any' in p) return `any(${p.any.map(describeFilter).join(', ')})`;
  if ('range' in p) {
    const { min, max } = p.range;
    if (min !== undefined && max !== undefined) return `${p.column} in [${min}, ${max}]`;
    return min !== undefined ? `${p.column} >= ${min}` : `${p.column} <= ${max}`;
  }
  if ('in' in p) return `${p.column} in {${p.in.map(show).join(', ')}}`;
  if ('notIn' in p) return `${p.column} not in {${p.notIn.map(show).join(', ')}}`;
  if ('equals' in p) return `${p.column} = ${show(p.equals)}`;
  return `${p.column} not missing`;
}

/** Every column a filter reads. */
export function filterColumns(p: FilterPredicate): string[] {
  if ('all' in p) return p.all.flatMap(filterColumns);
  if ('any' in p) return p.any.flatMap(filterColumns);
  return [p.column];
}

type RowTest = (r: number) => boolean;

/** Compiles a predicate against a table's columns (a DataError names a column that does not exist). */
function compile(p: FilterPredicate, table: PooledTable, missing: ReadonlySet<string>): RowTest {
  if ('all' in p) {
    const parts = p.all.map((q) => compile(q, table, missing));
    return (r) => parts.every((t) => t(r));
  }
  if ('any' in p) {
    const parts = p.any.map((q) => compile(q, table, missing));
    return (r) => parts.some((t) => t(r));
  }
  const c = columnIndex(table, p.column, 'filter');
  const field = (r: number) => table.rows[r]![c]!;
  const numberAt = (r: number) => parseNumber(field(r), locate(table, r, p.column));
  // A number in the spec compares numerically (so 1 matches "1.0"); a field that is not a number then never equals it.
  const matches = (value: FilterValue, r: number) => {
    if (typeof value === 'string') return field(r) === value;
    const n = Number(field(r));
    return field(r).trim() !== '' && Number.isFinite(n) && n === value;
  };
  const present = (r: number) => !missing.has(field(r));
  if ('range' in p) {
    const { min, max } = p.range;
    return (r) => {
      if (!present(r)) return false;
      const v = numberAt(r);
      return (min === undefined || v >= min) && (max === undefined || v <= max);
    };
  }
  if ('in' in p) return (r) => present(r) && p.in.some((v) => matches(v, r));
  if ('notIn' in p) return (r) => present(r) && !p.notIn.some((v) => matches(v, r));
  if ('equals' in p) return (r) => present(r) && matches(p.equals, r);
  return present;
}

/**
 * The positions (ascending) of `rows` that pass the filter, and rows in / out per step. Without a filter every row
 * passes and there are no steps.
 */
export function applyFilter(
  filter: FilterPredicate | undefined,
  table: PooledTable,
  missing: readonly string[],
  rows: readonly number[],
): { kept: number[]; counts: FilterCount[] } {
  if (filter === undefined) return { kept: [...rows], counts: [] };
  const missingSet = new Set(missing);
  const steps = 'all' in filter ? filter.all : [filter];
  const tests = steps.map((step) => compile(step, table, missingSet));
  let kept = [...rows];
  const counts: FilterCount[] = [];
  steps.forEach((step, i) => {
    const rowsIn = kept.length;
    kept = kept.filter((r) => tests[i]!(r));
    counts.push({ predicate: describeFilter(step), rowsIn, rowsOut: kept.length });
  });
  return { kept, counts };
}

/** A DataError for a filter that keeps no rows, naming the step that removed the last of them. */
export function emptyFilterError(counts: readonly FilterCount[], file: string): DataError {
  const last = counts.find((c) => c.rowsOut === 0);
  return new DataError(
    `the filter keeps no rows${last ? `: '${last.predicate}' removed the last ${last.rowsIn}` : ''}.`,
    { file },
    "check the filter's values against the data (text values must match exactly, e.g. 'O' vs 'o').",
  );
}
