// A campaign that continued as new (one run per milestone) through `fairshrink history`, `replay`,
// `audit` and `audit verify`: every run is exported (oldest first), replayed and checked, and a
// tampered first run is caught and named, not just the latest run.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { auditCommand } from '../../cli/commands/audit.ts';
import { refsInHistory, type AuditManifest, type CheckpointList } from '../../core/audit/index.ts';
import { historyCommand, replayCommand } from '../../cli/commands/history.ts';
import { campaignWorker, startFixtureCampaign } from '../helpers/campaign.ts';
import { uniqueId } from '../helpers/services.ts';
import { captureIo, useCliServices } from './cli-support.ts';

type Event = Record<string, { activityType?: { name: string }; newExecutionRunId?: string } | undefined>;
interface MultiRunFile {
  workflowId: string;
  runs: { runId: string; history: { events: Event[] } }[];
}

/** Rewrites the JSON text of every payload ({ metadata, data: base64 }) in a history, in place. */
function rewritePayloads(node: unknown, rewrite: (text: string) => string): void {
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (typeof record.data === 'string' && record.metadata !== undefined) {
    const text = Buffer.from(record.data, 'base64').toString('utf8');
    record.data = Buffer.from(rewrite(text), 'utf8').toString('base64');
    return;
  }
  for (const child of Object.values(record)) rewritePayloads(child, rewrite);
}

const context = { verbose: false };
const { taskQueue, store, temporal } = useCliServices('cli-runs');
const id = uniqueId('cli-runs');
let scratch: string;
let firstRunId: string;
let latestRunId: string;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(inject('scratchDir'), 'cli-runs-'));
  const worker = await campaignWorker(temporal().nativeConnection, taskQueue, store);
  const handle = await startFixtureCampaign(temporal().client, store, {
    name: 'german-pass',
    campaignId: id,
    taskQueue,
    options: { milestonesPerRun: 1 },
  });
  const result = await worker.runUntil(handle.result());
  expect(result.status).toBe('completed');
  firstRunId = handle.firstExecutionRunId;
  latestRunId = (await temporal().client.workflow.getHandle(id).describe()).runId;
  expect(latestRunId).not.toBe(firstRunId);
  // The campaign's finalize step may already have written its dashboard; otherwise stand one in.
  if ((await store.head(`campaigns/${id}/report.html`)) === undefined) {
    await store.put(`campaigns/${id}/report.html`, new TextEncoder().encode('<!doctype html><title>d</title>'), {
      contentType: 'text/html',
    });
  }
});

