// A tiny compression study against the real Temporal server and real S3: German credit at one sparsity target, two
// arms (magnitude + plain, group-aware + CEAG), one seed, one cell at a time. The compressionStudy workflow runs each
// cell as a compressionCampaign child, the second starting after the first ended; study.json holds both cells with
// their held-out verdicts and numbers; the table renders from it. Run again under the same id, the study takes the
// completed campaigns as they ended instead of running them again.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { StudyReport } from '../../core/campaign/study.ts';
import { loadStudyFile, prepareStudyInput } from '../../core/config/study.ts';
import { studyTable } from '../../core/report/study-table.ts';
import { projectRoot } from '../../infra/paths.ts';
import type { CampaignResult } from '../../workflows/campaign.ts';
import { compressionStudy } from '../../workflows/study.ts';
import { campaignWorker } from '../helpers/campaign.ts';
import { replayAndMaybeRecord } from '../helpers/replay.ts';
import { uniqueId, useTemporalAndStore, workflowBundle } from '../helpers/services.ts';

const { temporal: connection, store } = useTemporalAndStore();
const studyFile = fileURLToPath(new URL('../fixtures/studies/german-tiny.yaml', import.meta.url));

describe('a compression study', () => {
  it('runs each cell as a child campaign, one at a time, and writes study.json with held-out verdicts', async () => {
    const taskQueue = uniqueId('study-q');
    const studyId = uniqueId('german-tiny');
    const study = await loadStudyFile(studyFile);
    const input = await prepareStudyInput(study, store, { projectRoot, studyId });
    const cellIds = [
      `${studyId}-german-50-int8-magnitude-plain-seed-3`,
      `${studyId}-german-50-int8-group-aware-ceag-seed-3`,
    ];
    expect(input.cells.map((c) => c.cell.campaignId)).toEqual(cellIds);

    const worker = await campaignWorker(connection().nativeConnection, taskQueue, store);
    const handle = await connection().client.workflow.start(compressionStudy, {
      taskQueue,
      workflowId: studyId,
      args: [input, {}],
    });
    const result = await worker.runUntil(handle.result());
    expect(result).toMatchObject({ studyId, status: 'completed', counts: { completed: 2 } });

    // Two children; with concurrency 1 the second starts only after the first completed.
    const events = (await handle.fetchHistory()).events ?? [];
    const started = events.flatMap((e, i) =>
      e.childWorkflowExecutionStartedEventAttributes
        ? [[i, e.childWorkflowExecutionStartedEventAttributes.workflowExecution?.workflowId]]
        : [],
    );
    const completed = events.flatMap((e, i) => (e.childWorkflowExecutionCompletedEventAttributes ? [i] : []));
    expect(started.map(([, id]) => id)).toEqual(cellIds);
    expect(completed).toHaveLength(2);
    expect(started[1]![0]! as number).toBeGreaterThan(completed[0]!);

    // Each child ran its arm's config and ended with a held-out verdict.
    const arms = [
      { criterion: 'magnitude-global', constrained: false },
      { criterion: 'group-saliency', constrained: true },
    ];
    for (const [i, childId] of cellIds.entries()) {
      const child = connection().client.workflow.getHandle(childId);
      const description = await child.describe();
      expect(description).toMatchObject({ type: 'compressionCampaign', status: { name: 'COMPLETED' } });
      expect(description.parentExecution?.workflowId).toBe(studyId);
      const childInput = input.cells[i]!.config;
      expect(childInput.compression.criterion).toBe(arms[i]!.criterion);
      expect(childInput.compression.finetune.constrained).toBe(arms[i]!.constrained);
      expect(childInput.compression.schedule).toEqual({ kind: 'constant', sparsity: 0.5, milestones: 1 });
      const childResult = (await child.result()) as CampaignResult;
      expect(childResult.heldOut).toMatchObject({ split: 'test' });
    }

    // study.json in S3: both cells with their held-out verdicts and numbers.
    expect(result.report.uri).toBe(`s3://${store.bucket}/studies/${studyId}/study.json`);
    const stored = JSON.parse(Buffer.from(await store.get(result.report)).toString()) as StudyReport;
    expect(stored).toMatchObject({ kind: 'fairshrink-study', studyId, configSha256: input.configSha256 });
    expect(stored.cells.map((c) => [c.campaignId, c.arm, c.status])).toEqual([
      [cellIds[0], 'magnitude-plain', 'completed'],
      [cellIds[1], 'group-aware-ceag', 'completed'],
    ]);
    for (const [i, cell] of stored.cells.entries()) {
      const childResult = (await connection().client.workflow.getHandle(cellIds[i]!).result()) as CampaignResult;
      expect(['pass', 'fail', 'insufficient-evidence']).toContain(cell.heldOut.status);
      expect(cell.heldOut).toMatchObject({ status: childResult.heldOut!.status, rows: childResult.heldOut!.rows });
      expect(cell.finalSparsity).toBe(childResult.final.checkpoint.sparsity);
      if (!cell.metrics.defined) throw new Error(`cell ${cell.campaignId} has no metrics: ${cell.metrics.reason}`);
      const m = cell.metrics.value;
      expect(m.rows).toBe(childResult.heldOut!.rows);
      // The held-out summary's accuracy minus the dense model's is the change the report records.
      expect(m.accuracyChange.value).not.toBeNull();
      expect(Object.keys(m.equalizedOddsDifference).sort()).toEqual(
        Object.keys(childResult.heldOut!.summary.attributes).sort(),
      );
    }

    const table = studyTable(stored);
    expect(table).toMatch(/\| german \| 50% \+ int8 \| magnitude-plain \| 1\/1 completed \| /);
    expect(table).toMatch(/\| german \| 50% \+ int8 \| group-aware-ceag \| 1\/1 completed \| /);
    expect(table).toContain('accuracy drop ≤ 0.5 pt');

    const description = await handle.describe();
    expect(description.searchAttributes.CampaignId).toEqual([studyId]);
    expect(description.searchAttributes.CampaignStatus).toEqual(['completed']);
    await replayAndMaybeRecord(handle, { workflowBundle: workflowBundle() }, 'compression-study-german');

    // Run again under the same id: both cells' campaigns completed, so the study takes them as they ended (no child
    // starts, no campaign runs twice) and rewrites study.json with the cells marked attached.
    const childRuns = await Promise.all(
      cellIds.map(async (id) => (await connection().client.workflow.getHandle(id).describe()).runId),
    );
    const again = await connection().client.workflow.start(compressionStudy, {
      taskQueue,
      workflowId: studyId,
      args: [input, {}],
    });
    const secondWorker = await campaignWorker(connection().nativeConnection, taskQueue, store);
    const second = await secondWorker.runUntil(again.result());
    expect(second).toMatchObject({ studyId, status: 'completed', counts: { completed: 2 } });
    expect(second.report.uri).toBe(result.report.uri);
    const secondEvents = (await again.fetchHistory()).events ?? [];
    expect(secondEvents.filter((e) => e.childWorkflowExecutionStartedEventAttributes)).toHaveLength(0);
    expect(secondEvents.filter((e) => e.startChildWorkflowExecutionFailedEventAttributes)).toHaveLength(2);
    for (const [i, id] of cellIds.entries())
      expect((await connection().client.workflow.getHandle(id).describe()).runId).toBe(childRuns[i]);
    const rewritten = JSON.parse(Buffer.from(await store.get(second.report)).toString()) as StudyReport;
    expect(rewritten.cells.map((c) => [c.campaignId, c.attached, c.heldOut.status])).toEqual(
      stored.cells.map((c) => [c.campaignId, true, c.heldOut.status]),
    );
    expect(rewritten.cells.map((c) => c.metrics)).toEqual(stored.cells.map((c) => c.metrics));
    await replayAndMaybeRecord(again, { workflowBundle: workflowBundle() }, 'compression-study-german-attached');
  });
});
