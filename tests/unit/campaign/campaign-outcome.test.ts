// What a finished campaign reached against what it asked for, and the one-line description of its final model.
import { describe, expect, it } from 'vitest';
import type { CheckpointRef, MetricSummary } from '../../../core/campaign/contracts.ts';
import {
  campaignOutcome,
  completedReason,
  describeFinalModel,
  formatBytes,
  storedBytes,
  type CampaignEnding,
} from '../../../core/campaign/summary.ts';

const milestone = (k: number, target: number, status: string, reason = 'ok') => ({
  milestone: k,
  targetSparsity: target,
  status,
  reason,
});

describe('completedReason', () => {
  const attempts = [
    milestone(1, 0.52, 'pass'),
    milestone(2, 0.9, 'fail', 'tpr drop'),
    milestone(2, 0.9, 'fail', 'tpr drop'),
    milestone(2, 0.806, 'pass'),
  ];

  it('says every milestone passed when the final model is at its target, within pruning rounding', () => {
    expect(completedReason(2, attempts.slice(0, 1), 0.8999, 0.9)).toBe('all 2 milestones passed');
  });

  it('says a completed campaign stopped short of its target, where, and which milestone attempt failed last', () => {
    expect(completedReason(2, attempts, 0.806, 0.9)).toBe(
      'all 2 milestones passed, short of the target: 80.6% of 90.0% (milestone 2 failed at 90.0%; the campaign went on with a lower target)',
    );
    // A reviewer's lower target, with no failed attempt on record.
    expect(completedReason(2, [milestone(1, 0.5, 'pass'), milestone(2, 0.7, 'pass')], 0.7, 0.9)).toBe(
      'all 2 milestones passed, short of the target: 70.0% of 90.0%',
    );
  });
});

describe('campaignOutcome', () => {
  it('says the target was reached when the final model is within rounding of it', () => {
    const result: CampaignEnding = {
      status: 'completed',
      reason: 'all 3 milestones passed',
      final: { checkpoint: { sparsity: 0.8996 } },
      milestones: [milestone(1, 0.5, 'pass'), milestone(2, 0.75, 'pass'), milestone(3, 0.9, 'pass')],
    };
    const outcome = campaignOutcome(result, 0.9);
    expect(outcome.short).toBe(false);
    expect(outcome.headline).toBe('completed: 90.0% of 90.0% sparsity; all 3 milestones passed');
  });

  it('names where a completed campaign stopped and the milestone that failed, not "all passed"', () => {
    const result: CampaignEnding = {
      status: 'completed',
      reason: 'all 3 milestones passed',
      final: { checkpoint: { sparsity: 0.656 } },
      milestones: [
        milestone(1, 0.5, 'pass'),
        milestone(2, 0.75, 'pass'),
        milestone(3, 0.9, 'fail', 'worst-group accuracy 0.61 < 0.65'),
        milestone(3, 0.656, 'pass'),
      ],
    };
    const outcome = campaignOutcome(result, 0.9);
    expect(outcome).toMatchObject({ reached: 0.656, asked: 0.9, short: true });
    expect(outcome.headline).toBe(
      'completed short of the target: stopped at 65.6% of 90.0%: milestone 3 failed at 90.0% (worst-group accuracy 0.61 < 0.65); the campaign went on with a lower target',
    );
  });

  it("gives a stopped campaign's own reason after what it reached", () => {
    const result: CampaignEnding = {
      status: 'stopped',
      reason: 'milestone 2: no passing model after 2 attempts',
      final: { checkpoint: { sparsity: 0.3 } },
      milestones: [milestone(1, 0.3, 'pass'), milestone(2, 0.5, 'fail'), milestone(2, 0.4, 'fail')],
    };
    expect(campaignOutcome(result, 0.5).headline).toBe(
      'stopped at 30.0% of 50.0%: milestone 2: no passing model after 2 attempts',
    );
  });
});

describe('describeFinalModel', () => {
  const ref = (bytes: number) => ({ uri: 's3://b/k', sha256: '0'.repeat(64), bytes });
  const checkpoint: CheckpointRef = {
    stepKey: 'quantize',
    modelJson: ref(1200),
    weightsBin: ref(40_000),
    int8: ref(10_500),
    sparsity: 0.9,
    parameters: 100,
    nonzeros: 10,
  };
  const summary: MetricSummary = {
    rows: 100,
    accuracy: 0.84123,
    balancedAccuracy: 0.8,
    worstGroupAccuracy: { attribute: 'sex', group: 'female', value: 0.79031 },
    attributes: {},
    maxExcessAccuracyGap: null,
    flipRate: null,
  };

  it('stores the int8 weights of a quantized model, the float weights otherwise', () => {
    expect(storedBytes(checkpoint)).toBe(11_700);
    expect(storedBytes({ ...checkpoint, int8: undefined })).toBe(41_200);
  });

  it('carries accuracy, worst group, sparsity and stored size', () => {
    expect(describeFinalModel({ checkpoint, summary }, true)).toBe(
      'accuracy 0.8412, worst group sex=female 0.7903, 90.0% sparse, int8, stored 11.7 kB',
    );
    expect(
      describeFinalModel({ checkpoint, summary: { ...summary, accuracy: null, worstGroupAccuracy: null } }, false),
    ).toBe('accuracy undefined, worst group undefined, 90.0% sparse, stored 11.7 kB');
  });

  it("reports the shipped export's bytes on disk next to the dense float32 model's when there is one", () => {
    const shipped = {
      format: 'sparse-int8',
      formats: [
        { format: 'sparse-int8', bytes: 1_700 },
        { format: 'tfjs-standard', bytes: 11_617 },
      ],
      dense: { bytes: 38_853 },
    };
    expect(describeFinalModel({ checkpoint, summary }, true, shipped)).toBe(
      'accuracy 0.8412, worst group sex=female 0.7903, 90.0% sparse, int8, shipped as sparse-int8 1.7 kB (22.9× smaller than dense float32 38.9 kB)',
    );
  });

  it('writes sizes in decimal units', () => {
    expect([formatBytes(999), formatBytes(1000), formatBytes(2_500_000)]).toEqual(['999 B', '1.0 kB', '2.5 MB']);
  });
});
