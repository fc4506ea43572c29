// Series charts: one value per group (and overall) at each step, as points with CIs against sparsity or by step,
// with the same numbers as a table and undefined values listed with their reason.
import type { TopLevelSpec } from 'vega-lite';
import type { CampaignData, EvaluatedStep, MetricPoint, SectionMetrics } from '../campaign-data.ts';
import {
  type ChartDefinition,
  type DataTable,
  OKABE_ITO,
  OUTCOMES,
  OUTCOME_COLOURS,
  OUTCOME_LEGEND,
  OUTCOME_SHAPES,
  REFERENCE_COLOUR,
  SHAPES,
  formatNumber,
  formatPercent,
  formatValue,
} from './format.ts';

/** One plotted value: a series (group) at a step, with its CI when there is one. */
interface SeriesPoint {
  step: string;
  stepKey: string;
  order: number;
  sparsity: number | null;
  outcome: string;
  series: string;
  value: number;
  lo: number | null;
  hi: number | null;
  /** Facet panel, for charts with more than one. */
  panel: string | null;
  /** A threshold drawn as a dashed rule in this point's panel. */
  threshold: number | null;
}

/** A value a chart reads from a step, before it becomes a SeriesPoint. */
export interface Reading {
  series: string;
  point: MetricPoint;
  panel?: string;
  threshold?: number;
}

function colourScale(series: string[]): { domain: string[]; range: string[] } {
  let next = 0;
  const range = series.map((s) =>
    s === 'overall' || s.startsWith('constraint') ? REFERENCE_COLOUR : OKABE_ITO[next++ % (OKABE_ITO.length - 1)]!,
  );
  return { domain: series, range };
}
const shapeScale = (series: string[]) => ({
  domain: series,
  range: series.map((_, i) => SHAPES[i % SHAPES.length]!),
});

export const WIDTH = 520;
export const HEIGHT = 240;
export const BASE_CONFIG = {
  range: { category: OKABE_ITO },
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 240 },
  title: { fontSize: 14, anchor: 'start' as const },
};

function seriesOrder(points: SeriesPoint[]): string[] {
  const names = [...new Set(points.map((p) => p.series))];
  const special = (s: string) => (s === 'overall' ? 1 : s.startsWith('constraint') ? 2 : 0);
  return names.sort((a, b) => special(a) - special(b) || a.localeCompare(b));
}

/**
 * Points + connecting lines + CI whiskers for series over an x field (sparsity, quantitative, or step, ordinal).
 * Rejected attempts are drawn faded and left out of the lines, so the line follows the accepted models. With a
 * `panel` field the chart is faceted (one panel per value, each with its own y scale); `threshold` on a row draws a
 * dashed rule at that value in its panel.
 */
