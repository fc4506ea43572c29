// Rubric metrics vs sparsity: each constraint's metric per step, with its threshold.
import {
  type CampaignData,
  type EvaluatedStep,
  type RubricConstraintInfo,
  groupMetricsBehind,
} from '../campaign-data.ts';
import { type ChartDefinition, chartId, metricLabel } from './format.ts';
import {
  type Reading,
  attributesOf,
  ciNote,
  groupPoints,
  pointsOf,
  seriesSpec,
  seriesTable,
  undefinedRows,
  withUndefined,
} from './series.ts';

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
