// A campaign run once per seed (docs/architecture.md#seeds): each seed's outcome as a row, the spread of the final
// models' headline metrics across seeds, and the verdict of the seed rule on the final gates and on the held-out
// verdicts. Pure: workflows/seeds.ts calls it with the children's results.
import type { SeedRule } from '../config/campaign.ts';
import type { ArtifactRef, CampaignInput, GateStatus, MetricSummary } from './contracts.ts';

/** The input of the parent workflow (workflows/seeds.ts seedCampaigns). */
export interface SeedCampaignsInput {
  /** The parent's campaign id (`<name>-<config hash>`); each child's is `<id>-seed-<seed>`. */
  campaignId: string;
  /** sha256 of the campaign file's config, seeds included (lineage of the parent). */
  configSha256: string;
  /** Storage prefix: seeds.json goes to `<prefix>/<campaignId>/seeds.json`, each child under its own id. */
  prefix: string;
  rule: SeedRule;
  /** One single-seed campaign per seed, in the file's order (core/config/campaign-file.ts seedCampaignInputs). */
  children: CampaignInput[];
}

/** The parts of a child's CampaignResult (workflows/campaign.ts) that the seed rule and the spread read. */
export interface SeedCampaignResult {
  status: 'completed' | 'stopped' | 'aborted';
  reason: string;
  final: { checkpoint: { stepKey: string; sparsity: number }; summary: MetricSummary };
  quantized: boolean;
  lineage: ArtifactRef;
  export?: { gate: GateStatus; summary: MetricSummary };
  /** The held-out verdict; `report` is its fairness report in S3 (what a study reads its numbers from). */
  heldOut?: {
    split: 'test';
    status: GateStatus;
    reason: string;
    rows: number;
    summary: MetricSummary;
    report?: ArtifactRef;
  };
}

/** How one seed's child workflow ended, as the parent saw it. */
export type SeedEnding =
  | { seed: number; campaignId: string; ended: 'result'; result: SeedCampaignResult }
  | { seed: number; campaignId: string; ended: 'failed' | 'cancelled'; reason: string };

/** A held-out verdict, or why a seed has none. */
export type SeedHeldOut =
  | { status: GateStatus; split: 'test'; rows: number; reason: string; summary: MetricSummary }
  | { status: 'none'; reason: string };

/** One seed's row in seeds.json and in `fairshrink status`. */
export interface SeedRecord {
  seed: number;
  campaignId: string;
  status: SeedCampaignResult['status'] | 'failed' | 'cancelled';
  reason: string;
  /** Completed (every milestone passed) and its final gate, on the shipped export, passed. */
  passed: boolean;
  /** The final gate's verdict on the shipped export; null without a result or without an export. */
  finalGate: GateStatus | null;
  finalSparsity: number | null;
  quantized: boolean | null;
  /** The final model's metrics on the split the gates use; null when the child ended without a result. */
  summary: MetricSummary | null;
  heldOut: SeedHeldOut;
  lineage: ArtifactRef | null;
}

/** min, max and mean of one metric over the seeds where it is defined, naming the seeds where it is not. */
export type MetricSpread =
  | {
      defined: true;
      seeds: number[];
      min: number;
      max: number;
      mean: number;
      /** max − min */
      range: number;
      missing: { seed: number; reason: string }[];
    }
  | { defined: false; reason: string; missing: { seed: number; reason: string }[] };

export interface SeedSpread {
  accuracy: MetricSpread;
  worstGroupAccuracy: MetricSpread;
  /** Max excess accuracy gap ψ over groups (Hashemizadeh et al. 2024), as each seed's summary reports it. */
  maxExcessAccuracyGap: MetricSpread;
  /** Per attribute: equalized odds difference (Fairlearn, worst case). */
  equalizedOddsDifference: Record<string, MetricSpread>;
}

export interface SeedVerdict {
  rule: SeedRule;
  status: GateStatus;
  reason: string;
  /** The seed whose outcome decided (rule worst); absent for all and majority. */
  decidingSeed?: number;
}

/** The held-out verdict across seeds, or none when no seed has one. */
export type SeedsHeldOutVerdict = SeedVerdict | { rule: SeedRule; status: 'none'; reason: string };

/** seeds.json: everything the parent reports. */
export interface SeedsReport {
  kind: 'fairshrink-seeds';
  campaignId: string;
  rule: SeedRule;
  seeds: SeedRecord[];
  /** The final models on the split the gates use. */
  spread: SeedSpread;
  /** The final models on the held-out split. */
  heldOutSpread: SeedSpread;
  verdict: SeedVerdict;
  heldOut: SeedsHeldOutVerdict;
}

/** The summary a child's finalize reports: the shipped export's when its gate passed, else the final model's. */
function finalSummary(result: SeedCampaignResult): MetricSummary {
  return result.export?.gate === 'pass' ? result.export.summary : result.final.summary;
}