export function seriesSpec(opts: {
  title: string;
  description: string;
  points: SeriesPoint[];
  x: 'sparsity' | 'step';
  stepOrder: string[];
  yTitle: string;
  panels?: { field: 'panel'; order: string[]; direction: 'row' | 'column' };
}): TopLevelSpec {
  const series = seriesOrder(opts.points);
  const colour = { field: 'series', type: 'nominal' as const, title: 'series', scale: colourScale(series) };
  const shape = { field: 'series', type: 'nominal' as const, title: 'series', scale: shapeScale(series) };
  const x =
    opts.x === 'sparsity'
      ? {
          field: 'sparsity',
          type: 'quantitative' as const,
          title: 'achieved sparsity',
          axis: { format: '.0%' },
          scale: { domain: [0, 1] },
        }
      : {
          field: 'step',
          type: 'ordinal' as const,
          title: 'step',
          sort: opts.stepOrder,
          scale: { type: 'point' as const, padding: 0.4 },
          // Half-width panels have no room for level step labels side by side: slant them there.
          axis:
            opts.panels?.direction === 'column'
              ? { labelAngle: -40, labelAlign: 'right' as const, labelOverlap: false }
              : { labelAngle: 0, labelOverlap: 'greedy' as const },
        };
  const y = { field: 'value', type: 'quantitative' as const, title: opts.yTitle, scale: { zero: false } };
  const layer = [
    {
      transform: [{ filter: "datum.outcome !== 'rejected'" }],
      mark: { type: 'line' as const, strokeWidth: 1.5 },
      encoding: {
        x,
        y,
        color: colour,
        detail: { field: 'series', type: 'nominal' as const },
        order: { field: 'order' },
      },
    },
    {
      transform: [{ filter: 'datum.lo !== null && datum.hi !== null' }],
      mark: { type: 'errorbar' as const, ticks: true, thickness: 1.2 },
      encoding: {
        x,
        y: { field: 'lo', type: 'quantitative' as const, title: opts.yTitle },
        y2: { field: 'hi' },
        color: colour,
      },
    },
    {
      mark: { type: 'point' as const, filled: true, size: 60 },
      encoding: {
        x,
        y,
        color: colour,
        shape,
        // Rejected attempts fade; the legend shows each outcome as the ring drawn around its points (below).
        opacity: {
          field: 'outcome',
          type: 'ordinal' as const,
          scale: { domain: OUTCOMES, range: [1, 0.8, 0.35] },
          legend: OUTCOME_LEGEND,
        },
        tooltip: [
          { field: 'stepKey', title: 'step' },
          { field: 'series' },
          { field: 'value', format: '.4f' },
          { field: 'lo', format: '.4f', title: 'CI low' },
          { field: 'hi', format: '.4f', title: 'CI high' },
          { field: 'outcome' },
        ],
      },
    },
    // A ring around each point says its outcome by shape and colour: ○ accepted, ◇ pending, ✚ rejected. One layer
    // per outcome with a fixed mark shape keeps the series' shape scale to itself; the legend draws the same shapes.
    ...OUTCOMES.map((outcome, i) => ({
      transform: [{ filter: `datum.outcome === '${outcome}'` }],
      mark: {
        type: 'point' as const,
        filled: false,
        size: 170,
        strokeWidth: 1.4,
        shape: OUTCOME_SHAPES[i],
        stroke: OUTCOME_COLOURS[i],
      },
      encoding: { x, y },
    })),
    {
      transform: [{ filter: 'datum.threshold !== null' }],
      mark: { type: 'rule' as const, strokeDash: [6, 4], color: REFERENCE_COLOUR },
      encoding: { y: { field: 'threshold', type: 'quantitative' as const } },
    },
  ];
  const common = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title,
    description: opts.description,
    data: { values: opts.points.map((p) => ({ ...p })) },
    config: BASE_CONFIG,
  };
  if (opts.panels === undefined) return { ...common, width: WIDTH, height: HEIGHT, layer } as TopLevelSpec;
  const header = {
    field: 'panel',
    type: 'nominal' as const,
    title: null,
    sort: opts.panels.order,
    header: {
      labelFontSize: 12,
      labelFontWeight: 'bold' as const,
      labelAngle: 0,
      labelOrient: 'top' as const,
      labelAnchor: 'start' as const,
      labelAlign: 'left' as const,
      labelLimit: 480,
    },
  };
  const facet = opts.panels.direction === 'row' ? { row: header } : { column: header };
  const size =
    opts.panels.direction === 'row' ? { width: WIDTH, height: HEIGHT * 0.75 } : { width: WIDTH / 2, height: HEIGHT };
  return {
    ...common,
    facet,
    spec: { ...size, layer },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

export function seriesTable(caption: string, points: SeriesPoint[], withSparsity: boolean): DataTable {
  return {
    caption,
    columns: ['step', ...(withSparsity ? ['sparsity'] : []), 'series', 'value', 'CI', 'outcome'],
    rows: points.map((p) => [
      p.stepKey,
      ...(withSparsity ? [formatPercent(p.sparsity)] : []),
      p.panel === null ? p.series : `${p.panel}: ${p.series}`,
      formatNumber(p.value),
      p.lo === null || p.hi === null ? 'none' : `[${formatNumber(p.lo)}, ${formatNumber(p.hi)}]`,
      p.outcome,
    ]),
  };
}

/** Undefined values are not plotted; the table lists them with the report's reason. */
export function undefinedRows(steps: EvaluatedStep[], read: (s: EvaluatedStep) => Reading[]): string[][] {
  const rows: string[][] = [];
  for (const s of steps)
    for (const { series, point, panel } of read(s))
      if (point.value === null)
        rows.push([s.stepKey, panel === undefined ? series : `${panel}: ${series}`, formatValue(point)]);
  return rows;
}

export function pointsOf(
  steps: EvaluatedStep[],
  read: (s: EvaluatedStep) => Reading[],
  needSparsity: boolean,
): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  steps.forEach((s, order) => {
    if (needSparsity && s.sparsity === null) return;
    for (const { series, point, panel, threshold } of read(s)) {
      if (point.value === null) continue;
      out.push({
        step: s.label,
        stepKey: s.stepKey,
        order,
        sparsity: s.sparsity,
        outcome: s.outcome,
        series,
        value: point.value,
        lo: point.ci?.[0] ?? null,
        hi: point.ci?.[1] ?? null,
        panel: panel ?? null,
        threshold: threshold ?? null,
      });
    }
  });
  return out;
}

