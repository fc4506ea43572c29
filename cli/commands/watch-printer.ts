// What `fairshrink watch` prints: each event of a followed campaign as a line (or JSON), with the current step's
// progress redrawn in place on a TTY.
import type { DecisionEntry } from '../../core/campaign/contracts.ts';
import { describeFinalModel } from '../../core/campaign/summary.ts';
import type { CampaignResult, CampaignState } from '../../workflows/campaign.ts';
import type { CliIo } from '../io.ts';
import type { CampaignFailure } from './campaign-status.ts';
import { formatDecision, formatStateLine, formatStepProgress } from './campaign-format.ts';

export interface LiveIo extends CliIo {
  isTTY?: boolean;
  write?: (text: string) => void;
}

export type WatchEvent =
  | { type: 'campaign'; campaignId: string; status: string; startTime: string; milestones: number }
  | { type: 'decision'; decision: DecisionEntry }
  | ({ type: 'state' } & Pick<
      CampaignState,
      'phase' | 'milestone' | 'milestones' | 'attempt' | 'targetSparsity' | 'currentStep' | 'paused'
    >)
  | {
      type: 'progress';
      activityType: string;
      activityAttempt: number;
      stepKey: string;
      epoch: number;
      epochs: number;
      loss: number;
    }
  | { type: 'notice'; message: string }
  | {
      type: 'result';
      status: string;
      reason: string;
      /** What was reached against what was asked for, or why it failed: the line watch ends with. */
      headline: string;
      exitCode: number;
      result: CampaignResult | null;
      failure: CampaignFailure | null;
    };

export interface WatchOptions {
  intervalMs: number;
  json: boolean;
  /** Redraw the progress line with \r (needs io.write); otherwise each change is one plain line. */
  tty: boolean;
}

/** Terminal control: carriage return and erase-line, used only on a TTY. */
const CLEAR_LINE = '\r\x1b[2K';

export class WatchPrinter {
  private progressShown = false;
  constructor(
    private readonly io: LiveIo,
    private readonly options: WatchOptions,
  ) {}

  private get drawing(): boolean {
    return this.options.tty && this.io.write !== undefined;
  }

  /** A line that stays; on a TTY it first erases the progress line under it. */
  line(text: string): void {
    if (this.drawing && this.progressShown) {
      this.io.write!(CLEAR_LINE);
      this.progressShown = false;
    }
    this.io.stdout(text);
  }

  /** The progress line: redrawn in place on a TTY, a plain line otherwise. */
  progress(text: string): void {
    if (this.drawing) {
      this.io.write!(`${CLEAR_LINE}${text}`);
      this.progressShown = true;
    } else {
      this.io.stdout(text);
    }
  }

  event(event: WatchEvent): void {
    if (this.options.json) {
      this.io.stdout(JSON.stringify(event));
      return;
    }
    switch (event.type) {
      case 'campaign':
        this.line(
          `campaign ${event.campaignId} (${event.status.toLowerCase()}, started ${event.startTime}, ${event.milestones} milestones)`,
        );
        break;
      case 'decision':
        for (const text of formatDecision(event.decision)) this.line(text);
        break;
      case 'state':
        this.line(`== ${formatStateLine(event)}`);
        break;
      case 'progress':
        this.progress(
          formatStepProgress(
            { stepKey: event.stepKey, epoch: event.epoch, epochs: event.epochs, loss: event.loss },
            { attempt: event.activityAttempt },
          ),
        );
        break;
      case 'notice':
        this.line(`note: ${event.message}`);
        break;
      case 'result':
        this.line(event.headline);
        if (event.result) {
          const { final, quantized, lineage } = event.result;
          const shipped = event.result.export?.gate === 'pass' ? event.result.export : undefined;
          this.line(`final model ${final.checkpoint.stepKey}: ${describeFinalModel(final, quantized, shipped)}`);
          this.line(`lineage ${lineage.uri}`);
        }
        break;
    }
  }
}
