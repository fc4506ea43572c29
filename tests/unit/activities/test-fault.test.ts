import { describe, expect, it, vi } from 'vitest';
import { parseTestFault, withTestFault } from '../../../activities/faults.ts';
import type { StepProgress } from '../../../core/campaign/contracts.ts';

const checkpoint = { uri: 's3://b/campaigns/c/m1/finetune/progress/epoch-1.bin', sha256: 'a'.repeat(64), bytes: 10 };
const beat = (epoch: number, withCheckpoint = true): StepProgress => ({
  stepKey: 'm1/finetune',
  epoch,
  epochs: 6,
  loss: 0.3,
  ...(withCheckpoint ? { checkpoint } : {}),
});

describe('test fault setting', () => {
  it('is off when unset or empty', () => {
    expect(parseTestFault(undefined)).toBeUndefined();
    expect(parseTestFault('')).toBeUndefined();
  });

  it('parses pause-after-checkpoint', () => {
    expect(parseTestFault('pause-after-checkpoint:finetune:2')).toEqual({
      kind: 'pause-after-checkpoint',
      activity: 'finetune',
      epoch: 2,
    });
  });

  it('refuses a malformed setting instead of running without the fault', () => {
    expect(() => parseTestFault('pause:finetune')).toThrow(/pause-after-checkpoint:<activity>:<epoch>/);
  });
});

describe('withTestFault', () => {
  it('passes every heartbeat through when no fault is set', async () => {
    const sent: StepProgress[] = [];
    const onProgress = withTestFault(undefined, 'finetune', 1, (p) => sent.push(p));
    await onProgress(beat(1));
    await onProgress(beat(2));
    expect(sent.map((p) => p.epoch)).toEqual([1, 2]);
  });

  it('pauses the first attempt after the checkpointed heartbeat of the named epoch, re-sending it', async () => {
    vi.useFakeTimers();
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const fault = parseTestFault('pause-after-checkpoint:finetune:1');
      const sent: StepProgress[] = [];
      const onProgress = withTestFault(fault, 'finetune', 1, (p) => sent.push(p));
      await onProgress(beat(0, false)); // liveness, no checkpoint yet: passes
      let settled = false;
      void onProgress(beat(1)).then(() => (settled = true));
      await vi.advanceTimersByTimeAsync(3500);
      expect(settled).toBe(false);
      expect(sent.map((p) => p.epoch)).toEqual([0, 1, 1, 1, 1]);
      expect(stderr).toHaveBeenCalledWith(expect.stringMatching(/fault: paused finetune .* epoch-1 checkpoint/));
    } finally {
      vi.clearAllTimers();
      vi.useRealTimers();
      stderr.mockRestore();
    }
  });

  it('never pauses another activity or a retried attempt', async () => {
    const fault = parseTestFault('pause-after-checkpoint:finetune:1');
    const sent: StepProgress[] = [];
    await withTestFault(fault, 'trainBaseline', 1, (p) => sent.push(p))(beat(3));
    await withTestFault(fault, 'finetune', 2, (p) => sent.push(p))(beat(3));
    expect(sent).toHaveLength(2);
  });
});
