// The report's charts as Vega-Lite specs, each a pure function of CampaignData, each with a title, a one-sentence
// description (the SVG's accessible name) and the same numbers as a table (the data-table alternative). Colours are
// the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), and groups are told apart by shape as well.
// One file per chart family; this index orders them into the page's sections.
import type { CampaignData } from '../campaign-data.ts';
import { accuracyVsSparsityCharts } from './accuracy.ts';
import { calibrationCharts, reliabilityCharts } from './calibration.ts';
import type { ChartDefinition } from './format.ts';
import { excessGapCharts, rateCharts } from './rates.ts';
import { rubricCharts } from './rubric.ts';
import { sizeCharts } from './size.ts';

export { accuracyVsSparsityCharts } from './accuracy.ts';
export { calibrationCharts, reliabilityCharts, reliabilityModels } from './calibration.ts';
export {
  formatCi,
  formatNumber,
  formatPercent,
  formatValue,
  metricLabel,
  OKABE_ITO,
  REFERENCE_COLOUR,
  type ChartDefinition,
  type DataTable,
} from './format.ts';
export { excessGapCharts, rateCharts } from './rates.ts';
export { rubricCharts } from './rubric.ts';
export { attributesOf } from './series.ts';
export { sizeCharts } from './size.ts';

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
