// The charts' shared look and words: the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), step
// outcome shapes, the chart and table shapes every family returns, metric labels and number formats.
import type { TopLevelSpec } from 'vega-lite';
import type { MetricPoint } from '../campaign-data.ts';

/** Okabe–Ito, reordered so the first colours have good contrast on white (yellow last but one, black reserved). */
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];
/** Black: the overall value, the gate's constrained value and thresholds. */
export const REFERENCE_COLOUR = '#000000';
export const SHAPES = [
  'circle',
  'square',
  'triangle-up',
  'diamond',
  'cross',
  'triangle-down',
  'triangle-right',
  'wedge',
];
/** Step outcomes, each with its own ring shape and Okabe–Ito colour (green, orange, vermilion). */
export const OUTCOMES = ['accepted', 'pending', 'rejected'];
export const OUTCOME_SHAPES = ['circle', 'diamond', 'cross'];
export const OUTCOME_COLOURS = [OKABE_ITO[2]!, OKABE_ITO[1]!, OKABE_ITO[3]!];
/**
 * The outcome legend: each entry names its ring's shape and colour in the label (Vega-Lite gives an opacity legend
 * one symbol shape and colour for all entries, which read as three near-identical grey dots).
 */
const OUTCOME_GLYPHS = ['○ green', '◇ orange', '✚ vermilion'];
export const OUTCOME_LEGEND = {
  title: 'outcome (ring)',
  symbolOpacity: 0,
  symbolSize: 0,
  labelOffset: 0,
  labelExpr:
    OUTCOMES.map((o, i) => `datum.value === '${o}' ? '${OUTCOME_GLYPHS[i]}: ${o}' : `).join('') + 'datum.label',
};

export interface DataTable {
  caption: string;
  columns: string[];
  rows: string[][];
}

export interface ChartDefinition {
  /** Stable, unique, usable as an HTML id. */
  id: string;
  title: string;
  /** What the chart shows, in one sentence: the SVG's aria-label. */
  description: string;
  spec: TopLevelSpec;
  table: DataTable;
  /** Caveats shown under the chart (e.g. what the data does not contain). */
  note?: string;
}

const METRIC_LABELS: Record<string, string> = {
  accuracy: 'accuracy',
  true_positive_rate: 'TPR',
  false_positive_rate: 'FPR',
  ece: 'ECE',
  excess_accuracy_gap: 'excess accuracy gap ψ',
  accuracy_drop: 'accuracy drop',
  selection_rate: 'selection rate',
  balanced_accuracy: 'balanced accuracy',
};
export const metricLabel = (metric: string): string => METRIC_LABELS[metric] ?? metric.replace(/_/g, ' ');

/** Numbers in tables: 4 significant decimals, "undefined" (with the report's reason) instead of a silent blank. */
export function formatNumber(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'undefined';
  return Number.isInteger(x) ? String(x) : x.toFixed(digits);
}
export const formatPercent = (x: number | null): string => (x === null ? 'unknown' : `${(x * 100).toFixed(2)}%`);
export const formatCi = (p: MetricPoint): string =>
  p.ci === null ? (p.reason ? `none (${p.reason})` : 'none') : `[${formatNumber(p.ci[0])}, ${formatNumber(p.ci[1])}]`;
export const formatValue = (p: MetricPoint): string =>
  p.value === null ? `undefined${p.reason ? ` (${p.reason})` : ''}` : formatNumber(p.value);

export const chartId = (...parts: string[]): string =>
  parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
