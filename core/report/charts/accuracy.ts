// Accuracy vs sparsity: per group and overall, one chart per attribute.
import type { CampaignData, EvaluatedStep } from '../campaign-data.ts';
import { type ChartDefinition, chartId } from './format.ts';
import {
  attributesOf,
  ciNote,
  groupPoints,
  pointsOf,
  seriesSpec,
  seriesTable,
  undefinedRows,
  withUndefined,
} from './series.ts';

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
