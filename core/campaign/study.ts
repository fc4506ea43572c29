// A compression study (docs/architecture.md#studies): one single-seed campaign per cell (data set × final sparsity ×
// arm × seed), run by workflows/study.ts. This module holds the workflow's input and study.json's shape, and turns a
// cell's held-out fairness report into the numbers the study table reads. Pure: workflow code imports it.
import type { FairnessReport, MetricValue } from '../fairness/report-types.ts';
import type { CampaignConfig } from '../config/campaign.ts';
import type { ArtifactRef, CampaignInput } from './contracts.ts';
import { seedRecordOf, type SeedEnding, type SeedRecord } from './seeds.ts';

/** A cell's coordinates and its campaign's id. */
export interface StudyCell {
  campaignId: string;
  /** The data set's name in the study file. */
  dataset: string;
  /** The final sparsity target of the cell's schedule. */
  sparsity: number;
  arm: string;
  seed: number;
  quantize: 'int8' | 'none';
}

/** The input of the study workflow (workflows/study.ts compressionStudy). */
export interface StudyInput {
  /** `<name>-<hash of the cells>` (core/config/study.ts studyIdOf). */
  studyId: string;
  /** sha256 of the study file's parsed config. */
  configSha256: string;
  /** study.json goes to `<prefix>/<studyId>/study.json`. */
  prefix: string;
  /** Cells running at once. */
  concurrency: number;
  /** Each data set's base campaign input, by the data set's name: files in S3, rubric, code version. */
  datasets: Record<string, CampaignInput>;
  /** Per cell: where it sits, and the config (with its hash) laid over its data set's base input. */
  cells: { cell: StudyCell; config: CampaignConfig; configSha256: string }[];
}

/** The campaign input of one cell: its data set's base input with the cell's id and config. */
export function cellCampaignInput(input: StudyInput, index: number): CampaignInput {
  const { cell, config, configSha256 } = input.cells[index]!;
  const base = input.datasets[cell.dataset];
  if (base === undefined) throw new Error(`study ${input.studyId}: cell ${cell.campaignId} names no data set input`);
  return { ...base, campaignId: cell.campaignId, config, configSha256 };
}

/** A number with its CI, or why it has none. */
export type Estimate =
  { value: number; ci: [number, number] | null; reason?: string } | { value: null; ci: null; reason: string };

/** `<attribute>=<group>` */
export type GroupName = string;

/**
 * What the study table reads from a cell's held-out report (the final model against the dense baseline on rows no
 * gate saw). Group-level numbers are over the groups at or above the report's minimum group size; the smaller ones
 * are listed in `smallGroups` and left out, as the gates leave them out (docs/fairness.md).
 */
export interface StudyCellMetrics {
  rows: number;
  minGroupSize: number;
  smallGroups: GroupName[];
  /** Final − dense overall accuracy, with its paired bootstrap CI. */
  accuracyChange: Estimate;
  /** Lowest group accuracy of the final model and of the dense model (each its own worst group), and their change. */
  worstGroupAccuracy:
    | { value: number; group: GroupName; dense: number; denseGroup: GroupName; change: number }
    | { value: null; reason: string };
  /** Per attribute: max over groups of ψ_g (Hashemizadeh et al. 2024) with its CI, and the group that sets it. */
  maxExcessAccuracyGap: Record<string, Estimate & { group?: GroupName }>;
  /** Per attribute: equalized odds difference (Fairlearn, worst case) of the final model, and of the dense model. */
  equalizedOddsDifference: Record<string, { final: Estimate; dense: number | null }>;
  /** Groups whose ψ_g CI lies above 0 (a significant excess drop), and groups whose ψ_g has no CI to tell. */
  significantExcessDrops: { groups: GroupName[]; withoutCi: GroupName[] };
  /** The group whose accuracy fell most against the dense model (final − dense, point estimate). */
  largestGroupDrop: { group: GroupName; change: number } | { group: null; reason: string };
}

/** One cell's row in study.json. */
export interface StudyCellRecord extends StudyCell {
  status: SeedRecord['status'];
  reason: string;
  finalSparsity: number | null;
  quantized: boolean | null;
  /** The final gate's verdict on the shipped export; null without one. */
  finalGate: SeedRecord['finalGate'];
  /** The held-out verdict (pass / fail / insufficient-evidence), or none with why. */
  heldOut: { status: SeedRecord['heldOut']['status']; reason: string; rows: number | null; report: ArtifactRef | null };
  /** Read from the held-out report; absent with the reason when the cell has no held-out report or it was unreadable. */
  metrics: { defined: true; value: StudyCellMetrics } | { defined: false; reason: string };
  lineage: ArtifactRef | null;
  /** The campaign was one an earlier run of this study had completed under the cell's id, taken as it ended. */
  attached: boolean;
}

/** study.json: every cell, in the order data set, sparsity, arm, seed. */
export interface StudyReport {
  kind: 'fairshrink-study';
  studyId: string;
  configSha256: string;
  cells: StudyCellRecord[];
}

/** How a cell's child ended, as the study saw it (the seeds parent's SeedEnding, keyed by the cell). */
export type CellEnding = SeedEnding;

