// The report's charts as Vega-Lite specs, each a pure function of CampaignData, each with a title, a one-sentence
// description (the SVG's accessible name) and the same numbers as a table (the data-table alternative). Colours are
// the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), and groups are told apart by shape as well.
import type { TopLevelSpec } from 'vega-lite';
import type { SizeSummary } from '../campaign/contracts.ts';
import type {
  CampaignData,
  EvaluatedStep,
  MetricPoint,
  RubricConstraintInfo,
  SectionMetrics,
} from './campaign-data.ts';
import { groupMetricsBehind } from './campaign-data.ts';

/** Okabe–Ito, reordered so the first colours have good contrast on white (yellow last but one, black reserved). */
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];
/** Black: the overall value, the gate's constrained value and thresholds. */
export const REFERENCE_COLOUR = '#000000';
const SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down', 'triangle-right', 'wedge'];

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
const formatPercent = (x: number | null): string => (x === null ? 'unknown' : `${(x * 100).toFixed(2)}%`);
const formatCi = (p: MetricPoint): string =>
  p.ci === null ? (p.reason ? `none (${p.reason})` : 'none') : `[${formatNumber(p.ci[0])}, ${formatNumber(p.ci[1])}]`;
const formatValue = (p: MetricPoint): string =>
  p.value === null ? `undefined${p.reason ? ` (${p.reason})` : ''}` : formatNumber(p.value);

