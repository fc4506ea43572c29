// `fairshrink promote` and `fairshrink monitor ...` against a finished campaign on the test Temporal server
// and S3: promotion (and its idempotence), batch upload, an audit run with its exit code, a schedule's
// lifecycle, status, and the usage errors that name the fix.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { promoteCommand } from '../../cli/commands/deploy.ts';
import { monitorCommand } from '../../cli/commands/monitor.ts';
import { UsageError } from '../../cli/io.ts';
import { ensureDatasetFile } from '../../infra/datasets.ts';
import { campaignWorker, startFixtureCampaign } from '../helpers/campaign.ts';
import { uniqueId } from '../helpers/services.ts';
import { captureIo, useCliServices } from './cli-support.ts';

const context = { verbose: false };
const { taskQueue, store, temporal } = useCliServices('cli-deploy');

async function run(command: typeof monitorCommand, args: string[]) {
  const io = captureIo();
  const code = await command(args, io, context);
  return { code, out: io.stdoutText(), err: io.stderrText() };
}

describe('promote and monitor from the command line', () => {
  it('promotes a finished campaign, audits an uploaded batch, manages a schedule and shows status', async () => {
    const id = uniqueId('cli-deploy');
    const worker = await campaignWorker(temporal().nativeConnection, taskQueue, store);
    const handle = await startFixtureCampaign(temporal().client, store, {
      name: 'german-pass',
      campaignId: id,
      taskQueue,
    });
    await worker.runUntil(async () => {
      await handle.result();
      const name = `cli-${id.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`.slice(0, 60);

      const promoted = await run(promoteCommand, [id, '--name', name, '--by', 'ana', '--note', 'first release']);
      expect(promoted.code, promoted.err).toBe(0);
      expect(promoted.out).toMatch(
        // What serves is the campaign's shipped export, the bytes its final gate scored.
        new RegExp(
          `^promoted ${id} export \\(\\d+\\.\\d% sparse(, int8)?, sparse-int8 export\\) as ${name} v1; it serves now`,
        ),
      );
      const again = await run(promoteCommand, [id, '--name', name]);
      expect(again.code).toBe(0);
      expect(again.out).toMatch(new RegExp(`^${name} v1 already serves ${id} `));

      const file = path.join(os.tmpdir(), `${name}-batch.csv`);
      const rows = (await readFile(await ensureDatasetFile('german-credit', 'german.data'), 'utf8')).split('\n');
      await writeFile(file, `${rows.slice(0, 300).join('\n')}\n`);
      const added = await run(monitorCommand, ['add-batch', name, file]);
      expect(added.code, added.err).toBe(0);
      expect(added.out).toMatch(
        new RegExp(`^batch deployments/${name}/batches/000001-[0-9a-f]{16}\\.csv \\(\\d+ bytes`),
      );

      // The campaign's own rubric (balanced accuracy within 0.2 of the dense model) holds on real rows.
      const audited = await run(monitorCommand, ['run', name, '--json']);
      expect(audited.code, audited.err).toBe(0);
      const result = JSON.parse(audited.out) as import('../../workflows/monitor.ts').MonitorResult;
      expect(result.audit).toMatchObject({ status: 'pass', version: 1, batch: { rows: 300 } });
      expect(result.action).toBe('none');

      const scheduled = await run(monitorCommand, ['schedule', name, '--every', '1d', '--policy', 'alert', '--paused']);
      expect(scheduled.code, scheduled.err).toBe(0);
      expect(scheduled.out).toBe(`created schedule monitor-${name}: audit ${name} every 1d (policy alert)`);
      const updated = await run(monitorCommand, ['schedule', name, '--every', '12h']);
      expect(updated.out).toMatch(/^updated schedule/);

      const status = await run(monitorCommand, ['status', name]);
      expect(status.code).toBe(0);
      expect(status.out).toMatch(new RegExp(`^${name}: v1 serves since `));
      expect(status.out).toMatch(/v1 {2}\S+ {2}\S+ \S+ {2}by ana {2}— first release/);
      expect(status.out).toMatch(/schedule: every 43200s \(paused\)/);
      expect(status.out).toMatch(/#2 \S+ audit v1: audit \S+ of v1: pass/);
      // The audit history: one audit so far, with its numbers.
      expect(status.out).toMatch(/audits \(latest 1 of 1\):\n {2}at\s+version\s+status\s+rows\s+accuracy/);
      expect(status.out).toMatch(/\n {2}\S+Z\s+v1\s+pass\s+300\s+0\.\d{3}\s+\w+=\S+ 0\.\d{3}/);

      expect((await run(monitorCommand, ['unschedule', name])).out).toBe(
        `deleted schedule monitor-${name}; audits and records stay`,
      );
      const gone = await run(monitorCommand, ['unschedule', name]);
      expect(gone.code).toBe(2);
      expect(gone.err).toMatch(/has no schedule/);
    });
  });

  it('refuses bad usage with a hint, and unknown deployments and unfinished campaigns with exit code 2', async () => {
    await expect(run(promoteCommand, ['some-campaign'])).rejects.toThrow(UsageError);
    await expect(run(promoteCommand, ['some-campaign', '--name', 'Bad_Name'])).rejects.toThrow(/lower-case/);
    await expect(run(promoteCommand, ['c', '--name', 'ok', '--model', 'middle'])).rejects.toThrow(/final or baseline/);
    await expect(run(monitorCommand, ['launch', 'x'])).rejects.toThrow(/unknown monitor subcommand "launch"/);
    await expect(run(monitorCommand, ['schedule', 'x'])).rejects.toThrow(/--every/);
    await expect(run(monitorCommand, ['schedule', 'x', '--every', '5s'])).rejects.toThrow(/at least 10s/);
    await expect(run(monitorCommand, ['run', 'x', '--policy', 'panic'])).rejects.toThrow(/rollback or alert/);
    const unknown = await run(monitorCommand, ['status', 'no-such-deployment']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no deployment no-such-deployment/);
    expect(unknown.err).toMatch(/hint: fairshrink promote <campaignId> --name no-such-deployment/);
    const missing = await run(promoteCommand, [uniqueId('never-ran'), '--name', 'x']);
    expect(missing.code).toBe(2);
  });
});
