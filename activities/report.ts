// The report activity: a thin adapter over core/report that the campaign workflow calls after each milestone and
// at the end. It re-renders `<prefix>/<campaignId>/report.html` from what is in S3 and returns its ref.
import { z } from 'zod';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { renderCampaignReport, type ReportStore } from '../core/report/index.ts';
import type { ArtifactRef } from '../core/storage/index.ts';

export const RenderReportInput = z.object({
  campaignId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-"'),
  prefix: z.string().regex(/^[a-z0-9][a-z0-9/_-]*$/, 'lower-case letters, digits, "/", "_" and "-"'),
});
export type RenderReportInput = z.infer<typeof RenderReportInput>;

/** Well inside the render's 1-minute heartbeat timeout (HEARTBEATED_REPORT_PATCH in workflows/campaign-api.ts). */
const LIVENESS_HEARTBEAT_MS = 2_000;

export function createReportActivities(store: ReportStore) {
  return {
    /**
     * Regenerates the campaign's report.html (mode 'mutable') from its S3 folder; idempotent for equal contents.
     * Heartbeats while it renders, so a worker that dies mid-render is noticed within the heartbeat timeout (as a local
     * activity, in campaigns of before REPORT_OFF_WORKFLOW_PROCESS_PATCH, it has none to send).
     */
    async renderReport(input: RenderReportInput): Promise<ArtifactRef> {
      const parsed = RenderReportInput.safeParse(input);
      if (!parsed.success)
        throw ApplicationFailure.nonRetryable(`renderReport: ${z.prettifyError(parsed.error)}`, 'InvalidInput');
      const context = Context.current();
      const alive = context.info.isLocal ? undefined : setInterval(() => context.heartbeat(), LIVENESS_HEARTBEAT_MS);
      try {
        const { ref } = await renderCampaignReport(store, parsed.data);
        return ref;
      } finally {
        clearInterval(alive);
      }
    },
  };
}

export type ReportActivities = ReturnType<typeof createReportActivities>;
