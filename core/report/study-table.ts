// The study table (README "Results"): study.json's cells grouped by data set × sparsity (+int8) × arm, each number
// over the seeds as mean with min–max (one seed: the value with its CI), and a goals table saying per row whether each
// goal of issue #14 is met. Every number is from the cells' held-out reports: final model against its dense model on
// rows no gate saw. Pure: takes the parsed study.json.
import type { Estimate, StudyCellMetrics, StudyCellRecord, StudyReport } from '../campaign/study.ts';
import { reachesTarget } from '../campaign/summary.ts';

/** The goals (issue #14, "Done when"), in points of accuracy (1 pt = 0.01). */
export const STUDY_GOALS = {
  /** Overall accuracy falls by at most 0.5 pt (point estimate). */
  maxAccuracyDrop: 0.005,
  /** max ψ_g ≤ 1 pt for every attribute, judged on the CI's upper bound. */
  maxExcessGapUpper: 0.01,
  /** No group's accuracy falls more than 1 pt below its dense level (point estimate). */
  maxGroupDrop: 0.01,
} as const;

/** A goal over a row's seeds: met by every seed, not met by some, or undetermined (some seed has no value). */
export type GoalVerdict =
  | { status: 'met'; seeds: number }
  | { status: 'not met'; failing: number; seeds: number; detail: string }
  | { status: 'undetermined'; reason: string };

export interface StudyTableRow {
  dataset: string;
  sparsity: number;
  quantize: 'int8' | 'none';
  arm: string;
  cells: StudyCellRecord[];
  goals: {
    accuracyDrop: GoalVerdict;
    maxExcessGap: GoalVerdict;
    noSignificantExcessDrop: GoalVerdict;
    noGroupDrop: GoalVerdict;
  };
}

/** Cells grouped into rows in study.json's order (data set, sparsity, arm); a row's cells are its seeds. */
export function studyTableRows(report: StudyReport): StudyTableRow[] {
  const rows = new Map<string, StudyTableRow>();
  for (const cell of report.cells) {
    const key = JSON.stringify([cell.dataset, cell.sparsity, cell.quantize, cell.arm]);
    let row = rows.get(key);
    if (row === undefined) {
      row = {
        dataset: cell.dataset,
        sparsity: cell.sparsity,
        quantize: cell.quantize,
        arm: cell.arm,
        cells: [],
        goals: undefined as unknown as StudyTableRow['goals'],
      };
      rows.set(key, row);
    }
    row.cells.push(cell);
  }
  for (const row of rows.values()) row.goals = rowGoals(row.cells);
  return [...rows.values()];
}

/**
 * One goal over the seeds: `check` says per seed whether it is met (true/false, with a detail when false) or cannot
 * tell (a string: why). Met only when every seed meets it; not met when any seed fails it.
 */
function goalOver(
  cells: StudyCellRecord[],
  check: (m: StudyCellMetrics) => true | { failed: string } | string,
): GoalVerdict {
  const failing: string[] = [];
  const unknown: string[] = [];
  for (const cell of cells) {
    if (!cell.metrics.defined) {
      unknown.push(`seed ${cell.seed}: ${cell.metrics.reason}`);
      continue;
    }
    const outcome = check(cell.metrics.value);
    if (outcome === true) continue;
    if (typeof outcome === 'string') unknown.push(`seed ${cell.seed}: ${outcome}`);
    else failing.push(`seed ${cell.seed}: ${outcome.failed}`);
  }
  if (failing.length > 0)
    return { status: 'not met', failing: failing.length, seeds: cells.length, detail: failing.join('; ') };
  if (unknown.length > 0) return { status: 'undetermined', reason: unknown.join('; ') };
  return { status: 'met', seeds: cells.length };
}

const pt = (x: number) => `${(x * 100).toFixed(2).replace(/^-/, '−')} pt`;