export function seedRecordOf(ending: SeedEnding): SeedRecord {
  const { seed, campaignId } = ending;
  if (ending.ended !== 'result') {
    return {
      seed,
      campaignId,
      status: ending.ended,
      reason: ending.reason,
      passed: false,
      finalGate: null,
      finalSparsity: null,
      quantized: null,
      summary: null,
      heldOut: { status: 'none', reason: `the child ${ending.ended === 'failed' ? 'failed' : 'was cancelled'}` },
      lineage: null,
    };
  }
  const r = ending.result;
  const finalGate = r.export?.gate ?? null;
  const heldOut: SeedHeldOut = r.heldOut
    ? {
        status: r.heldOut.status,
        split: r.heldOut.split,
        rows: r.heldOut.rows,
        reason: r.heldOut.reason,
        summary: r.heldOut.summary,
      }
    : {
        status: 'none',
        reason:
          r.status === 'aborted' ? 'aborted before the held-out evaluation' : 'the campaign has no held-out split',
      };
  return {
    seed,
    campaignId,
    status: r.status,
    reason: r.reason,
    passed: r.status === 'completed' && (finalGate === null || finalGate === 'pass'),
    finalGate,
    finalSparsity: r.final.checkpoint.sparsity,
    quantized: r.quantized,
    summary: finalSummary(r),
    heldOut,
    lineage: r.lineage,
  };
}

/** min/max/mean of `value` over the seeds; a seed without a summary or a value is listed as missing, never as 0. */
export function metricSpread(
  rows: { seed: number; summary: MetricSummary | null; missing?: string }[],
  value: (summary: MetricSummary) => number | null | undefined,
): MetricSpread {
  const defined: { seed: number; value: number }[] = [];
  const missing: { seed: number; reason: string }[] = [];
  for (const row of rows) {
    if (row.summary === null) {
      missing.push({ seed: row.seed, reason: row.missing ?? 'no final model' });
      continue;
    }
    const v = value(row.summary);
    if (v === null || v === undefined || !Number.isFinite(v))
      missing.push({ seed: row.seed, reason: 'undefined in its summary' });
    else defined.push({ seed: row.seed, value: v });
  }
  if (defined.length === 0) {
    return {
      defined: false,
      reason: rows.length === 0 ? 'no seeds' : 'no seed has a value for it',
      missing,
    };
  }
  const values = defined.map((d) => d.value);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return {
    defined: true,
    seeds: defined.map((d) => d.seed),
    min,
    max,
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    range: max - min,
    missing,
  };
}

/** The spread of accuracy, worst-group accuracy, max ψ and each attribute's EOD over the seeds' summaries. */
export function seedSpread(rows: { seed: number; summary: MetricSummary | null; missing?: string }[]): SeedSpread {
  const attributes = [
    ...new Set(rows.flatMap((r) => (r.summary === null ? [] : Object.keys(r.summary.attributes)))),
  ].sort();
  return {
    accuracy: metricSpread(rows, (s) => s.accuracy),
    worstGroupAccuracy: metricSpread(rows, (s) => s.worstGroupAccuracy?.value),
    maxExcessAccuracyGap: metricSpread(rows, (s) => s.maxExcessAccuracyGap?.value),
    equalizedOddsDifference: Object.fromEntries(
      attributes.map((a) => [a, metricSpread(rows, (s) => s.attributes[a]?.equalizedOddsDifference)]),
    ),
  };
}

/** One seed as a rule sees it: its verdict ('none': no verdict at all) and its worst-group accuracy. */
export interface SeedOutcome {
  seed: number;
  status: GateStatus | 'none';
  reason: string;
  worstGroupAccuracy: number | null;
}

const describeSeeds = (outcomes: SeedOutcome[]) =>
  outcomes.map((o) => `seed ${o.seed} ${o.status}${o.reason ? ` (${o.reason})` : ''}`).join('; ');

/**
 * The seed rule (docs/architecture.md#seeds). A seed with no verdict ('none') is neither a pass nor a fail.
 * - all: pass when every seed passes, fail when any fails, else insufficient-evidence.
 * - worst: the seed with the lowest worst-group accuracy decides (ties: pass only if every tied seed passes). A seed
 *   that failed without a value to rank is the worst; a seed without a value that did not fail leaves the ranking,
 *   and so the verdict, insufficient-evidence.
 * - majority: pass when more than half of the seeds pass; fail when at least half fail (no outcome of the undecided
 *   seeds could reach a majority); else insufficient-evidence.
 */
