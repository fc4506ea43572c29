// The report's charts as Vega-Lite specs, each a pure function of CampaignData, each with a title, a one-sentence
// description (the SVG's accessible name) and the same numbers as a table (the data-table alternative). Colours are
// the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), and groups are told apart by shape as well.
import type { TopLevelSpec } from 'vega-lite';
import type { SizeSummary } from '../campaign/contracts.ts';
import type { ReliabilityData } from '../fairness/calibration-curve.ts';
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
/** Step outcomes, each with its own ring shape and Okabe–Ito colour (green, orange, vermilion). */
const OUTCOMES = ['accepted', 'pending', 'rejected'];
const OUTCOME_SHAPES = ['circle', 'diamond', 'cross'];
const OUTCOME_COLOURS = [OKABE_ITO[2]!, OKABE_ITO[1]!, OKABE_ITO[3]!];
/**
 * The outcome legend: each entry names its ring's shape and colour in the label (Vega-Lite gives an opacity legend
 * one symbol shape and colour for all entries, which read as three near-identical grey dots).
 */
const OUTCOME_GLYPHS = ['○ green', '◇ orange', '✚ vermilion'];
const OUTCOME_LEGEND = {
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

/** ECE per group (and overall) by step, one chart per attribute: the positive-class ECE of the report, with its CI. */
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
      note:
        reliabilityModels(data).length > 0
          ? "ECE adds up, over equal-width bins of the predicted probability, each bin's share of rows times its gap |observed positive rate − mean predicted probability|: the gaps the reliability diagrams above show bin by bin."
          : 'No step of this campaign has reliability bins (calibration.json, written by the evaluate step since reliability diagrams were added), so calibration is shown as ECE per step only.',
    }),
  );
}

/** One model drawn in the reliability diagrams. */
interface ReliabilityModel {
  /** Legend label. */
  series: string;
  stepKey: string;
  curves: ReliabilityData;
}

/**
 * The models the reliability diagrams compare: the dense baseline ("before"), the final model ("after") and, when the
 * final model is not itself the last accepted milestone (e.g. it is the int8 model), that milestone too. The dense
 * curves come from the baseline's calibration.json (or, failing that, the reference section of the final step's).
 */
export function reliabilityModels(data: CampaignData): ReliabilityModel[] {
  const baseline = data.steps.find((s) => s.kind === 'baseline');
  const finalKey = data.final?.stepKey;
  const finalStep =
    (finalKey === undefined ? undefined : data.steps.find((s) => s.checkpoint?.stepKey === finalKey)) ??
    [...data.steps].reverse().find((s) => s.outcome === 'accepted');
  const models: ReliabilityModel[] = [];
  const dense = baseline?.calibration?.candidate ?? finalStep?.calibration?.reference ?? null;
  if (dense !== null) models.push({ series: 'before: dense baseline', stepKey: 'baseline', curves: dense });
  if (finalStep === undefined || finalStep.kind === 'baseline') return models;
  if (finalStep.calibration) {
    const finalLabel = data.status === 'completed' || data.status === 'stopped' ? 'final model' : 'last accepted model';
    models.push({
      series: `after: ${finalStep.label} (${finalLabel})`,
      stepKey: finalStep.stepKey,
      curves: finalStep.calibration.candidate,
    });
  }
  if (finalStep.kind === 'quantize') {
    const milestone = [...data.steps]
      .reverse()
      .find((s) => s.kind === 'milestone' && s.outcome === 'accepted' && s.calibration);
    if (milestone?.calibration)
      models.push({
        series: `${milestone.label} (last accepted milestone)`,
        stepKey: milestone.stepKey,
        curves: milestone.calibration.candidate,
      });
  }
  return models;
}

const RELIABILITY_COLOURS = [OKABE_ITO[0]!, OKABE_ITO[3]!, OKABE_ITO[2]!];
const RELIABILITY_SHAPES = ['circle', 'square', 'triangle-up'];
const RELIABILITY_PANEL = 190;