function rowGoals(cells: StudyCellRecord[]): StudyTableRow['goals'] {
  return {
    accuracyDrop: goalOver(cells, (m) => {
      const v = m.accuracyChange.value;
      if (v === null) return `accuracy change undefined (${m.accuracyChange.reason})`;
      return v >= -STUDY_GOALS.maxAccuracyDrop || { failed: `accuracy ${pt(v)}` };
    }),
    maxExcessGap: goalOver(cells, (m) => {
      const attributes = Object.entries(m.maxExcessAccuracyGap);
      if (attributes.length === 0) return 'no sensitive attribute in the report';
      const over = attributes.filter(([, e]) => e.ci !== null && e.ci[1] > STUDY_GOALS.maxExcessGapUpper);
      if (over.length > 0) return { failed: over.map(([a, e]) => `max ψ ${a} CI upper ${pt(e.ci![1])}`).join(', ') };
      const withoutCi = attributes.filter(([, e]) => e.ci === null);
      if (withoutCi.length > 0)
        return `no CI for max ψ of ${withoutCi.map(([a, e]) => `${a}${e.reason ? ` (${e.reason})` : ''}`).join(', ')}`;
      return true;
    }),
    noSignificantExcessDrop: goalOver(cells, (m) => {
      const { groups, withoutCi } = m.significantExcessDrops;
      if (groups.length > 0) return { failed: `ψ_g CI above 0 for ${groups.join(', ')}` };
      if (withoutCi.length > 0) return `no ψ_g CI for ${withoutCi.join(', ')}`;
      return true;
    }),
    noGroupDrop: goalOver(cells, (m) => {
      const drop = m.largestGroupDrop;
      if (drop.group === null) return drop.reason;
      return drop.change >= -STUDY_GOALS.maxGroupDrop || { failed: `${drop.group} ${pt(drop.change)}` };
    }),
  };
}

/** Values over the seeds: "mean (min…max)" with two or more, "value [CI]" with one; missing seeds are counted. */
function overSeeds(
  cells: StudyCellRecord[],
  value: (m: StudyCellMetrics) => Estimate | null,
  scale: number,
  digits: number,
): string {
  const values: Estimate[] = [];
  let missing = 0;
  for (const cell of cells) {
    const v = cell.metrics.defined ? value(cell.metrics.value) : null;
    if (v === null || v.value === null) missing++;
    else values.push(v);
  }
  const f = (x: number) => (x * scale).toFixed(digits).replace(/^-/, '−');
  const of = missing > 0 ? ` (${values.length} of ${cells.length} seeds)` : '';
  if (values.length === 0) return '—';
  if (values.length === 1) {
    const only = values[0]!;
    return `${f(only.value!)}${only.ci ? ` [${f(only.ci[0])}, ${f(only.ci[1])}]` : ''}${of}`;
  }
  const xs = values.map((v) => v.value!);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return `${f(mean)} (${f(Math.min(...xs))}…${f(Math.max(...xs))})${of}`;
}

/** The attribute with the highest max ψ in a cell, as an estimate (its CI is that attribute's). */
function largestPsi(m: StudyCellMetrics): Estimate | null {
  let best: Estimate | null = null;
  for (const e of Object.values(m.maxExcessAccuracyGap))
    if (e.value !== null && (best === null || e.value > best.value!)) best = e;
  return best;
}

/** Each seed's max ψ (its largest attribute's) with its CI, in points: `s0 0.08 [0.00, 4.84]; s1 …`. */
function psiBySeed(cells: StudyCellRecord[]): string {
  const f = (x: number) => (x * 100).toFixed(2).replace(/^-/, '−');
  return cells
    .map((cell) => {
      const e = cell.metrics.defined ? largestPsi(cell.metrics.value) : null;
      if (e === null || e.value === null) return `s${cell.seed} —`;
      return `s${cell.seed} ${f(e.value)}${e.ci ? ` [${f(e.ci[0])}, ${f(e.ci[1])}]` : ''}`;
    })
    .join('; ');
}

/** The highest CI upper bound of max ψ over the row's seeds and attributes, or null when none has a CI. */
function psiUpper(cells: StudyCellRecord[]): number | null {
  const uppers = cells.flatMap((c) =>
    c.metrics.defined
      ? Object.values(c.metrics.value.maxExcessAccuracyGap).flatMap((e) => (e.ci ? [e.ci[1]] : []))
      : [],
  );
  return uppers.length === 0 ? null : Math.max(...uppers);
}

function eodText(cells: StudyCellRecord[]): string {
  const attributes = [
    ...new Set(cells.flatMap((c) => (c.metrics.defined ? Object.keys(c.metrics.value.equalizedOddsDifference) : []))),
  ];
  if (attributes.length === 0) return '—';
  return attributes
    .map((a) => {
      const dense = cells
        .flatMap((c) => (c.metrics.defined ? [c.metrics.value.equalizedOddsDifference[a]?.dense ?? null] : []))
        .filter((d): d is number => d !== null);
      const denseText =
        dense.length === 0 ? '' : `, dense ${(dense.reduce((x, y) => x + y, 0) / dense.length).toFixed(3)}`;
      return `${a} ${overSeeds(cells, (m) => m.equalizedOddsDifference[a]?.final ?? null, 1, 3)}${denseText}`;
    })
    .join('; ');
}

