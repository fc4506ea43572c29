// Calibration: ECE per group by step, and reliability diagrams of the baseline, the final and the quantized model.
import type { TopLevelSpec } from 'vega-lite';
import type { ReliabilityData } from '../../fairness/calibration-curve.ts';
import type { CampaignData } from '../campaign-data.ts';
import { type ChartDefinition, OKABE_ITO, REFERENCE_COLOUR, chartId, formatNumber } from './format.ts';
import { BASE_CONFIG, attributesOf, byStepChart, ciNote, groupPoints } from './series.ts';

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