/** One plotted bin of a reliability diagram (or an end of a panel's diagonal). */
interface ReliabilityRow {
  kind: 'bin' | 'diagonal';
  panel: string;
  series: string;
  stepKey: string;
  bin: number;
  lo: number;
  hi: number;
  count: number;
  meanScore: number;
  positiveRate: number;
}

/**
 * Reliability diagrams (DeGroot & Fienberg 1983; Guo et al. 2017) per group, one chart per attribute: for each
 * equal-width bin of the predicted probability, the observed positive rate against the mean predicted probability,
 * with the diagonal (perfect calibration) as reference; the dense baseline against the final model (and the last
 * accepted milestone when the final model is the quantized one). Point area is the bin's row count; empty bins are
 * not drawn.
 */
export function reliabilityCharts(data: CampaignData): ChartDefinition[] {
  const models = reliabilityModels(data);
  if (models.length === 0) return [];
  const names = new Set<string>();
  for (const m of models) for (const a of Object.keys(m.curves.attributes)) names.add(a);
  const attributes = [...names].sort(
    (a, b) => (a.includes('&') ? 1 : 0) - (b.includes('&') ? 1 : 0) || a.localeCompare(b),
  );
  const series = models.map((m) => m.series);
  // Colour and shape both tell the models apart, with one shared legend.
  const bySeries = (range: readonly string[]) => ({
    field: 'series',
    type: 'nominal' as const,
    title: 'model',
    legend: { labelLimit: 320, symbolOpacity: 1 },
    sort: series,
    scale: { domain: series, range: range.slice(0, series.length) },
  });
  const colour = bySeries(RELIABILITY_COLOURS);
  const shape = bySeries(RELIABILITY_SHAPES);
  const bins = models[0]!.curves.bins;
  const rowsOf = models[0]!.curves.overall.rows;
  return attributes.map((attribute) => {
    const panelOf = (group: string, rows: number) => `${group} (${rows} rows)`;
    const groupNames = [...new Set(models.flatMap((m) => Object.keys(m.curves.attributes[attribute] ?? {})))].sort();
    const panels: { group: string; label: string }[] = [
      { group: 'overall', label: panelOf('overall', rowsOf) },
      ...groupNames.map((g) => {
        const rows = models.map((m) => m.curves.attributes[attribute]?.[g]?.rows).find((r) => r !== undefined) ?? 0;
        return { group: g, label: panelOf(g, rows) };
      }),
    ];
    const rows: ReliabilityRow[] = [];
    const table: string[][] = [];
    for (const { group, label } of panels) {
      for (const end of [0, 1])
        rows.push({
          kind: 'diagonal',
          panel: label,
          series: 'perfect calibration',
          stepKey: '',
          bin: end,
          lo: 0,
          hi: 1,
          count: 0,
          meanScore: end,
          positiveRate: end,
        });
      for (const m of models) {
        const curve = group === 'overall' ? m.curves.overall : m.curves.attributes[attribute]?.[group];
        if (curve === undefined) continue;
        curve.bins.forEach((b, k) => {
          if (b.count === 0 || b.meanScore === null || b.positiveRate === null) return;
          rows.push({
            kind: 'bin',
            panel: label,
            series: m.series,
            stepKey: m.stepKey,
            bin: k,
            lo: b.lo,
            hi: b.hi,
            count: b.count,
            meanScore: b.meanScore,
            positiveRate: b.positiveRate,
          });
          table.push([
            group,
            m.series,
            `[${formatNumber(b.lo, 3)}, ${formatNumber(b.hi, 3)}${k === curve.bins.length - 1 ? ']' : ')'}`,
            String(b.count),
            formatNumber(b.meanScore),
            formatNumber(b.positiveRate),
          ]);
        });
        table.push([group, m.series, 'ECE (all bins)', String(curve.rows), formatNumber(curve.ece), '']);
      }
    }
    const x = {
      field: 'meanScore',
      type: 'quantitative' as const,
      title: 'mean predicted probability',
      scale: { domain: [0, 1] },
      axis: { format: '.1~f', values: [0, 0.2, 0.4, 0.6, 0.8, 1] },
    };
    const y = {
      field: 'positiveRate',
      type: 'quantitative' as const,
      title: 'observed positive rate',
      scale: { domain: [0, 1] },
      axis: { format: '.1~f', values: [0, 0.2, 0.4, 0.6, 0.8, 1] },
    };
    const layer = [
      {
        transform: [{ filter: "datum.kind === 'diagonal'" }],
        mark: { type: 'line' as const, color: REFERENCE_COLOUR, strokeDash: [4, 4], strokeWidth: 1, opacity: 0.6 },
        encoding: { x, y, order: { field: 'bin', type: 'quantitative' as const } },
      },
      {
        transform: [{ filter: "datum.kind === 'bin'" }],
        mark: { type: 'line' as const, strokeWidth: 1, opacity: 0.55 },
        encoding: {
          x,
          y,
          color: colour,
          detail: { field: 'series', type: 'nominal' as const },
          order: { field: 'bin', type: 'quantitative' as const },
        },
      },
      {
        transform: [{ filter: "datum.kind === 'bin'" }],
        mark: { type: 'point' as const, filled: true, opacity: 0.9 },
        encoding: {
          x,
          y,
          color: colour,
          shape,
          size: {
            field: 'count',
            type: 'quantitative' as const,
            title: 'rows in bin',
            scale: { range: [12, 260], zero: false },
          },
          tooltip: [
            { field: 'series', title: 'model' },
            { field: 'stepKey', title: 'step' },
            { field: 'panel', title: 'group' },
            { field: 'lo', format: '.3f', title: 'bin from' },
            { field: 'hi', format: '.3f', title: 'bin to' },
            { field: 'count', title: 'rows' },
            { field: 'meanScore', format: '.3f', title: 'mean predicted' },
            { field: 'positiveRate', format: '.3f', title: 'observed rate' },
          ],
        },
      },
    ];
    const title = `Calibration: reliability diagrams by ${attribute}, before and after compression`;
    const description = `Reliability diagrams of the ${models.map((m) => m.series).join(', ')} overall and for each ${attribute} group: for each of ${bins} equal-width bins of the predicted probability, the observed positive rate against the mean predicted probability (point area = rows in the bin); points on the dashed diagonal are perfectly calibrated, below it the model over-predicts.`;
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title,
      description,
      data: { values: rows },
      facet: {
        field: 'panel',
        type: 'nominal' as const,
        title: null,
        sort: panels.map((p) => p.label),
        header: { labelFontSize: 12, labelFontWeight: 'bold' as const, labelLimit: RELIABILITY_PANEL },
      },
      columns: Math.min(panels.length, 4),
      spec: { width: RELIABILITY_PANEL, height: RELIABILITY_PANEL, layer },
      config: BASE_CONFIG,
    } as TopLevelSpec;
    return {
      id: chartId('calibration-reliability', attribute),
      title,
      description,
      spec,
      table: {
        caption: `${title}: non-empty bins per group and model (${bins} equal-width bins, [lo, hi), the last closed), and each curve's ECE`,
        columns: ['group', 'model', 'bin', 'rows', 'mean predicted probability', 'observed positive rate'],
        rows: table,
      },
      note: `Bins with few rows are noisy: the ${data.steps[0]?.rows ?? rowsOf} rows of the evaluation split are spread over ${bins} bins per group. Empty bins are not drawn.`,
    };
  });
}

