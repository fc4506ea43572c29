// `fairshrink run` against the test Temporal server and S3: --dry-run validates, a bad file names its
// field, --watch follows the campaign as `fairshrink watch` does until it ends (exit code = its result),
// and running the same file again attaches instead of starting a second campaign.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../cli/commands/run.ts';
import { campaignWorker, fixtureCampaign } from '../helpers/campaign.ts';
import { uniqueId } from '../helpers/services.ts';
import { captureIo, useCliServices } from './cli-support.ts';

const { taskQueue, store, temporal } = useCliServices('cli-run');

describe('fairshrink run', () => {
  it('validates with --dry-run and names the bad field of a broken file', async () => {
    const ok = captureIo();
    expect(await runCommand([fixtureCampaign('german-pass'), '--dry-run', '--id', 'dry-1'], ok)).toBe(0);
    expect(ok.stdoutText()).toMatch(/^valid: .*german-pass\.yaml → campaign dry-1$/m);
    expect(ok.stdoutText()).toMatch(/^feasibility on the validation split \(\d+ rows\)/m);

    const dir = await mkdtemp(path.join(os.tmpdir(), 'fairshrink-run-'));
    const broken = path.join(dir, 'broken.yaml');
    await writeFile(broken, 'version: 1\nname: broken\nseed: 1.5\n');
    const bad = captureIo();
    expect(await runCommand([broken, '--dry-run'], bad)).toBe(2);
    expect(bad.stderrText()).toMatch(/seed/);
    expect(bad.stderrText()).toMatch(/hint: fix each field named above/);
  });

  it('--watch follows the campaign to its end; a second run attaches', async () => {
    const id = uniqueId('cli-run').toLowerCase();
    const worker = await campaignWorker(temporal().nativeConnection, taskQueue, store);
    await worker.runUntil(async () => {
      const io = captureIo();
      expect(await runCommand([fixtureCampaign('german-pass'), '--id', id, '--watch'], io), io.stderrText()).toBe(0);
      const out = io.stdoutText();
      expect(out).toMatch(new RegExp(`^started campaign ${id} on task queue ${taskQueue}`));
      // The watch printer's lines: decisions as they happen, then the result.
      expect(out).toMatch(/milestone 1 accepted at 30\.\d+% sparsity/);
      expect(out).toMatch(/milestone 2 accepted at 50\.\d+% sparsity/);
      expect(out).toMatch(/completed: 50\.\d% of 50\.0% sparsity; all 2 milestones passed/);
      // The summary carries what the demo prints: accuracy, worst group, sparsity and stored size.
      expect(out).toMatch(
        /final model \S+: accuracy 0\.\d{4}, worst group \w+=\S+ 0\.\d{4}, \d+\.\d% sparse, int8, shipped as sparse-int8 \d+(\.\d)? k?B \(\d+\.\d× smaller than dense float32 \d+\.\d kB\)/,
      );
      expect(out).toMatch(/lineage s3:\/\//);

      const again = captureIo();
      expect(await runCommand([fixtureCampaign('german-pass'), '--id', id], again)).toBe(0);
      expect(again.stdoutText()).toBe(`campaign ${id} already exists (COMPLETED); attaching`);
    });
  });
});