describe('history and audit of a campaign that continued as new', () => {
  it('history exports every run, oldest first, and replay replays each of them', async () => {
    const file = path.join(scratch, 'history.json');
    const io = captureIo();
    expect(await historyCommand([id, '--out', file], io, context)).toBe(0);
    expect(io.stdoutText()).toMatch(new RegExp(`^wrote \\d+ events in 2 runs of ${id} to `));
    const stored = JSON.parse(readFileSync(file, 'utf8')) as MultiRunFile;
    expect(stored.workflowId).toBe(id);
    expect(stored).not.toHaveProperty('history');
    expect(stored.runs.map((r) => r.runId)).toEqual([firstRunId, latestRunId]);
    const [first, second] = stored.runs;
    expect(first!.history.events[0]).toHaveProperty('workflowExecutionStartedEventAttributes');
    expect(first!.history.events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId).toBe(
      latestRunId,
    );
    expect(second!.history.events.at(-1)).toHaveProperty('workflowExecutionCompletedEventAttributes');

    const json = captureIo();
    expect(await historyCommand([id, '--out', file, '--json'], json, context)).toBe(0);
    expect(JSON.parse(json.stdoutText())).toMatchObject({ workflowId: id, file, runs: 2 });

    const replay = captureIo();
    expect(await replayCommand([file], replay, context)).toBe(0);
    expect(replay.stdoutText()).toMatch(
      new RegExp(`^deterministic: .*history\\.json \\(\\d+ events in 2 runs of ${id}\\) replays`),
    );
    const replayJson = captureIo();
    expect(await replayCommand([file, '--json'], replayJson, context)).toBe(0);
    const outcome = JSON.parse(replayJson.stdoutText()) as { deterministic: boolean; runs: { runId: string }[] };
    expect(outcome.deterministic).toBe(true);
    expect(outcome.runs.map((r) => r.runId)).toEqual([firstRunId, latestRunId]);

    // A renamed activity in the FIRST run is nondeterminism, named by run.
    const scheduled = first!.history.events.find((e) => e.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType!.name = 'prepareDatasetRenamed';
    const tampered = path.join(scratch, 'tampered.json');
    writeFileSync(tampered, JSON.stringify(stored));
    const broken = captureIo();
    expect(await replayCommand([tampered], broken, context)).toBe(1);
    expect(broken.err[0]).toMatch(
      new RegExp(`^error: nondeterminism replaying .*tampered\\.json run 1 of 2 \\(${firstRunId}\\): `),
    );
    expect(broken.err).toHaveLength(2);
    expect(broken.err[1]).toMatch(/^hint: /);
  });

  it('audit bundles every run; verify replays each and names a tampered first run', async () => {
    const dir = path.join(scratch, 'bundle');
    const io = captureIo();
    expect(await auditCommand([id, '--out', dir], io, context)).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'MANIFEST.json'), 'utf8')) as AuditManifest;
    expect(manifest.files.map((f) => f.path)).toContain('history.json');
    expect(readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8')).toMatch(/ {2}history\.json$/m);
    const historyFile = path.join(dir, 'history.json');
    const stored = JSON.parse(readFileSync(historyFile, 'utf8')) as MultiRunFile;
    expect(stored.runs.map((r) => r.runId)).toEqual([firstRunId, latestRunId]);
    const guide = readFileSync(path.join(dir, 'VERIFY.md'), 'utf8');
    expect(guide).toContain('its history is 2 runs');
    expect(guide).toContain(`1. \`${firstRunId}\``);
    expect(guide).toContain(`2. \`${latestRunId}\``);

    const ok = captureIo();
    expect(await auditCommand(['verify', dir], ok, context)).toBe(0);
    expect(ok.err).toEqual([]);
    expect(ok.out).toContainEqual(expect.stringMatching(/^history: \d+ events in 2 runs replay deterministically$/));
    expect(ok.out.at(-1)).toMatch(/^audit bundle .* verified: \d+ files, \d+ S3 objects, history replayed$/);

    // Checkpoint refs are checked in every run: the first run records milestone 1's checkpoint (the last
    // run carries it too). A sha256 changed in the first run's payloads only is named with that run.
    const checkpoints = JSON.parse(readFileSync(path.join(dir, 'checkpoints.json'), 'utf8')) as CheckpointList;
    const weights = checkpoints.checkpoints[1]!.files.find((f) => f.role === 'weightsBin')!;
    expect(checkpoints.checkpoints[1]!.stepKey).toBe('milestone-1/attempt-0/finetune');
    const [firstRefs, lastRefs] = stored.runs.map((r) => refsInHistory(r.history));
    expect(firstRefs!.get(weights.uri)?.sha256).toBe(weights.sha256);
    expect(lastRefs!.get(weights.uri)?.sha256).toBe(weights.sha256);
    const original = readFileSync(historyFile);
    const forged = 'f'.repeat(64);
    const withForgedRef = structuredClone(stored);
    rewritePayloads(withForgedRef.runs[0]!.history, (text) =>
      text.includes(weights.uri) ? text.replaceAll(weights.sha256, forged) : text,
    );
    writeFileSync(historyFile, `${JSON.stringify(withForgedRef, null, 1)}\n`);
    const forgedRef = captureIo();
    expect(await auditCommand(['verify', dir, '--json'], forgedRef, context)).toBe(1);
    expect((JSON.parse(forgedRef.stdoutText()) as { problems: string[] }).problems).toContain(
      `checkpoint milestone-1/attempt-0/finetune weightsBin: ${weights.uri} has sha256 ${forged} in history.json run 1 of 2 (${firstRunId}), ${weights.sha256} in checkpoints.json`,
    );
    writeFileSync(historyFile, original);

    // Tamper with the first run (a renamed activity): the manifest and the replay both name it.
    const first = stored.runs[0]!;
    const scheduled = first.history.events.find((e) => e.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType!.name = 'prepareDatasetRenamed';
    writeFileSync(historyFile, `${JSON.stringify(stored, null, 1)}\n`);
    const tampered = captureIo();
    expect(await auditCommand(['verify', dir, '--json'], tampered, context)).toBe(1);
    const report = JSON.parse(tampered.stdoutText()) as { ok: boolean; problems: string[] };
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.stringMatching(/^changed file: history\.json \(sha256 [0-9a-f]{64}, MANIFEST\.json says [0-9a-f]{64}\)$/),
      expect.stringMatching(
        new RegExp(`^history\\.json run 1 of 2 \\(${firstRunId}\\) does not replay against this code: `),
      ),
    ]);
  });
});
