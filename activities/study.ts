// Study activities: read what a study's cell left in S3 (its held-out fairness report) and return the numbers the
// study table needs (core/campaign/study.ts), so the workflow history carries those few numbers, not the report.
import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { studyCellMetrics, type StudyCellMetrics } from '../core/campaign/study.ts';
import type { FairnessReport } from '../core/fairness/report-types.ts';
import { ArtifactRef, parseJsonBytes, type ArtifactStore } from '../core/storage/index.ts';

export const ReadStudyCellMetricsInput = z.object({ report: ArtifactRef });
export type ReadStudyCellMetricsInput = z.infer<typeof ReadStudyCellMetricsInput>;

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
  };
}

export type StudyActivities = ReturnType<typeof createStudyActivities>;
