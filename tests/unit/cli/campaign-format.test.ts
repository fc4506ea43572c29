// Pure pieces of the campaign commands: progress bars, state and decision lines, tables, and the
// terminal/plain behaviour of watch's printer.
import { describe, expect, it } from 'vitest';
import {
  formatDecision,
  formatStateLine,
  formatStepProgress,
  formatTable,
  parseNumberFlag,
  progressBar,
} from '../../../cli/commands/campaign-format.ts';
import { WatchPrinter, type LiveIo } from '../../../cli/commands/watch-printer.ts';
import { UsageError } from '../../../cli/io.ts';

describe('progressBar', () => {
  it('fills in proportion and clamps to the bar', () => {
    expect(progressBar(0, 8, 8)).toBe('[--------]');
    expect(progressBar(3, 8, 8)).toBe('[###-----]');
    expect(progressBar(8, 8, 8)).toBe('[########]');
    expect(progressBar(12, 8, 8)).toBe('[########]');
    expect(progressBar(-1, 8, 8)).toBe('[--------]');
  });
  it('draws an empty bar when the total is unknown', () => {
    expect(progressBar(3, 0, 4)).toBe('[----]');
    expect(progressBar(Number.NaN, 5, 4)).toBe('[----]');
    expect(progressBar(1, 2)).toHaveLength(22);
  });
});

describe('formatStepProgress', () => {
  it('shows step, epoch, bar, share and loss', () => {
    expect(formatStepProgress({ stepKey: 'milestone-1/attempt-0/finetune', epoch: 3, epochs: 8, loss: 0.41234 })).toBe(
      'milestone-1/attempt-0/finetune  epoch 3/8 [########------------] 38% loss 0.4123',
    );
  });
  it('says when the activity is a retry and when the loss is unknown', () => {
    expect(
      formatStepProgress({ stepKey: 'baseline', epoch: 1, epochs: 2, loss: Number.NaN }, { attempt: 2, width: 4 }),
    ).toBe('baseline  epoch 1/2 [##--] 50% loss n/a (activity attempt 2)');
    expect(formatStepProgress({ stepKey: 'baseline', epoch: 1, epochs: 2, loss: 0.00001234 }, { width: 2 })).toBe(
      'baseline  epoch 1/2 [#-] 50% loss 1.23e-5',
    );
  });
});

describe('formatStateLine', () => {
  const base = {
    milestone: 2,
    milestones: 4,
    targetSparsity: 0.5,
    currentStep: 'milestone-2/attempt-0/prune',
    paused: false,
  };
  it('shows milestone k/N and target sparsity during milestones', () => {
    expect(formatStateLine({ ...base, phase: 'milestone' })).toBe(
      'milestone 2/4 · target 50.0% · milestone-2/attempt-0/prune',
    );
    expect(formatStateLine({ ...base, phase: 'awaiting-review', paused: true })).toBe(
      'milestone 2/4 · target 50.0% · milestone-2/attempt-0/prune · waiting for a review · PAUSED',
    );
  });
  it('shows the phase outside milestones, without repeating it', () => {
    expect(formatStateLine({ ...base, phase: 'baseline', currentStep: 'baseline' })).toBe('baseline');
    expect(formatStateLine({ ...base, phase: 'completed', currentStep: null })).toBe('completed');
  });
});

describe('formatDecision', () => {
  it('prints a gate with one line per constraint and marks rollbacks', () => {
    expect(
      formatDecision({
        seq: 5,
        kind: 'gate',
        milestone: 1,
        attempt: 0,
        message: 'milestone-1/attempt-0: gate fail',
        gate: {
          status: 'fail',
          reason: 'r',
          constraints: [
            { id: 'eod', status: 'fail', reason: 'eod 0.12 > 0.1' },
            { id: 'acc', status: 'insufficient-evidence', reason: 'group too small' },
          ],
        },
      }),
    ).toEqual([
      '#5 gate: milestone-1/attempt-0: gate fail',
      '    FAIL eod: eod 0.12 > 0.1',
      '    INSUFFICIENT EVIDENCE acc: group too small',
    ]);
    expect(formatDecision({ seq: 6, kind: 'rollback', milestone: 1, attempt: 0, message: 'rolled back' })).toEqual([
      '#6 ROLLBACK: rolled back',
    ]);
  });
});

describe('formatTable and parseNumberFlag', () => {
  it('pads every column but the last', () => {
    expect(
      formatTable(
        ['A', 'Long'],
        [
          ['xyz', '1'],
          ['q', ''],
        ],
      ),
    ).toBe('A    Long\nxyz  1\nq');
  });
  it('parses numbers and names the flag otherwise', () => {
    expect(parseNumberFlag('sparsity', '0.6', '0.6')).toBe(0.6);
    expect(parseNumberFlag('sparsity', undefined, '0.6')).toBeUndefined();
    expect(() => parseNumberFlag('sparsity', 'lots', '0.6')).toThrow(
      new UsageError('--sparsity must be a number, got "lots"', 'e.g. --sparsity 0.6'),
    );
    expect(() => parseNumberFlag('limit', '', '20')).toThrow(UsageError);
    // Hex and words JavaScript's Number() would take are not numbers a person means.
    expect(() => parseNumberFlag('limit', '0x10', '20')).toThrow(UsageError);
    expect(() => parseNumberFlag('limit', 'Infinity', '20')).toThrow(UsageError);
    let hint: string | undefined;
    try {
      parseNumberFlag('limit', 'abc', '20');
    } catch (err) {
      hint = (err as UsageError).hint;
    }
    expect(hint).toBe('e.g. --limit 20');
  });
});

describe('WatchPrinter', () => {
  const progress = {
    type: 'progress',
    activityType: 'finetune',
    activityAttempt: 1,
    stepKey: 's',
    epoch: 1,
    epochs: 2,
    loss: 0.5,
  } as const;
  const decision = {
    type: 'decision',
    decision: { seq: 1, kind: 'prune', milestone: 1, attempt: 0, message: 'm' },
  } as const;

  function recorder(isTTY: boolean) {
    const log: string[] = [];
    const io: LiveIo = {
      isTTY,
      stdout: (t) => log.push(`out:${t}`),
      stderr: (t) => log.push(`err:${t}`),
      write: (t) => log.push(`raw:${t}`),
    };
    return { io, log };
  }

  it('on a terminal redraws the progress line in place and erases it before a lasting line', () => {
    const { io, log } = recorder(true);
    const printer = new WatchPrinter(io, { intervalMs: 1000, json: false, tty: true });
    printer.event(progress);
    printer.event({ ...progress, epoch: 2 });
    printer.event(decision);
    expect(log).toEqual([
      'raw:\r\u001b[2Ks  epoch 1/2 [##########----------] 50% loss 0.5000',
      'raw:\r\u001b[2Ks  epoch 2/2 [####################] 100% loss 0.5000',
      'raw:\r\u001b[2K',
      'out:#1 prune: m',
    ]);
  });

  it('piped, prints plain lines without escape codes; --json prints one event per line', () => {
    const plain = recorder(false);
    const printer = new WatchPrinter(plain.io, { intervalMs: 1000, json: false, tty: false });
    printer.event(progress);
    printer.event(decision);
    expect(plain.log).toEqual(['out:s  epoch 1/2 [##########----------] 50% loss 0.5000', 'out:#1 prune: m']);

    const json = recorder(false);
    new WatchPrinter(json.io, { intervalMs: 1000, json: true, tty: false }).event(decision);
    expect(json.log.map((l) => JSON.parse(l.slice(4)) as unknown)).toEqual([decision]);
  });
});