function countsText(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n}/${values.length} ${v}`).join(', ');
}

/**
 * The sparsity the row's cells shipped at, in percent over the seeds, and how many reached the row's target: a cell
 * whose gates bisected below the target completes short of it and is judged at the sparsity it reached.
 */
function reachedText(row: StudyTableRow): string {
  const reached = row.cells.flatMap((c) => (c.finalSparsity === null ? [] : [c.finalSparsity]));
  if (reached.length === 0) return '—';
  const atTarget = reached.filter((s) => reachesTarget(s, row.sparsity)).length;
  const f = (x: number) => (x * 100).toFixed(1);
  const mean = reached.reduce((a, b) => a + b, 0) / reached.length;
  const [low, high] = [Math.min(...reached), Math.max(...reached)];
  const spread = f(low) === f(high) ? f(mean) : `${f(mean)} (${f(low)}…${f(high)})`;
  return `${spread}; ${atTarget}/${row.cells.length} at target`;
}

const sparsityText = (row: StudyTableRow) =>
  `${String(Math.round(row.sparsity * 10000) / 100)}%${row.quantize === 'int8' ? ' + int8' : ''}`;

function goalText(goal: GoalVerdict): string {
  if (goal.status === 'met') return `met (${goal.seeds}/${goal.seeds} seeds)`;
  if (goal.status === 'not met') return `**not met** (${goal.failing}/${goal.seeds} seeds: ${goal.detail})`;
  return `undetermined (${goal.reason})`;
}

function markdownTable(header: string[], rows: string[][]): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(escape).join(' | ')} |`),
  ].join('\n');
}

/** The study's Markdown: the results table, then the goals table, each row a data set × sparsity × arm. */
export function studyTable(report: StudyReport): string {
  const rows = studyTableRows(report);
  const results = markdownTable(
    [
      'data set',
      'sparsity',
      'arm',
      'cells',
      'sparsity reached (%)',
      'accuracy Δ (pt)',
      'worst-group accuracy Δ (pt)',
      'max ψ (pt)',
      'max ψ by seed [95% CI] (pt)',
      'max ψ CI upper (pt)',
      'EOD',
      'held-out verdict',
    ],
    rows.map((row) => {
      const upper = psiUpper(row.cells);
      return [
        row.dataset,
        sparsityText(row),
        row.arm,
        countsText(row.cells.map((c) => c.status)),
        reachedText(row),
        overSeeds(row.cells, (m) => m.accuracyChange, 100, 2),
        overSeeds(
          row.cells,
          (m) => (m.worstGroupAccuracy.value === null ? null : { value: m.worstGroupAccuracy.change, ci: null }),
          100,
          2,
        ),
        overSeeds(row.cells, largestPsi, 100, 2),
        psiBySeed(row.cells),
        upper === null ? '—' : (upper * 100).toFixed(2),
        eodText(row.cells),
        countsText(row.cells.map((c) => c.heldOut.status)),
      ];
    }),
  );
  const goals = markdownTable(
    [
      'data set',
      'sparsity',
      'arm',
      'accuracy drop ≤ 0.5 pt',
      'max ψ ≤ 1 pt (CI upper)',
      'no significant excess drop',
      'no group > 1 pt below dense',
    ],
    rows.map((row) => [
      row.dataset,
      sparsityText(row),
      row.arm,
      goalText(row.goals.accuracyDrop),
      goalText(row.goals.maxExcessGap),
      goalText(row.goals.noSignificantExcessDrop),
      goalText(row.goals.noGroupDrop),
    ]),
  );
  const seeds = [...new Set(report.cells.map((c) => c.seed))];
  return [
    `Study ${report.studyId}: ${report.cells.length} cells, seeds ${seeds.join(', ')}. Every number is on the held-out (test) split, final model against its dense model; over seeds: mean (min…max), one seed: value [95% CI]. Group numbers leave out groups below the minimum group size. A cell whose gates failed at the target and passed lower completes short of it ("sparsity reached"); its numbers are those of the model it shipped.`,
    '',
    results,
    '',
    'Goals (a row meets a goal when every seed does; undetermined when a seed has no value and none fails):',
    '',
    goals,
    '',
  ].join('\n');
}
