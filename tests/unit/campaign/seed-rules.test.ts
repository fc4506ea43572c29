// The seeds of a multi-seed campaign judged together (core/campaign/seeds.ts): the spread of the final models'
// metrics, the rules all | worst | majority on the final gates and on the held-out verdicts.
import { describe, expect, it } from 'vitest';
import type { GateStatus, MetricSummary } from '../../../core/campaign/contracts.ts';
import {
  applySeedRule,
  formatSpread,
  judgeSeeds,
  metricSpread,
  seedSpread,
  type SeedCampaignResult,
  type SeedEnding,
  type SeedOutcome,
} from '../../../core/campaign/seeds.ts';

const ref = { uri: 's3://b/campaigns/c/lineage.json', sha256: '0'.repeat(64), bytes: 1 };

function summary(accuracy: number | null, worst: number | null, psi: number | null, eod: number | null): MetricSummary {
  return {
    rows: 200,
    accuracy,
    balancedAccuracy: accuracy,
    worstGroupAccuracy: worst === null ? null : { attribute: 'sex', group: 'female', value: worst },
    attributes: { sex: { equalizedOddsDifference: eod, demographicParityDifference: null } },
    maxExcessAccuracyGap: psi === null ? null : { attribute: 'sex', group: 'female', value: psi },
    flipRate: null,
  };
}

function result(
  status: SeedCampaignResult['status'],
  gate: GateStatus,
  s: MetricSummary,
  heldOut: GateStatus | null = 'pass',
): SeedCampaignResult {
  return {
    status,
    reason: status === 'completed' ? 'all 2 milestones passed' : 'milestone 2: no passing model',
    final: { checkpoint: { stepKey: 'quantize', sparsity: 0.5 }, summary: s },
    quantized: true,
    lineage: ref,
    export: { gate, summary: s },
    ...(heldOut === null
      ? {}
      : { heldOut: { split: 'test' as const, status: heldOut, reason: `held-out ${heldOut}`, rows: 202, summary: s } }),
  };
}

const ended = (seed: number, r: SeedCampaignResult): SeedEnding => ({
  seed,
  campaignId: `c-seed-${seed}`,
  ended: 'result',
  result: r,
});

const outcome = (seed: number, status: SeedOutcome['status'], worst: number | null): SeedOutcome => ({
  seed,
  status,
  reason: status === 'pass' ? '' : `seed ${seed} ${status}`,
  worstGroupAccuracy: worst,
});

describe('spread across seeds', () => {
  it('gives min, max, mean and range over the seeds where the metric is defined', () => {
    const spread = metricSpread(
      [
        { seed: 0, summary: summary(0.8, 0.7, 0.01, 0.1) },
        { seed: 1, summary: summary(0.84, 0.66, 0.03, 0.2) },
        { seed: 2, summary: summary(0.82, 0.68, 0.02, 0.3) },
      ],
      (s) => s.accuracy,
    );
    expect(spread).toMatchObject({ defined: true, seeds: [0, 1, 2], min: 0.8, max: 0.84, missing: [] });
    if (!spread.defined) throw new Error('spread should be defined');
    expect(spread.mean).toBeCloseTo(0.82, 12);
    expect(spread.range).toBeCloseTo(0.04, 12);
    expect(formatSpread('accuracy', spread)).toBe('accuracy 0.8000–0.8400 (mean 0.8200, 3 seeds)');
  });

  it('names seeds without a value instead of counting them as 0', () => {
    const spread = seedSpread([
      { seed: 0, summary: summary(0.8, 0.7, null, 0.1) },
      { seed: 1, summary: null, missing: 'failed: baseline gate' },
      { seed: 2, summary: summary(0.6, 0.5, 0.04, null) },
    ]);
    expect(spread.accuracy).toMatchObject({ defined: true, min: 0.6, max: 0.8, mean: 0.7 });
    expect(spread.accuracy.missing).toEqual([{ seed: 1, reason: 'failed: baseline gate' }]);
    expect(spread.maxExcessAccuracyGap).toMatchObject({ defined: true, seeds: [2], min: 0.04, max: 0.04 });
    expect(spread.maxExcessAccuracyGap.missing.map((m) => m.seed)).toEqual([0, 1]);
    expect(spread.equalizedOddsDifference['sex']).toMatchObject({ defined: true, seeds: [0], min: 0.1 });
    expect(formatSpread('accuracy', spread.accuracy)).toBe(
      'accuracy 0.6000–0.8000 (mean 0.7000, 2 seeds; missing for seed 1)',
    );
  });

  it('is undefined with a reason when no seed has the value', () => {
    const spread = metricSpread(
      [{ seed: 0, summary: summary(0.8, null, null, null) }],
      (s) => s.maxExcessAccuracyGap?.value,
    );
    expect(spread).toEqual({
      defined: false,
      reason: 'no seed has a value for it',
      missing: [{ seed: 0, reason: 'undefined in its summary' }],
    });
    expect(formatSpread('max ψ', spread)).toBe('max ψ undefined: no seed has a value for it');
  });
});

