// Study activities: read what a study's cell left in S3 (its held-out fairness report) and return the numbers the
// study table needs (core/campaign/study.ts), so the workflow history carries those few numbers, not the report.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { z } from 'zod';
import { studyCellMetrics, type StudyCellMetrics } from '../core/campaign/study.ts';
import type { FairnessReport } from '../core/fairness/report-types.ts';
import { ArtifactRef, parseJsonBytes, type ArtifactStore } from '../core/storage/index.ts';
import type { CampaignResult } from '../workflows/campaign-api.ts';

export const ReadStudyCellMetricsInput = z.object({ report: ArtifactRef });
export type ReadStudyCellMetricsInput = z.infer<typeof ReadStudyCellMetricsInput>;

export const AwaitCampaignEndInput = z.object({ workflowId: z.string().min(1) });
export type AwaitCampaignEndInput = z.infer<typeof AwaitCampaignEndInput>;

/** How an earlier run of a cell's campaign ended: its result when it completed, else its Temporal status. */
export type CampaignEnd = { status: 'COMPLETED'; result: CampaignResult } | { status: string };

export function createStudyActivities(store: ArtifactStore) {
  return {
    /** The study's numbers from a cell's held-out report; a report without a dense reference is not retried. */
    async readStudyCellMetrics(input: ReadStudyCellMetricsInput): Promise<StudyCellMetrics> {
      const parsed = ReadStudyCellMetricsInput.safeParse(input);
      if (!parsed.success)
        throw ApplicationFailure.nonRetryable(`readStudyCellMetrics: ${z.prettifyError(parsed.error)}`, 'InvalidInput');
      const report = parseJsonBytes<FairnessReport>(await store.get(parsed.data.report), parsed.data.report.uri);
      try {
        return studyCellMetrics(report);
      } catch (err) {
        throw ApplicationFailure.nonRetryable(`${parsed.data.report.uri}: ${(err as Error).message}`, 'InvalidInput');
      }
    },

    /**
     * The end of a campaign a study finds already started under a cell's id (an earlier run of the same study): its
     * result when it completed, else its Temporal status. While it runs this fails as retryable, so the activity's
     * retry policy waits for it (the earlier study's end asked it to stop).
     */
    async awaitCampaignEnd(input: AwaitCampaignEndInput): Promise<CampaignEnd> {
      const parsed = AwaitCampaignEndInput.safeParse(input);
      if (!parsed.success)
        throw ApplicationFailure.nonRetryable(`awaitCampaignEnd: ${z.prettifyError(parsed.error)}`, 'InvalidInput');
      const handle = Context.current().client.workflow.getHandle(parsed.data.workflowId);
      const status = (await handle.describe()).status.name;
      if (status === 'RUNNING')
        throw ApplicationFailure.retryable(`campaign ${parsed.data.workflowId} is still running`, 'StillRunning');
      if (status !== 'COMPLETED') return { status };
      return { status, result: (await handle.result()) as CampaignResult };
    },
  };
}

export type StudyActivities = ReturnType<typeof createStudyActivities>;