const chartId = (...parts: string[]): string =>
  parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

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
interface Reading {
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
const shapeScale = (series: string[]) => ({ domain: series, range: series.map((_, i) => SHAPES[i % SHAPES.length]!) });

const WIDTH = 520;
const HEIGHT = 240;
const BASE_CONFIG = {
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
function seriesSpec(opts: {
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
          axis: { labelAngle: 0 },
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
        opacity: {
          field: 'outcome',
          type: 'ordinal' as const,
          sort: ['accepted', 'pending', 'rejected'],
          title: 'outcome',
          scale: { domain: ['accepted', 'pending', 'rejected'], range: [1, 0.8, 0.35] },
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

function seriesTable(caption: string, points: SeriesPoint[], withSparsity: boolean): DataTable {
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
function undefinedRows(steps: EvaluatedStep[], read: (s: EvaluatedStep) => Reading[]): string[][] {
  const rows: string[][] = [];
  for (const s of steps)
    for (const { series, point, panel } of read(s))
      if (point.value === null)
        rows.push([s.stepKey, panel === undefined ? series : `${panel}: ${series}`, formatValue(point)]);
  return rows;
}

function pointsOf(steps: EvaluatedStep[], read: (s: EvaluatedStep) => Reading[], needSparsity: boolean): SeriesPoint[] {
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

const groupPoints =
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

const ciNote = (data: CampaignData): string => {
  const level = data.steps[0]?.ciLevel;
  return level === undefined ? 'bootstrap CIs' : `${Math.round(level * 100)}% bootstrap CIs`;
};

function withUndefined(table: DataTable, extra: string[][], withSparsity: boolean): DataTable {
  if (extra.length === 0) return table;
  const pad = (r: string[]) => [r[0]!, ...(withSparsity ? [''] : []), r[1]!, r[2]!, 'none', ''];
  return { ...table, rows: [...table.rows, ...extra.map(pad)] };
}

/** Accuracy per group (and overall) against achieved sparsity, one chart per attribute. */
export function accuracyVsSparsityCharts(data: CampaignData): ChartDefinition[] {
  return attributesOf(data).map((attribute) => {
    const read = (s: EvaluatedStep) => [
      ...(s.candidate.overall['accuracy'] ? [{ series: 'overall', point: s.candidate.overall['accuracy'] }] : []),
      ...groupPoints(attribute, 'accuracy')(s),
    ];
    const points = pointsOf(data.steps, read, true);
    const title = `Accuracy vs sparsity by ${attribute}`;
    const description = `Accuracy of each ${attribute} group and overall at each evaluated step, against the achieved sparsity, with ${ciNote(data)} as whiskers; rejected attempts are faded.`;
    return {
      id: chartId('accuracy-vs-sparsity', attribute),
      title,
      description,
      spec: seriesSpec({ title, description, points, x: 'sparsity', stepOrder: [], yTitle: 'accuracy' }),
      table: withUndefined(
        seriesTable(`${title}: values and CIs`, points, true),
        undefinedRows(data.steps, read),
        true,
      ),
    };
  });
}

function constraintTitle(c: RubricConstraintInfo): string {
  const where = c.scope === 'overall' ? 'overall' : `on ${c.scope}`;
  const rel = c.section === 'delta' ? ' (candidate − reference)' : '';
  return `Rubric ${c.id}: ${c.metric}${rel} ${where} ${c.comparator} ${c.threshold}, by sparsity`;
}

/**
 * One chart per rubric constraint, two panels against sparsity: the value the gate compared (with its CI and the
 * threshold), and the group metric(s) behind it per group (e.g. ψ_g for max_excess_accuracy_gap, TPR and FPR for
 * equalized odds), with CIs.
 */
export function rubricCharts(data: CampaignData): ChartDefinition[] {
  const constraints = data.rubric?.constraints ?? [];
  return constraints.map((c) => {
    const behind = c.kind === 'disparity' ? groupMetricsBehind(c.metric) : [c.metric];
    const attributes = c.scope === 'overall' ? attributesOf(data).filter((a) => !a.includes('&')) : [c.scope];
    const gatePanel = `gate: ${c.metric}${c.section === 'delta' ? ' (Δ vs reference)' : ''}`;
    const groupPanel = `per group: ${behind.map(metricLabel).join(', ')}${c.section === 'delta' ? ' (Δ vs reference)' : ''}`;
    const read = (s: EvaluatedStep): Reading[] => {
      const out: Reading[] = [];
      const decision = s.gate?.constraints.find((d) => d.id === c.id);
      if (decision !== undefined)
        out.push({
          series: 'constraint value',
          panel: gatePanel,
          threshold: c.threshold,
          point: {
            value: decision.observed,
            ci: decision.ci,
            ...(decision.observed === null ? { reason: decision.reason } : {}),
          },
        });
      for (const metric of behind) {
        const suffix = behind.length > 1 ? ` · ${metricLabel(metric)}` : '';
        for (const attribute of attributes) {
          const prefix = c.scope === 'overall' ? `${attribute}=` : '';
          for (const p of groupPoints(attribute, metric, c.section, suffix)(s))
            out.push({ ...p, series: prefix + p.series, panel: groupPanel });
        }
      }
      return out;
    };
    const points = pointsOf(data.steps, read, true);
    const title = constraintTitle(c);
    const description = `Rubric constraint ${c.id}. Top: the value the gate compared (${c.metric}) with its CI and the threshold ${c.comparator} ${c.threshold} as a dashed line. Bottom: the per-group ${behind.map(metricLabel).join(' and ')} behind it, with ${ciNote(data)}; both against achieved sparsity.`;
    return {
      id: chartId('rubric', c.id),
      title,
      description,
      spec: seriesSpec({
        title,
        description,
        points,
        x: 'sparsity',
        stepOrder: [],
        yTitle: 'value',
        panels: { field: 'panel', order: [gatePanel, groupPanel], direction: 'row' },
      }),
      table: withUndefined(
        seriesTable(`${title}: values and CIs (threshold ${c.comparator} ${c.threshold})`, points, true),
        undefinedRows(data.steps, read),
        true,
      ),
    };
  });
}

const stepOrderOf = (data: CampaignData) => data.steps.map((s) => s.label);

function byStepChart(
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

/** TPR and FPR per group by step, one chart per attribute with a panel for each rate. */
export function rateCharts(data: CampaignData): ChartDefinition[] {
  const panels = ['true positive rate (TPR)', 'false positive rate (FPR)'];
  return attributesOf(data).map((attribute) =>
    byStepChart(data, {
      id: chartId('rates', attribute),
      title: `True and false positive rates by ${attribute} and step`,
      description: `TPR (left) and FPR (right) of each ${attribute} group at every evaluated step (baseline, each milestone attempt, quantized), with ${ciNote(data)}.`,
      yTitle: 'rate',
      panels,
      read: (s) => [
        ...groupPoints(attribute, 'true_positive_rate')(s).map((p) => ({ ...p, panel: panels[0]! })),
        ...groupPoints(attribute, 'false_positive_rate')(s).map((p) => ({ ...p, panel: panels[1]! })),
      ],
    }),
  );
}

/** ψ_g = (A_g,ref − A_g) − (A_ref − A) per group by step (Hashemizadeh et al. 2024), one chart per attribute. */
export function excessGapCharts(data: CampaignData): ChartDefinition[] {
  return attributesOf(data).map((attribute) =>
    byStepChart(data, {
      id: chartId('excess-accuracy-gap', attribute),
      title: `Excess accuracy gap ψ by ${attribute} and step`,
      description: `Excess accuracy gap ψ of each ${attribute} group (its accuracy loss against the dense baseline beyond the overall loss) at every step compared with the baseline, with ${ciNote(data)}; the dashed line is 0, above it a group lost more than average.`,
      yTitle: 'ψ (excess accuracy gap)',
      read: (s) => groupPoints(attribute, 'excess_accuracy_gap')(s).map((p) => ({ ...p, threshold: 0 })),
      note: 'The baseline is the reference, so it has no ψ.',
    }),
  );
}

/**
 * Calibration per group by step. The fairness report keeps ECE per group (15 equal-width bins) but not the per-bin
 * confidence/accuracy pairs, so reliability curves cannot be drawn from it; ECE with its CI is charted instead.
 */
export function calibrationCharts(data: CampaignData): ChartDefinition[] {
  return attributesOf(data).map((attribute) =>
    byStepChart(data, {
      id: chartId('calibration-ece', attribute),
      title: `Calibration: expected calibration error by ${attribute} and step`,
      description: `Positive-class expected calibration error (ECE) of each ${attribute} group and overall at every step, before (baseline) and after compression, with ${ciNote(data)}; lower is better calibrated.`,
      yTitle: 'ECE',
      read: (s) => [
        ...(s.candidate.overall['ece'] ? [{ series: 'overall', point: s.candidate.overall['ece'] }] : []),
        ...groupPoints(attribute, 'ece')(s),
      ],
      note: 'The fairness report stores ECE per group but not per-bin reliability data, so calibration curves are shown as ECE per step.',
    }),
  );
}

const SIZE_FORMATS: { key: keyof SizeSummary; label: string }[] = [
  { key: 'denseBytes', label: 'dense float32' },
  { key: 'sparseBytes', label: 'sparse (CSR)' },
  { key: 'int8Bytes', label: 'int8' },
];

/** Deployed size by step (dense float32, CSR, int8 bytes) and FLOPs per prediction. Latency is not measured yet. */
export function sizeCharts(data: CampaignData): ChartDefinition[] {
  const sized = data.steps.filter((s) => s.size !== null);
  const sizeRows = sized.flatMap((s) =>
    SIZE_FORMATS.map((f) => ({ step: s.label, stepKey: s.stepKey, format: f.label, bytes: s.size![f.key] })),
  );
  const order = sized.map((s) => s.label);
  const formats = SIZE_FORMATS.map((f) => f.label);
  const sizeTitle = 'Model size by step';
  const sizeDescription =
    'Bytes of each evaluated model stored dense (float32), sparse (CSR) and as int8, at every step.';
  const flopsTitle = 'FLOPs per prediction by step';
  const flopsDescription = 'Floating-point operations of one forward pass (non-zero weights only) at every step.';
  const unmeasured = 'Latency is not measured by the evaluate step, so only size and FLOPs are shown.';
  return [
    {
      id: 'model-size',
      title: sizeTitle,
      description: sizeDescription,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: sizeTitle,
        description: sizeDescription,
        width: WIDTH,
        height: HEIGHT,
        data: { values: sizeRows },
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'step', type: 'ordinal', sort: order, title: 'step', axis: { labelAngle: 0 } },
          xOffset: { field: 'format', type: 'nominal', sort: formats },
          y: { field: 'bytes', type: 'quantitative', title: 'bytes' },
          color: {
            field: 'format',
            type: 'nominal',
            title: 'format',
            sort: formats,
            scale: { domain: formats, range: OKABE_ITO.slice(0, 3) },
          },
          tooltip: [{ field: 'stepKey', title: 'step' }, { field: 'format' }, { field: 'bytes', format: ',' }],
        },
        config: BASE_CONFIG,
      },
      table: {
        caption: `${sizeTitle}: bytes per format`,
        columns: ['step', 'parameters', 'non-zeros', ...formats],
        rows: sized.map((s) => [
          s.stepKey,
          String(s.size!.parameters),
          String(s.size!.nonzeros),
          ...SIZE_FORMATS.map((f) => String(s.size![f.key])),
        ]),
      },
      note: unmeasured,
    },
    {
      id: 'flops',
      title: flopsTitle,
      description: flopsDescription,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: flopsTitle,
        description: flopsDescription,
        width: WIDTH,
        height: HEIGHT,
        data: { values: sized.map((s) => ({ step: s.label, stepKey: s.stepKey, flops: s.size!.flops })) },
        mark: { type: 'bar', color: OKABE_ITO[0] },
        encoding: {
          x: { field: 'step', type: 'ordinal', sort: order, title: 'step', axis: { labelAngle: 0 } },
          y: { field: 'flops', type: 'quantitative', title: 'FLOPs per prediction' },
          tooltip: [
            { field: 'stepKey', title: 'step' },
            { field: 'flops', format: ',' },
          ],
        },
        config: BASE_CONFIG,
      },
      table: {
        caption: `${flopsTitle}`,
        columns: ['step', 'FLOPs'],
        rows: sized.map((s) => [s.stepKey, String(s.size!.flops)]),
      },
    },
  ];
}

export interface ChartSection {
  id: string;
  heading: string;
  charts: ChartDefinition[];
}

/** Every chart of the report, in the order the page shows them. */
export function campaignCharts(data: CampaignData): ChartSection[] {
  return [
    { id: 'accuracy', heading: 'Accuracy vs sparsity', charts: accuracyVsSparsityCharts(data) },
    { id: 'rubric', heading: 'Rubric metrics vs sparsity', charts: rubricCharts(data) },
    { id: 'rates', heading: 'True and false positive rates', charts: rateCharts(data) },
    { id: 'excess-gap', heading: 'Excess accuracy gap ψ', charts: excessGapCharts(data) },
    { id: 'calibration', heading: 'Calibration', charts: calibrationCharts(data) },
    { id: 'size', heading: 'Model size and cost', charts: sizeCharts(data) },
  ].filter((s) => s.charts.length > 0);
}

export { formatCi, formatValue, formatPercent };