describe('seed rule all', () => {
  it('passes only when every seed passes', () => {
    expect(applySeedRule('all', [outcome(0, 'pass', 0.7), outcome(1, 'pass', 0.6)]).status).toBe('pass');
    const failed = applySeedRule('all', [outcome(0, 'pass', 0.7), outcome(1, 'fail', 0.6), outcome(2, 'none', null)]);
    expect(failed.status).toBe('fail');
    expect(failed.reason).toMatch(/^1 of 3 seeds fail: seed 1 fail/);
  });

  it('is insufficient-evidence when no seed fails but one has no pass', () => {
    const verdict = applySeedRule('all', [outcome(0, 'pass', 0.7), outcome(1, 'insufficient-evidence', 0.6)]);
    expect(verdict.status).toBe('insufficient-evidence');
    expect(verdict.reason).toMatch(/seed 1 insufficient-evidence/);
  });
});

describe('seed rule worst', () => {
  it('lets the seed with the lowest worst-group accuracy decide', () => {
    const verdict = applySeedRule('worst', [
      outcome(0, 'fail', 0.7),
      outcome(1, 'pass', 0.55),
      outcome(2, 'pass', 0.6),
    ]);
    expect(verdict).toMatchObject({ status: 'pass', decidingSeed: 1 });
    expect(verdict.reason).toMatch(/^seed 1 has the lowest worst-group accuracy \(0\.5500\) and passes/);
    const worstFails = applySeedRule('worst', [outcome(0, 'pass', 0.7), outcome(1, 'fail', 0.5)]);
    expect(worstFails).toMatchObject({ status: 'fail', decidingSeed: 1 });
  });

  it('fails on a tie when any tied seed fails', () => {
    const verdict = applySeedRule('worst', [outcome(0, 'pass', 0.5), outcome(1, 'fail', 0.5), outcome(2, 'pass', 0.9)]);
    expect(verdict).toMatchObject({ status: 'fail', decidingSeed: 1 });
    expect(verdict.reason).toMatch(/tied with 1 more/);
  });

  it('counts a failed seed without a value as the worst, and cannot rank a seed without one otherwise', () => {
    expect(applySeedRule('worst', [outcome(0, 'pass', 0.7), outcome(1, 'fail', null)])).toMatchObject({
      status: 'fail',
      decidingSeed: 1,
    });
    const unranked = applySeedRule('worst', [outcome(0, 'pass', 0.7), outcome(1, 'pass', null)]);
    expect(unranked.status).toBe('insufficient-evidence');
    expect(unranked.reason).toMatch(/cannot be named.*seed 1/);
  });
});

