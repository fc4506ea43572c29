// Every committed golden history must replay against the current workflow code. A workflow change
// that would break running campaigns fails here (guard it with `patched()` and record a new golden).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { loadGoldenHistories } from '../helpers/replay.ts';
import { workflowBundle } from '../helpers/services.ts';

const goldens = loadGoldenHistories();

describe('golden histories replay against the current workflow code', () => {
  it('has golden histories to replay', () => {
    expect(goldens.map((g) => g.name)).toEqual(
      // Three generations of campaign histories must replay: campaign-german-pass and -rollback from
      // before DASHBOARD_PATCH, campaign-german-pass-dashboard from before LOCAL_BOOKKEEPING_PATCH,
      // and campaign-german-pass-local with both; monitor-rollback is a deployment audit that rolled back;
      // campaign-german-continue-paused is a run that continued as new carrying a pause (SIGNALS_ACROSS_RUNS_PATCH);
      // seed-campaigns-german is a seedCampaigns parent whose two seeds' children completed;
      // compression-study-german is a compressionStudy whose two cells' children ran one after the other, and
      // compression-study-german-attached its second run, which took both completed campaigns as they ended;
      // campaign-german-pass-forked sets CampaignStatus (campaign-status-attribute) and renders the dashboard as a
      // regular activity (report-off-workflow-process), run by `fairshrink worker` (forked, its default);
      // campaign-german-heartbeated-data-steps loads and evaluates as heartbeated compute steps (heartbeated-data-steps),
      // and campaign-german-heartbeated-report also heartbeats its dashboard renders (heartbeated-report).
      expect.arrayContaining([
        'campaign-german-heartbeated-report',
        'campaign-german-heartbeated-data-steps',
        'campaign-german-pass-forked',
        'seed-campaigns-german',
        'compression-study-german',
        'compression-study-german-attached',
        'campaign-german-continue-paused',
        'stack-check-golden',
        'campaign-german-pass',
        'campaign-german-rollback',
        'campaign-german-pass-dashboard',
        'campaign-german-pass-local',
        'monitor-rollback',
      ]),
    );
  });

  it.each(goldens.map((g) => [g.name, g] as const))('%s replays without nondeterminism', async (_id, golden) => {
    await Worker.runReplayHistory({ workflowBundle: workflowBundle() }, golden.history, golden.workflowId);
  });

  it('fails for workflow code that schedules different commands', async () => {
    const golden = goldens.find((g) => g.name === 'stack-check-golden')!;
    const changed = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./fixtures/reordered-workflows.ts', import.meta.url)),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    await expect(
      Worker.runReplayHistory({ workflowBundle: changed }, golden.history, golden.workflowId),
    ).rejects.toThrow(/[Nn]ondeterminism|DeterminismViolation/);
  });
});
