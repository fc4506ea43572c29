// `fairshrink status | list | pause | resume | review` against a real campaign on the test Temporal
// server and S3: what they print, what they change, and their exit codes.
import { describe, expect, it } from 'vitest';
import { campaignStatusCommand } from '../../cli/commands/campaign-status.ts';
import { controlCommand, reviewCommand } from '../../cli/commands/control.ts';
import { listCommand, type CampaignListing } from '../../cli/commands/list.ts';
import { UsageError } from '../../cli/io.ts';
import { campaignWorker, startFixtureCampaign } from '../helpers/campaign.ts';
import { uniqueId } from '../helpers/services.ts';
import { captureIo, eventually, untilState, useCliServices } from './cli-support.ts';

const context = { verbose: false };
const { taskQueue, store, temporal } = useCliServices('cli-control');

async function statusJson(id: string) {
  const io = captureIo();
  expect(await campaignStatusCommand([id, '--json'], io, context)).toBe(0);
  return JSON.parse(io.stdoutText()) as import('../../cli/commands/campaign-status.ts').CampaignStatus;
}

describe('campaign control from the command line', () => {
  it('status and list show a running campaign; pause holds it at a step boundary and resume lets it finish', async () => {
    const id = uniqueId('cli-pass');
    const worker = await campaignWorker(temporal().nativeConnection, taskQueue, store);
    const handle = await startFixtureCampaign(temporal().client, store, {
      name: 'german-pass',
      campaignId: id,
      taskQueue,
    });
    await worker.runUntil(async () => {
      await untilState(handle, (s) => s.phase === 'milestone', 'milestone 1 starts');

      const pause = captureIo();
      expect(await controlCommand('pause', [id, '--reason', 'maintenance', '--by', 'ana'], pause, context)).toBe(0);
      expect(pause.stdoutText()).toMatch(new RegExp(`^pause sent to ${id} by ana: `));
      expect((await statusJson(id)).state?.paused).toBe(true);

      // Milestone 1 finishes; the campaign then waits before milestone 2's first step.
      await untilState(handle, (s) => s.milestone === 2, 'milestone 2 is next');
      await new Promise((r) => setTimeout(r, 1500));
      const held = await statusJson(id);
      expect(held.status).toBe('RUNNING');
      expect(held.state?.attempts).toHaveLength(1);
      expect(held.state?.currentStep).toBe('milestone-1/attempt-0/gate');

      const text = captureIo();
      expect(await campaignStatusCommand([id], text, context)).toBe(0);
      expect(text.stdoutText()).toMatch(/RUNNING/);
      expect(text.stdoutText()).toMatch(
        /progress\s+milestone 2\/2 · target 30\.0% · milestone-1\/attempt-0\/gate · PAUSED/,
      );
      expect(text.stdoutText()).toMatch(/last gate\s+milestone-1\/attempt-0: PASS/);

      const listed = await eventually(async () => {
        const io = captureIo();
        expect(await listCommand(['--query', `CampaignId = "${id}"`, '--json'], io, context)).toBe(0);
        const rows = JSON.parse(io.stdoutText()) as CampaignListing[];
        return rows.length === 1 && rows[0]!.gateStatus === 'pass' ? rows[0] : undefined;
      }, 'the campaign in visibility');
      // Milestone 2's search attributes are set when its first step starts, which the pause holds back.
      // A running campaign has no final model yet: only the target it last aimed at.
      expect(listed).toMatchObject({
        campaignId: id,
        status: 'RUNNING',
        milestone: 1,
        targetSparsity: 0.3,
        sparsity: null,
        gateStatus: 'pass',
      });
      const table = captureIo();
      expect(await listCommand(['--query', `CampaignId = "${id}"`], table, context)).toBe(0);
      expect(table.out[0]?.split('\n')[0]).toMatch(
        /^CampaignId\s+Status\s+CampaignStatus\s+Milestone\s+Target\s+Sparsity\s+GateStatus\s+Started$/,
      );
      expect(table.stdoutText()).toContain(id);

      const resume = captureIo();
      expect(await controlCommand('resume', [id, '--by', 'ana'], resume, context)).toBe(0);
      expect((await statusJson(id)).state?.paused).toBe(false);
      expect((await handle.result()).status).toBe('completed');
    });

    const done = captureIo();
    expect(await campaignStatusCommand([id], done, context)).toBe(0);
    expect(done.stdoutText()).toMatch(/COMPLETED/);
    expect(done.stdoutText()).toMatch(/result\s+completed: 50\.\d% of 50\.0% sparsity; all 2 milestones passed/);

    const late = captureIo();
    expect(await controlCommand('pause', [id], late, context)).toBe(1);
    expect(late.err).toEqual([
      `error: campaign ${id} is completed; there is nothing to pause`,
      `hint: \`fairshrink status ${id}\` shows how it ended`,
    ]);

    const unknown = captureIo();
    expect(await campaignStatusCommand(['no-such-campaign'], unknown, context)).toBe(2);
    expect(unknown.err[0]).toMatch(/^error: no campaign "no-such-campaign" in namespace fairshrink/);
    expect(unknown.err[1]).toMatch(/^hint: `fairshrink list`/);
  });

  it('review: a refusal by the validator is one line with exit code 2; an approval is accepted', async () => {
    const id = uniqueId('cli-review');
    const worker = await campaignWorker(temporal().nativeConnection, taskQueue, store);
    const handle = await startFixtureCampaign(temporal().client, store, {
      name: 'german-review',
      campaignId: id,
      taskQueue,
    });
    await expect(reviewCommand([id, 'approve', '--reason', 'x'], captureIo(), context)).rejects.toThrow(UsageError);
    await expect(
      reviewCommand([id, 'approve', '--reviewer', 'ana', '--reason', 'x', '--sparsity', '0.5'], captureIo(), context),
    ).rejects.toThrow(/--sparsity and --epsilon go with adjust/);
    const result = await worker.runUntil(async () => {
      const early = captureIo();
      await untilState(handle, (s) => s.phase === 'milestone' && s.pendingReview === null, 'milestone 1 starts');
      expect(await reviewCommand([id, 'approve', '--reviewer', 'ana', '--reason', 'early'], early, context)).toBe(2);
      expect(early.err[0]).toBe(
        'error: the campaign refused the review: no review is pending: the campaign is not waiting for one',
      );

      await untilState(handle, (s) => s.pendingReview !== null, 'a review is requested');
      const status = captureIo();
      expect(await campaignStatusCommand([id], status, context)).toBe(0);
      expect(status.stdoutText()).toMatch(/review\s+pending for milestone-2\/attempt-0/);

      const refused = captureIo();
      const code = await reviewCommand(
        [id, 'adjust', '--reviewer', 'ana', '--reason', 'back off', '--sparsity', '1.5'],
        refused,
        context,
      );
      expect(code).toBe(2);
      expect(refused.err).toEqual([
        'error: the campaign refused the review: sparsity must be in [0, 1), got 1.5',
        'hint: fix the value named above and send the review again; nothing was changed',
      ]);
      expect(refused.out).toEqual([]);

      const approved = captureIo();
      expect(
        await reviewCommand(
          [id, 'approve', '--reviewer', 'ana', '--reason', 'within noise', '--json'],
          approved,
          context,
        ),
      ).toBe(0);
      expect(JSON.parse(approved.stdoutText())).toEqual({
        campaignId: id,
        accepted: true,
        milestone: 2,
        action: 'approve',
        reviewer: 'ana',
      });
      return handle.result();
    });
    expect(result.status).toBe('completed');
  });
});
