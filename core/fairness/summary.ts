// The headline numbers of a fairness report, small enough for workflow history, the decision log and audit records.
import type { FairnessReport, MetricValue, ModelSection } from './report-types.ts';

/** Headline numbers for history, the decision log and progress displays. Null when undefined. */
export interface MetricSummary {
  rows: number;
  accuracy: number | null;
  balancedAccuracy: number | null;
  worstGroupAccuracy: { attribute: string; group: string; value: number } | null;
  /** Per attribute: equalized odds difference (Fairlearn, worst case) and demographic parity difference. */
  attributes: Record<string, { equalizedOddsDifference: number | null; demographicParityDifference: number | null }>;
  /** Max excess accuracy gap ψ_g over groups of any attribute (needs a reference). */
  maxExcessAccuracyGap: { attribute: string; group: string; value: number } | null;
  flipRate: number | null;
}

const valueOf = (m: MetricValue | undefined): number | null =>
  m === undefined || m.value === null || !Number.isFinite(m.value) ? null : m.value;

/**
 * MetricSummary of a report: overall accuracy and balanced accuracy; the worst group accuracy over every single
 * attribute; per attribute, Fairlearn's equalized odds difference (worst case) and demographic parity difference;
 * the max excess accuracy gap ψ_g = (A_g,ref − A_g) − (A_ref − A) over groups (Hashemizadeh et al. 2024; needs a
 * reference); the overall flip rate against the reference (Hooker et al. 2019). Null where undefined.
 */
export function summarizeReport(report: FairnessReport): MetricSummary {
  let maxPsi: MetricSummary['maxExcessAccuracyGap'] = null;
  const attributes: MetricSummary['attributes'] = {};
  for (const [name, attr] of Object.entries(report.attributes)) {
    if (attr.kind !== 'attribute') continue;
    attributes[name] = {
      equalizedOddsDifference: valueOf(attr.disparities['equalized_odds_difference']),
      demographicParityDifference: valueOf(attr.disparities['demographic_parity_difference']),
    };
    for (const group of Object.keys(attr.groups).sort()) {
      const psi = valueOf(attr.groups[group]!['excess_accuracy_gap']);
      if (psi !== null && (maxPsi === null || psi > maxPsi.value)) maxPsi = { attribute: name, group, value: psi };
    }
  }
  return {
    rows: report.rows,
    accuracy: valueOf(report.overall['accuracy']),
    balancedAccuracy: valueOf(report.overall['balanced_accuracy']),
    worstGroupAccuracy: worstGroupAccuracy(report),
    attributes,
    maxExcessAccuracyGap: maxPsi,
    flipRate: valueOf(report.overall['flip_rate']),
  };
}

/**
 * The lowest group accuracy over the single attributes (not intersections or small-group views) of one model of the
 * report: the candidate by default, or `report.reference` (the dense model). Ties go to the first attribute, then
 * the first group in name order. Null when no group's accuracy is defined.
 */
export function worstGroupAccuracy(
  report: FairnessReport,
  section: Pick<ModelSection, 'attributes'> = report,
): MetricSummary['worstGroupAccuracy'] {
  let worst: MetricSummary['worstGroupAccuracy'] = null;
  for (const [attribute, attr] of Object.entries(section.attributes)) {
    if (report.attributes[attribute]?.kind !== 'attribute') continue;
    for (const group of Object.keys(attr.groups).sort()) {
      const value = valueOf(attr.groups[group]!['accuracy']);
      if (value !== null && (worst === null || value < worst.value)) worst = { attribute, group, value };
    }
  }
  return worst;
}