const SIZE_FORMATS: { key: keyof SizeSummary; label: string }[] = [
  { key: 'denseBytes', label: 'dense float32' },
  { key: 'sparseBytes', label: 'sparse (CSR)' },
  { key: 'int8Bytes', label: 'int8' },
];

/**
 * Deployed size by step (dense float32, CSR, int8 bytes), FLOPs per prediction, and the measured inference latency per
 * 1,000 rows (latency.json, when the evaluate step wrote it).
 */
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
  const timed = data.steps.filter((s) => s.latency);
  const unmeasured =
    timed.length === 0
      ? 'No step of this campaign has a latency measurement (latency.json, written by the evaluate step since latency was added), so cost is shown as size and FLOPs only.'
      : undefined;
  const charts: ChartDefinition[] = [
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
          // From zero with a nice top, so the tallest bar (often the dense baseline's CSR) stays inside the plot.
          y: { field: 'bytes', type: 'quantitative', title: 'bytes', scale: { zero: true, nice: true, clamp: false } },
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
      ...(unmeasured === undefined ? {} : { note: unmeasured }),
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
  if (timed.length > 0) charts.push(latencyChart(data, timed));
  return charts;
}

/** Measured inference latency per 1,000 rows by step (wall-clock; from each evaluate step's latency.json). */
function latencyChart(data: CampaignData, timed: EvaluatedStep[]): ChartDefinition {
  const title = 'Inference latency per 1,000 rows by step';
  const description =
    'Measured wall-clock time to predict 1,000 rows with each evaluated model (median of the timed calls in its evaluate step), at every step; rejected attempts are faded.';
  const order = timed.map((s) => s.label);
  const values = timed.map((s) => ({
    step: s.label,
    stepKey: s.stepKey,
    ms: s.latency!.msPer1000Rows,
    forward: s.latency!.forward,
    calls: s.latency!.repeats,
    rows: s.latency!.rowsPerCall,
    outcome: s.outcome,
  }));
  const missing = data.steps.filter((s) => !s.latency).map((s) => s.stepKey);
  return {
    id: 'latency',
    title,
    description,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title,
      description,
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      mark: { type: 'bar', color: OKABE_ITO[2] },
      encoding: {
        x: { field: 'step', type: 'ordinal', sort: order, title: 'step', axis: { labelAngle: 0 } },
        y: { field: 'ms', type: 'quantitative', title: 'ms per 1,000 rows' },
        opacity: { condition: { test: "datum.outcome === 'rejected'", value: 0.4 }, value: 1 },
        tooltip: [
          { field: 'stepKey', title: 'step' },
          { field: 'ms', format: '.3f', title: 'ms per 1,000 rows' },
          { field: 'forward', title: 'forward pass' },
          { field: 'calls', title: 'timed calls' },
          { field: 'rows', title: 'rows per call' },
          { field: 'outcome' },
        ],
      },
      config: BASE_CONFIG,
    },
    table: {
      caption: `${title}: median wall-clock milliseconds`,
      columns: ['step', 'ms per 1,000 rows', 'rows per call', 'timed calls', 'forward pass', 'backend', 'outcome'],
      rows: timed.map((s) => [
        s.stepKey,
        formatNumber(s.latency!.msPer1000Rows, 3),
        String(s.latency!.rowsPerCall),
        String(s.latency!.repeats),
        s.latency!.forward,
        s.latency!.backend,
        s.outcome,
      ]),
    },
    note:
      'Wall-clock time on the worker that ran each evaluate step, after one warm-up call: it varies between runs and machines (and with other load), so compare steps of one campaign, not campaigns. It is never used by a gate.' +
      (timed.some((s) => s.kind === 'quantize')
        ? ' The quantized model runs as fake-quant float32 (int8 evaluation is simulated), so its latency shows no int8 speed-up.'
        : '') +
      (missing.length > 0 ? ` Not measured for ${missing.join(', ')}.` : ''),
  };
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
    { id: 'calibration', heading: 'Calibration', charts: [...reliabilityCharts(data), ...calibrationCharts(data)] },
    { id: 'size', heading: 'Model size, cost and latency', charts: sizeCharts(data) },
  ].filter((s) => s.charts.length > 0);
}

export { formatCi, formatValue, formatPercent };