/** The cell's row: its child's outcome (core/campaign/seeds.ts seedRecordOf) and the metrics read from its report. */
export function studyCellRecord(
  cell: StudyCell,
  ending: CellEnding,
  metrics: StudyCellRecord['metrics'],
  attached = false,
): StudyCellRecord {
  const seed = seedRecordOf(ending);
  const heldOutReport = ending.ended === 'result' ? (ending.result.heldOut?.report ?? null) : null;
  return {
    ...cell,
    status: seed.status,
    reason: seed.reason,
    finalSparsity: seed.finalSparsity,
    quantized: seed.quantized,
    finalGate: seed.finalGate,
    heldOut:
      seed.heldOut.status === 'none'
        ? { status: 'none', reason: seed.heldOut.reason, rows: null, report: null }
        : { status: seed.heldOut.status, reason: seed.heldOut.reason, rows: seed.heldOut.rows, report: heldOutReport },
    metrics,
    lineage: seed.lineage,
    attached,
  };
}

function estimate(m: MetricValue | undefined, what: string): Estimate {
  if (m === undefined) return { value: null, ci: null, reason: `${what} is not in the report` };
  if (m.value === null || !Number.isFinite(m.value))
    return { value: null, ci: null, reason: m.reason ?? `${what} is undefined` };
  return { value: m.value, ci: m.ci, ...(m.reason === undefined ? {} : { reason: m.reason }) };
}

const finite = (m: MetricValue | undefined): number | null =>
  m === undefined || m.value === null || !Number.isFinite(m.value) ? null : m.value;

/**
 * The study's numbers from a held-out report with a reference (the dense baseline): overall accuracy change; each
 * model's worst group among adequately sized groups; per attribute max ψ_g (over adequate groups: the report's
 * adequate view when some group is small) and EOD; groups with a significant excess drop (ψ_g's CI above 0); and the
 * largest per-group accuracy drop. Throws when the report has no reference: every number here is against dense.
 */
export function studyCellMetrics(report: FairnessReport): StudyCellMetrics {
  if (report.reference === undefined || report.delta === undefined)
    throw new Error('the held-out report has no dense reference: the study compares every cell with its dense model');
  const minGroupSize = report.config.min_group_size;
  const smallGroups: GroupName[] = [];
  let worst: { value: number; group: GroupName } | null = null;
  let denseWorst: { value: number; group: GroupName } | null = null;
  let largestDrop: { group: GroupName; change: number } | null = null;
  const significant: GroupName[] = [];
  const withoutCi: GroupName[] = [];
  const maxPsi: StudyCellMetrics['maxExcessAccuracyGap'] = {};
  const eod: StudyCellMetrics['equalizedOddsDifference'] = {};
  for (const [attribute, section] of Object.entries(report.attributes)) {
    if (section.kind !== 'attribute') continue;
    for (const group of Object.keys(section.groups).sort()) {
      const name = `${attribute}=${group}`;
      if (section.group_info[group]?.below_min_group_size) {
        smallGroups.push(name);
        continue;
      }
      const accuracy = finite(section.groups[group]!['accuracy']);
      const dense = finite(report.reference.attributes[attribute]?.groups[group]?.['accuracy']);
      const change = finite(report.delta.attributes[attribute]?.groups[group]?.['accuracy']);
      if (accuracy !== null && (worst === null || accuracy < worst.value)) worst = { value: accuracy, group: name };
      if (dense !== null && (denseWorst === null || dense < denseWorst.value))
        denseWorst = { value: dense, group: name };
      if (change !== null && (largestDrop === null || change < largestDrop.change))
        largestDrop = { group: name, change };
      const psi = section.groups[group]!['excess_accuracy_gap'];
      if (psi?.ci) {
        if (psi.ci[0] > 0) significant.push(name);
      } else withoutCi.push(name);
    }
    const view = section.small_group_views?.[String(minGroupSize)]?.adequate;
    const psiMax = (view ?? section).disparities['max_excess_accuracy_gap'];
    const psiEstimate = estimate(psiMax, `max ψ for ${attribute}`);
    maxPsi[attribute] =
      psiEstimate.value !== null && psiMax?.pair?.[0] !== undefined
        ? { ...psiEstimate, group: `${attribute}=${psiMax.pair[0]}` }
        : psiEstimate;
    eod[attribute] = {
      final: estimate(section.disparities['equalized_odds_difference'], `EOD for ${attribute}`),
      dense: finite(report.reference.attributes[attribute]?.disparities['equalized_odds_difference']),
    };
  }
  return {
    rows: report.rows,
    minGroupSize,
    smallGroups,
    accuracyChange: estimate(report.delta.overall['accuracy'], 'the accuracy change'),
    worstGroupAccuracy:
      worst !== null && denseWorst !== null
        ? {
            value: worst.value,
            group: worst.group,
            dense: denseWorst.value,
            denseGroup: denseWorst.group,
            change: worst.value - denseWorst.value,
          }
        : { value: null, reason: `no group has at least ${minGroupSize} rows with an accuracy for both models` },
    maxExcessAccuracyGap: maxPsi,
    equalizedOddsDifference: eod,
    significantExcessDrops: { groups: significant, withoutCi },
    largestGroupDrop: largestDrop ?? {
      group: null,
      reason: `no group has at least ${minGroupSize} rows with an accuracy change`,
    },
  };
}