describe('seed rule majority', () => {
  it('passes when more than half pass', () => {
    expect(
      applySeedRule('majority', [outcome(0, 'pass', 0.7), outcome(1, 'fail', 0.6), outcome(2, 'pass', 0.6)]).status,
    ).toBe('pass');
  });

  it('fails when at least half fail, and waits on undecided seeds otherwise', () => {
    expect(applySeedRule('majority', [outcome(0, 'pass', 0.7), outcome(1, 'fail', 0.6)]).status).toBe('fail');
    const open = applySeedRule('majority', [
      outcome(0, 'pass', 0.7),
      outcome(1, 'fail', 0.6),
      outcome(2, 'insufficient-evidence', 0.6),
    ]);
    expect(open.status).toBe('insufficient-evidence');
    expect(open.reason).toMatch(/^1 of 3 seeds pass, 1 fail; a majority depends on seed 2/);
  });
});

describe('judging the children of a multi-seed campaign', () => {
  it('reports per-seed rows, the spread, and the rule on final gates and held-out verdicts', () => {
    const report = judgeSeeds('c', 'all', [
      ended(0, result('completed', 'pass', summary(0.8, 0.7, 0.01, 0.1), 'pass')),
      ended(1, result('completed', 'pass', summary(0.82, 0.65, 0.02, 0.2), 'fail')),
    ]);
    expect(report.seeds.map((s) => [s.seed, s.status, s.passed, s.finalGate, s.heldOut.status])).toEqual([
      [0, 'completed', true, 'pass', 'pass'],
      [1, 'completed', true, 'pass', 'fail'],
    ]);
    expect(report.verdict).toMatchObject({ rule: 'all', status: 'pass' });
    expect(report.heldOut).toMatchObject({ rule: 'all', status: 'fail' });
    expect(report.spread.worstGroupAccuracy).toMatchObject({ defined: true, min: 0.65, max: 0.7 });
    expect(report.heldOutSpread.accuracy).toMatchObject({ defined: true, min: 0.8, max: 0.82 });
  });

  it('does not count a stopped seed, or one whose shipped export failed its gate, as passing', () => {
    const report = judgeSeeds('c', 'all', [
      ended(0, result('stopped', 'pass', summary(0.8, 0.7, 0.01, 0.1))),
      ended(1, result('completed', 'fail', summary(0.8, 0.7, 0.01, 0.1))),
    ]);
    expect(report.seeds.map((s) => s.passed)).toEqual([false, false]);
    expect(report.verdict.status).toBe('fail');
    expect(report.verdict.reason).toMatch(/seed 0 fail \(stopped: .*seed 1 fail \(final gate fail/);
  });

  it('keeps a failed or cancelled child as a row with its reason, outside the spread', () => {
    const report = judgeSeeds('c', 'majority', [
      ended(0, result('completed', 'pass', summary(0.8, 0.7, 0.01, 0.1))),
      { seed: 1, campaignId: 'c-seed-1', ended: 'failed', reason: 'the dense baseline does not meet the rubric' },
      { seed: 2, campaignId: 'c-seed-2', ended: 'cancelled', reason: 'cancelled' },
    ]);
    expect(report.seeds[1]).toMatchObject({
      status: 'failed',
      passed: false,
      summary: null,
      heldOut: { status: 'none' },
    });
    expect(report.spread.accuracy.missing).toEqual([
      { seed: 1, reason: 'the dense baseline does not meet the rubric' },
      { seed: 2, reason: 'cancelled' },
    ]);
    expect(report.verdict.status).toBe('fail');
    // One held-out pass of three, two with none: a majority is still open.
    expect(report.heldOut.status).toBe('insufficient-evidence');
  });

  it('has no held-out verdict when no seed has one, and says why', () => {
    const report = judgeSeeds('c', 'all', [
      ended(0, result('completed', 'pass', summary(0.8, 0.7, 0.01, 0.1), null)),
      ended(1, result('completed', 'pass', summary(0.8, 0.7, 0.01, 0.1), null)),
    ]);
    expect(report.heldOut).toEqual({
      rule: 'all',
      status: 'none',
      reason: 'no seed has a held-out verdict (the campaign has no held-out split)',
    });
    expect(report.heldOutSpread.accuracy).toMatchObject({ defined: false });
  });
});
