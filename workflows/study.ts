// A compression study (docs/architecture.md#studies): every cell (data set × final sparsity × arm × seed) runs as a
// compressionCampaign child, at most `concurrency` at a time; a cell that fails its gates, stops early or fails is a
// row of the result, never a failure of the study. For each cell with a held-out report, an activity reads the numbers
// the study table needs; the study writes <prefix>/<studyId>/study.json. Deterministic code only (see eslint.config.js).
import {
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import {
  cellCampaignInput,
  studyCellRecord,
  type CellEnding,
  type StudyCellRecord,
  type StudyInput,
  type StudyReport,
} from '../core/campaign/study.ts';
import type { ArtifactRef } from '../core/storage/ref.ts';
import { compressionCampaign, searchAttributes, type CampaignOptions, type CampaignResult } from './campaign.ts';
import { failureReason, readStudyCellMetrics, writeJsonArtifact } from './parent-steps.ts';

export type StudyCellStatus = 'waiting' | 'running' | 'completed' | 'stopped' | 'aborted' | 'failed' | 'cancelled';

export interface StudyState {
  studyId: string;
  phase: 'running' | 'writing' | 'completed' | 'stopped';
  concurrency: number;
  /** attached: the cell's campaign was one an earlier run of this study had completed, taken as it was. */
  cells: { campaignId: string; status: StudyCellStatus; reason: string | null; attached: boolean }[];
}

export interface StudyResult {
  studyId: string;
  status: 'completed';
  /** "<n> cells: <k> completed, ..." */
  reason: string;
  /** <prefix>/<studyId>/study.json */
  report: ArtifactRef;
  /** Cells per status. */
  counts: Record<string, number>;
}

export const studyStateQuery = defineQuery<StudyState>('state');

/** Waits for a campaign an earlier run of the study started under a cell's id: retried while it still runs. */
const { awaitCampaignEnd } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['InvalidInput'],
  },
});

