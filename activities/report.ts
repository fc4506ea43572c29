// The report activity: a thin adapter over core/report that the campaign workflow calls after each milestone and
// at the end. It re-renders `<prefix>/<campaignId>/report.html` from what is in S3 and returns its ref.
import { z } from 'zod';
import { ApplicationFailure } from '@temporalio/activity';
import { renderCampaignReport, type ReportStore } from '../core/report/index.ts';
import type { ArtifactRef } from '../core/storage/index.ts';

export const RenderReportInput = z.object({
  campaignId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-"'),
  prefix: z.string().regex(/^[a-z0-9][a-z0-9/_-]*$/, 'lower-case letters, digits, "/", "_" and "-"'),
});
export type RenderReportInput = z.infer<typeof RenderReportInput>;

export function createReportActivities(store: ReportStore) {
  return {
    /** Regenerates the campaign's report.html (mode 'mutable') from its S3 folder; idempotent for equal contents. */
    async renderReport(input: RenderReportInput): Promise<ArtifactRef> {
      const parsed = RenderReportInput.safeParse(input);
      if (!parsed.success)
        throw ApplicationFailure.nonRetryable(`renderReport: ${z.prettifyError(parsed.error)}`, 'InvalidInput');
      const { ref } = await renderCampaignReport(store, parsed.data);
      return ref;
    },
  };
}

export type ReportActivities = ReturnType<typeof createReportActivities>;
