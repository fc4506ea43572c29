// Error rates by step: TPR and FPR per group, and the excess accuracy gap ψ per group.
import type { CampaignData } from '../campaign-data.ts';
import { type ChartDefinition, chartId } from './format.ts';
import { attributesOf, byStepChart, ciNote, groupPoints } from './series.ts';

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