export const groupPoints =
  (attribute: string, metric: string, section: 'candidate' | 'delta' = 'candidate', suffix = '') =>
  (s: EvaluatedStep): Reading[] => {
    const metrics: SectionMetrics | null = section === 'delta' ? s.delta : s.candidate;
    const groups = metrics?.groups[attribute] ?? {};
    return Object.entries(groups).flatMap(([group, values]) =>
      values[metric] === undefined ? [] : [{ series: `${group}${suffix}`, point: values[metric] }],
    );
  };

export function attributesOf(data: CampaignData): string[] {
  const names = new Set<string>();
  for (const s of data.steps) for (const a of Object.keys(s.candidate.groups)) names.add(a);
  return [...names].sort((a, b) => (a.includes('&') ? 1 : 0) - (b.includes('&') ? 1 : 0) || a.localeCompare(b));
}

export const ciNote = (data: CampaignData): string => {
  const level = data.steps[0]?.ciLevel;
  return level === undefined ? 'bootstrap CIs' : `${Math.round(level * 100)}% bootstrap CIs`;
};

export function withUndefined(table: DataTable, extra: string[][], withSparsity: boolean): DataTable {
  if (extra.length === 0) return table;
  const pad = (r: string[]) => [r[0]!, ...(withSparsity ? [''] : []), r[1]!, r[2]!, 'none', ''];
  return { ...table, rows: [...table.rows, ...extra.map(pad)] };
}

const stepOrderOf = (data: CampaignData) => data.steps.map((s) => s.label);

export function byStepChart(
  data: CampaignData,
  opts: {
    id: string;
    title: string;
    description: string;
    yTitle: string;
    read: (s: EvaluatedStep) => Reading[];
    panels?: string[];
    note?: string;
  },
): ChartDefinition {
  const points = pointsOf(data.steps, opts.read, false);
  return {
    id: opts.id,
    title: opts.title,
    description: opts.description,
    spec: seriesSpec({
      title: opts.title,
      description: opts.description,
      points,
      x: 'step',
      stepOrder: stepOrderOf(data),
      yTitle: opts.yTitle,
      ...(opts.panels === undefined ? {} : { panels: { field: 'panel', order: opts.panels, direction: 'column' } }),
    }),
    table: withUndefined(
      seriesTable(`${opts.title}: values and CIs`, points, false),
      undefinedRows(data.steps, opts.read),
      false,
    ),
    ...(opts.note === undefined ? {} : { note: opts.note }),
  };
}
