// One real campaign, seen through `fairshrink watch`, `history`, `replay`, `audit` and `audit verify`:
// watch started mid-campaign prints the earlier gates first and exits with the result; the exported
// history replays (and a tampered one does not); the audit bundle holds every listed file, verifies,
// and names a tampered bundle file or a tampered checkpoint object in S3.
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { auditCommand } from '../../cli/commands/audit.ts';
import type { AuditManifest, CheckpointList } from '../../core/audit/index.ts';
import { historyCommand, replayCommand } from '../../cli/commands/history.ts';
import { watchCommand } from '../../cli/commands/watch.ts';
import type { WatchEvent } from '../../cli/commands/watch-printer.ts';
import { UsageError } from '../../cli/io.ts';
import { parseS3Uri } from '../../core/storage/index.ts';
import { campaignWorker, startFixtureCampaign } from '../helpers/campaign.ts';
import { uniqueId } from '../helpers/services.ts';
import { captureIo, untilState, useCliServices } from './cli-support.ts';

const context = { verbose: false };
const { taskQueue, store, temporal } = useCliServices('cli-audit');
const id = uniqueId('cli-audit');
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(inject('scratchDir'), 'cli-audit-'));
});

describe('watch, history, replay and the audit bundle of one campaign', () => {
  it('watch started after the first gate prints the earlier gates, then follows the campaign to its result', async () => {
    const worker = await campaignWorker(temporal().nativeConnection, taskQueue, store);
    const handle = await startFixtureCampaign(temporal().client, store, {
      name: 'german-pass',
      campaignId: id,
      taskQueue,
    });
    const io = captureIo();
    const code = await worker.runUntil(async () => {
      await untilState(handle, (s) => s.attempts.length >= 1, 'milestone 1 is gated');
      return watchCommand([id, '--interval', '200'], io, context);
    });
    expect(code).toBe(0);
    const lines = io.stdoutText().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^campaign ${id} \\(running, started .*, 2 milestones\\)$`));
    const firstGate = lines.findIndex((l) => /^#\d+ gate: milestone-1\/attempt-0: /.test(l));
    const firstState = lines.findIndex((l) => l.startsWith('== '));
    expect(lines.findIndex((l) => l.startsWith('#1 baseline: dense baseline trained'))).toBe(1);
    expect(firstGate).toBeGreaterThan(0);
    expect(firstState).toBeGreaterThan(firstGate); // what already happened comes first
    expect(lines[firstGate + 1]).toMatch(/^ {4}PASS balanced-accuracy-vs-reference: /);
    expect(lines.some((l) => /^#\d+ gate: milestone-2\/attempt-0: /.test(l))).toBe(true);
    expect(lines.some((l) => /^#\d+ quantize: int8 post-training quantization/.test(l))).toBe(true);
    expect(lines.at(-3)).toBe('completed: 50.0% of 50.0% sparsity; all 2 milestones passed');
    expect(lines.at(-2)).toMatch(
      /^final model quantize: accuracy 0\.\d+, worst group .*, 50\.0% sparse, int8, shipped as sparse-int8 \d+(\.\d)? k?B \(\d+\.\d× smaller than dense float32 \d+\.\d kB\)$/,
    );
    expect(lines.at(-1)).toMatch(/^lineage s3:\/\//);
    expect(io.stdoutText()).not.toMatch(/\r|\u001b/); // eslint-disable-line no-control-regex -- not a terminal: plain lines only
    expect(new Set(lines.filter((l) => /^#\d+ /.test(l)).map((l) => l.split(' ')[0])).size).toBe(
      lines.filter((l) => /^#\d+ /.test(l)).length,
    ); // every decision exactly once

    // --json on the closed campaign: one event per line, the whole log, then the result.
    const json = captureIo();
    expect(await watchCommand([id, '--json'], json, context)).toBe(0);
    const events = json.out.map((l) => JSON.parse(l) as WatchEvent);
    expect(events[0]).toMatchObject({ type: 'campaign', campaignId: id, status: 'COMPLETED', milestones: 2 });
    const decisions = events.filter((e) => e.type === 'decision');
    expect(decisions.map((e) => (e.type === 'decision' ? e.decision.seq : 0))).toEqual(decisions.map((_, i) => i + 1));
    expect(events.at(-1)).toMatchObject({ type: 'result', status: 'completed', exitCode: 0 });

    await expect(watchCommand([id, '--interval', '5'], captureIo(), context)).rejects.toThrow(UsageError);
  });

  it('history exports JSON that replays; a history with a renamed activity does not', async () => {
    const file = path.join(scratch, 'history.json');
    const io = captureIo();
    expect(await historyCommand([id, '--out', file], io, context)).toBe(0);
    expect(io.stdoutText()).toMatch(new RegExp(`^wrote \\d+ events of ${id} to `));
    const stored = JSON.parse(readFileSync(file, 'utf8')) as {
      workflowId: string;
      history: { events: Record<string, { activityType?: { name: string } }>[] };
    };
    expect(stored.workflowId).toBe(id);
    expect(stored.history.events[0]).toHaveProperty('workflowExecutionStartedEventAttributes');

    const replay = captureIo();
    expect(await replayCommand([file], replay, context)).toBe(0);
    expect(replay.stdoutText()).toMatch(/^deterministic: /);

    // A bare history (as `temporal workflow show -o json` prints it) is accepted too.
    const bare = path.join(scratch, 'bare.json');
    writeFileSync(bare, JSON.stringify(stored.history));
    expect(await replayCommand([bare, '--json'], captureIo(), context)).toBe(0);

    const scheduled = stored.history.events.find((e) => e.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType!.name = 'prepareDatasetRenamed';
    const tampered = path.join(scratch, 'tampered.json');
    writeFileSync(tampered, JSON.stringify(stored));
    const broken = captureIo();
    expect(await replayCommand([tampered], broken, context)).toBe(1);
    expect(broken.err[0]).toMatch(/^error: nondeterminism replaying .*tampered\.json: /);
    expect(broken.err[1]).toMatch(/^hint: /);

    await expect(replayCommand([path.join(scratch, 'nope.json')], captureIo(), context)).rejects.toThrow(/cannot read/);
  });

  it('audit writes every listed file; verify passes, then names a changed bundle file and a changed S3 object', async () => {
    // The campaign's finalize step may already have written its dashboard; otherwise stand one in.
    if ((await store.head(`campaigns/${id}/report.html`)) === undefined) {
      await store.put(`campaigns/${id}/report.html`, new TextEncoder().encode('<!doctype html><title>d</title>'), {
        contentType: 'text/html',
      });
    }
    const dir = path.join(scratch, 'bundle');
    const io = captureIo();
    expect(await auditCommand([id, '--out', dir], io, context)).toBe(0);
    expect(io.stdoutText()).toMatch(new RegExp(`^wrote the audit bundle of ${id} \\(completed\\) to `));

    const manifest = JSON.parse(readFileSync(path.join(dir, 'MANIFEST.json'), 'utf8')) as AuditManifest;
    const files = manifest.files.map((f) => f.path).sort();
    const steps = ['baseline', 'milestone-1/attempt-0', 'milestone-2/attempt-0', 'quantize', 'export'];
    expect(files).toEqual(
      [
        'history.json',
        'lineage.json',
        'decisions.jsonl',
        'rubric.json',
        'config.json',
        'result.json',
        'checkpoints.json',
        'checkpoints.sha256',
        'report.html',
        'VERIFY.md',
        'SHA256SUMS',
        ...steps.flatMap((s) => [`reports/${s}/report.json`, `reports/${s}/gate.json`]),
      ].sort(),
    );
    for (const f of files) expect(existsSync(path.join(dir, f))).toBe(true);
    const checkpoints = JSON.parse(readFileSync(path.join(dir, 'checkpoints.json'), 'utf8')) as CheckpointList;
    expect(checkpoints.checkpoints.map((c) => c.stepKey)).toEqual([
      'baseline',
      'milestone-1/attempt-0/finetune',
      'milestone-2/attempt-0/finetune',
      'quantize',
      'export',
    ]);
    // What ships is the export whose re-loaded bytes passed the final gate.
    expect(checkpoints.checkpoints.find((c) => c.final)?.stepKey).toBe('export');
    for (const c of checkpoints.checkpoints) {
      for (const f of c.files) expect(f).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    }
    const guide = readFileSync(path.join(dir, 'VERIFY.md'), 'utf8');
    const lineage = JSON.parse(readFileSync(path.join(dir, 'lineage.json'), 'utf8')) as {
      config: { sha256: string; seed: number };
      code: { gitCommit: string | null };
    };
    expect(guide).toContain(`# Verifying campaign ${id}`);
    expect(guide).toContain(`| Root seed | \`11\` |`);
    expect(guide).toContain(lineage.config.sha256);
    expect(guide).toContain(`git checkout ${lineage.code.gitCommit}`);
    expect(guide).toContain('fairshrink audit verify');
    expect(guide).toContain('fairshrink replay <this folder>/history.json');
    expect(guide).toContain('| `milestone-1/attempt-0` | pass | `reports/milestone-1/attempt-0/report.json`');

    const refusal = captureIo();
    await expect(auditCommand([id, '--out', dir], refusal, context)).rejects.toThrow(/is not empty/);

    const ok = captureIo();
    expect(await auditCommand(['verify', dir], ok, context)).toBe(0);
    expect(ok.err).toEqual([]);
    expect(ok.out.at(-1)).toMatch(/^audit bundle .* verified: 21 files, \d+ S3 objects, history replayed$/);

    // A bundle file edited after the fact is named.
    const reportFile = path.join(dir, 'reports', 'milestone-1', 'attempt-0', 'report.json');
    const original = readFileSync(reportFile);
    writeFileSync(reportFile, original.toString().replace(/"accuracy"/, '"accuracy" '));
    const edited = captureIo();
    expect(await auditCommand(['verify', dir], edited, context)).toBe(1);
    expect(edited.err).toEqual([
      expect.stringMatching(
        /^problem: changed file: reports\/milestone-1\/attempt-0\/report\.json \(sha256 [0-9a-f]{64}, MANIFEST\.json says [0-9a-f]{64}\)$/,
      ),
    ]);
    writeFileSync(reportFile, original);

    // A checkpoint object overwritten in S3 behind fairshrink's back is named by its uri.
    const weights = checkpoints.checkpoints[1]!.files.find((f) => f.role === 'weightsBin')!;
    const { bucket, key } = parseS3Uri(weights.uri);
    await store.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: new Uint8Array([1, 2, 3, 4]) }));
    const tampered = captureIo();
    expect(await auditCommand(['verify', dir, '--json'], tampered, context)).toBe(1);
    const report = JSON.parse(tampered.stdoutText()) as { ok: boolean; problems: string[] };
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      `changed in S3: ${weights.uri} (checkpoint milestone-1/attempt-0/finetune weightsBin): expected sha256 ${weights.sha256} (${weights.bytes} bytes), got 9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a (4 bytes)`,
    ]);

    // Writing a new bundle of the campaign now fails (exit 1) and names the corrupt object's key.
    const again = captureIo();
    expect(await auditCommand([id, '--out', path.join(scratch, 'bundle-after-tamper')], again, context)).toBe(1);
    expect(again.err.filter((l) => l.startsWith('problem: '))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^problem: ${key.replaceAll('.', '\\.')} \\(checkpoint milestone-1/attempt-0/finetune weightsBin\\) does not match its recorded sha256: `,
        ),
      ),
    ]);
    expect(again.err.at(-1)).toMatch(/^error: 1 S3 object of .* changed or gone since the campaign wrote it/);
  });
});