export async function compressionStudy(input: StudyInput, options: CampaignOptions = {}): Promise<StudyResult> {
  const { studyId, prefix, cells } = input;
  const ids = cells.map((c) => c.cell.campaignId);
  if (cells.length === 0 || new Set(ids).size !== ids.length || !(input.concurrency >= 1)) {
    throw ApplicationFailure.nonRetryable(
      `a study needs one or more cells with distinct campaign ids and a concurrency of at least 1 (got ${cells.length} cells, ${new Set(ids).size} distinct ids, concurrency ${input.concurrency})`,
      'InvalidInput',
    );
  }
  const state: StudyState = {
    studyId,
    phase: 'running',
    concurrency: input.concurrency,
    cells: ids.map((campaignId) => ({ campaignId, status: 'waiting', reason: null, attached: false })),
  };
  setHandler(studyStateQuery, () => state);
  upsertSearchAttributes([
    { key: searchAttributes.campaignId, value: studyId },
    { key: searchAttributes.campaignStatus, value: 'running' },
  ]);

  let cancelled: unknown = null;
  const records: (StudyCellRecord | undefined)[] = cells.map(() => undefined);

  /**
   * The cell's campaign result. A campaign an earlier run of this study completed under the cell's id is taken as it
   * is (the child start is refused: ALLOW_DUPLICATE_FAILED_ONLY); one that ended otherwise runs again, once it closed.
   */
  const cellResult = async (index: number): Promise<CampaignResult> => {
    const { cell } = cells[index]!;
    for (let attempt = 1; ; attempt++) {
      try {
        const handle = await startChild(compressionCampaign, {
          workflowId: cell.campaignId,
          args: [cellCampaignInput(input, index), options],
          // A study that is terminated or times out asks its cells to stop at their last good model.
          parentClosePolicy: 'REQUEST_CANCEL',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        });
        return await handle.result();
      } catch (err) {
        if ((err as Error).name !== 'WorkflowExecutionAlreadyStartedError' || attempt > 1) throw err;
        const earlier = await awaitCampaignEnd({ workflowId: cell.campaignId });
        if ('result' in earlier) {
          state.cells[index]!.attached = true;
          return earlier.result;
        }
      }
    }
  };

  /** Run one cell to its end and read its held-out numbers; records the row, never throws but for cancellation. */
  const runCell = async (index: number): Promise<void> => {
    const { cell } = cells[index]!;
    const row = state.cells[index]!;
    let ending: CellEnding;
    try {
      row.status = 'running';
      const result = await cellResult(index);
      row.status = result.status;
      row.reason = result.reason;
      ending = { seed: cell.seed, campaignId: cell.campaignId, ended: 'result', result };
    } catch (err) {
      const ended = isCancellation(err) ? 'cancelled' : 'failed';
      if (ended === 'cancelled' && cancelled === null) cancelled = err;
      row.status = ended;
      row.reason = failureReason(err);
      ending = { seed: cell.seed, campaignId: cell.campaignId, ended, reason: row.reason };
    }
    let metrics: StudyCellRecord['metrics'];
    const report = ending.ended === 'result' ? ending.result.heldOut?.report : undefined;
    if (report === undefined) {
      metrics = {
        defined: false,
        reason:
          ending.ended === 'result'
            ? `no held-out report (${ending.result.status}${ending.result.heldOut === undefined ? ', no held-out verdict' : ''})`
            : `the cell's campaign ${ending.ended}`,
      };
    } else {
      try {
        metrics = { defined: true, value: await readStudyCellMetrics({ report }) };
      } catch (err) {
        if (isCancellation(err)) {
          if (cancelled === null) cancelled = err;
          metrics = { defined: false, reason: 'the study was cancelled before the held-out report was read' };
        } else metrics = { defined: false, reason: `the held-out report could not be read: ${failureReason(err)}` };
      }
    }
    records[index] = studyCellRecord(cell, ending, metrics, row.attached);
  };

  // `concurrency` lanes, each taking the next cell in the study's order until none is left.
  let next = 0;
  const lane = async () => {
    while (next < cells.length && cancelled === null) await runCell(next++);
  };
  await Promise.all(Array.from({ length: Math.min(input.concurrency, cells.length) }, lane));

  // study.json goes on record even when the study is being cancelled.
  return CancellationScope.nonCancellable(async () => {
    state.phase = 'writing';
    const rows: StudyCellRecord[] = records.map(
      (record, i) =>
        record ??
        studyCellRecord(
          cells[i]!.cell,
          {
            seed: cells[i]!.cell.seed,
            campaignId: cells[i]!.cell.campaignId,
            ended: 'cancelled',
            reason: 'the study was cancelled before this cell started',
          },
          { defined: false, reason: 'the cell never ran' },
        ),
    );
    const document: StudyReport = { kind: 'fairshrink-study', studyId, configSha256: input.configSha256, cells: rows };
    const ref = await writeJsonArtifact({
      key: `${prefix}/${studyId}/study.json`,
      document: document as unknown as Record<string, unknown>,
      // A later run of the study (after one that did not complete) rewrites it with every cell's latest outcome.
      mutable: true,
    });
    if (cancelled !== null) {
      state.phase = 'stopped';
      upsertSearchAttributes([{ key: searchAttributes.campaignStatus, value: 'stopped' }]);
      throw cancelled;
    }
    const counts: Record<string, number> = {};
    for (const row of rows) counts[row.status] = (counts[row.status] ?? 0) + 1;
    state.phase = 'completed';
    upsertSearchAttributes([{ key: searchAttributes.campaignStatus, value: 'completed' }]);
    return {
      studyId,
      status: 'completed',
      reason: `${rows.length} cells: ${Object.entries(counts)
        .map(([status, n]) => `${n} ${status}`)
        .join(', ')}`,
      report: ref,
      counts,
    };
  });
}