export function applySeedRule(rule: SeedRule, outcomes: SeedOutcome[]): SeedVerdict {
  if (outcomes.length === 0) return { rule, status: 'insufficient-evidence', reason: 'no seeds' };
  const passing = outcomes.filter((o) => o.status === 'pass');
  const failing = outcomes.filter((o) => o.status === 'fail');
  const undecided = outcomes.filter((o) => o.status !== 'pass' && o.status !== 'fail');
  const n = outcomes.length;
  if (rule === 'all') {
    if (passing.length === n) return { rule, status: 'pass', reason: `all ${n} seeds pass` };
    if (failing.length > 0)
      return { rule, status: 'fail', reason: `${failing.length} of ${n} seeds fail: ${describeSeeds(failing)}` };
    return {
      rule,
      status: 'insufficient-evidence',
      reason: `no seed fails, but ${undecided.length} of ${n} have no pass: ${describeSeeds(undecided)}`,
    };
  }
  if (rule === 'majority') {
    const tally = `${passing.length} of ${n} seeds pass, ${failing.length} fail`;
    if (passing.length * 2 > n) return { rule, status: 'pass', reason: `${tally} (more than half pass)` };
    if (failing.length * 2 >= n)
      return { rule, status: 'fail', reason: `${tally} (at least half fail): ${describeSeeds(failing)}` };
    return {
      rule,
      status: 'insufficient-evidence',
      reason: `${tally}; a majority depends on ${describeSeeds(undecided)}`,
    };
  }
  const unranked = outcomes.filter((o) => o.worstGroupAccuracy === null);
  const failedUnranked = unranked.find((o) => o.status === 'fail');
  if (failedUnranked) {
    return {
      rule,
      status: 'fail',
      reason: `seed ${failedUnranked.seed} failed without a worst-group accuracy to rank, so it is the worst: ${failedUnranked.reason}`,
      decidingSeed: failedUnranked.seed,
    };
  }
  if (unranked.length > 0) {
    return {
      rule,
      status: 'insufficient-evidence',
      reason: `the worst seed cannot be named: no worst-group accuracy for ${describeSeeds(unranked)}`,
    };
  }
  const lowest = Math.min(...outcomes.map((o) => o.worstGroupAccuracy!));
  const tied = outcomes.filter((o) => o.worstGroupAccuracy === lowest);
  const decider = tied.find((o) => o.status === 'fail') ?? tied.find((o) => o.status !== 'pass') ?? tied[0]!;
  return {
    rule,
    status: decider.status === 'none' ? 'insufficient-evidence' : decider.status,
    reason: `seed ${decider.seed} has the lowest worst-group accuracy (${lowest.toFixed(4)}${tied.length > 1 ? `, tied with ${tied.length - 1} more` : ''}) and ${decider.status === 'none' ? 'no verdict' : decider.status === 'pass' ? 'passes' : decider.status === 'fail' ? 'fails' : 'has insufficient evidence'}${decider.reason ? `: ${decider.reason}` : ''}`,
    decidingSeed: decider.seed,
  };
}

/** The final-gate outcome of a seed: pass when it completed and its final gate passed, else fail. */
function finalOutcome(record: SeedRecord): SeedOutcome {
  return {
    seed: record.seed,
    status: record.passed ? 'pass' : 'fail',
    reason: record.passed
      ? ''
      : record.status === 'completed'
        ? `final gate ${record.finalGate ?? 'missing'}: ${record.reason}`
        : `${record.status}: ${record.reason}`,
    worstGroupAccuracy: record.summary?.worstGroupAccuracy?.value ?? null,
  };
}

function heldOutOutcome(record: SeedRecord): SeedOutcome {
  const h = record.heldOut;
  return {
    seed: record.seed,
    status: h.status,
    reason: h.status === 'pass' ? '' : h.reason,
    worstGroupAccuracy: h.status === 'none' ? null : (h.summary.worstGroupAccuracy?.value ?? null),
  };
}

/**
 * Everything the parent reports: per-seed rows, the spread on the gates' split and on the held-out split, the rule's
 * verdict on the final gates, and its verdict on the held-out verdicts (none when no seed has one).
 */
export function judgeSeeds(campaignId: string, rule: SeedRule, endings: SeedEnding[]): SeedsReport {
  const seeds = endings.map(seedRecordOf);
  const heldOutRows = seeds.map((s) => ({
    seed: s.seed,
    summary: s.heldOut.status === 'none' ? null : s.heldOut.summary,
    missing: s.heldOut.status === 'none' ? s.heldOut.reason : undefined,
  }));
  const heldOut: SeedsHeldOutVerdict = seeds.every((s) => s.heldOut.status === 'none')
    ? {
        rule,
        status: 'none',
        reason: `no seed has a held-out verdict (${[...new Set(seeds.map((s) => (s.heldOut as { reason: string }).reason))].join('; ')})`,
      }
    : applySeedRule(rule, seeds.map(heldOutOutcome));
  return {
    kind: 'fairshrink-seeds',
    campaignId,
    rule,
    seeds,
    spread: seedSpread(
      seeds.map((s) => ({ seed: s.seed, summary: s.summary, missing: s.summary === null ? s.reason : undefined })),
    ),
    heldOutSpread: seedSpread(heldOutRows),
    verdict: applySeedRule(rule, seeds.map(finalOutcome)),
    heldOut,
  };
}

/** `accuracy 0.8123–0.8311 (mean 0.8210, 3 seeds)`, or `accuracy undefined: <reason>`. */
export function formatSpread(name: string, spread: MetricSpread): string {
  if (!spread.defined) return `${name} undefined: ${spread.reason}`;
  const missing = spread.missing.length > 0 ? `; missing for seed ${spread.missing.map((m) => m.seed).join(', ')}` : '';
  return `${name} ${spread.min.toFixed(4)}–${spread.max.toFixed(4)} (mean ${spread.mean.toFixed(4)}, ${spread.seeds.length} seed${spread.seeds.length === 1 ? '' : 's'}${missing})`;
}
