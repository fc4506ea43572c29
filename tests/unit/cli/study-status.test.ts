// `fairshrink study status`: a finished study's study.json becomes the table (written with --table-out), a running
// one lists its cells from the state query, and an id that is not a study is exit 2 with a hint.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { CampaignCommandError, type CampaignClient } from '../../../cli/commands/campaign.ts';
import { followStudy } from '../../../cli/commands/study-status.ts';
import type { StudyReport } from '../../../core/campaign/study.ts';
import type { ArtifactStore } from '../../../core/storage/index.ts';
import type { StudyState } from '../../../workflows/study.ts';

const ref = { uri: 's3://b/studies/s/study.json', sha256: 'a'.repeat(64), bytes: 1 };
const report: StudyReport = {
  kind: 'fairshrink-study',
  studyId: 's',
  configSha256: 'c'.repeat(64),
  cells: [
    {
      campaignId: 's-german-50-int8-a-seed-0',
      dataset: 'german',
      sparsity: 0.5,
      arm: 'a',
      seed: 0,
      quantize: 'int8',
      status: 'failed',
      reason: 'worker lost',
      finalSparsity: null,
      quantized: null,
      finalGate: null,
      heldOut: { status: 'none', reason: 'the child failed', rows: null, report: null },
      metrics: { defined: false, reason: "the cell's campaign failed" },
      lineage: null,
      attached: false,
    },
  ],
};

function fakes(type: string, status: string, state?: StudyState) {
  const handle = {
    describe: async () => ({ type, status: { name: status } }),
    result: async () => ({ studyId: 's', status: 'completed', reason: '1 cells: 1 failed', report: ref, counts: {} }),
    query: async () => state,
  };
  const client = {
    settings: { temporal: { namespace: 'fairshrink', address: 'localhost:7233' } },
    client: {
      workflow: {
        getHandle: (id: string) =>
          id === 'missing'
            ? {
                describe: async () => {
                  throw new WorkflowNotFoundError('not found', id, undefined);
                },
              }
            : handle,
      },
    },
  } as unknown as CampaignClient;
  const store = { get: async () => new TextEncoder().encode(JSON.stringify(report)) } as unknown as ArtifactStore;
  const out: string[] = [];
  return { client, store, out, io: { stdout: (s: string) => out.push(s), stderr: (s: string) => out.push(s) } };
}

describe('fairshrink study status', () => {
  it('writes a finished study table to --table-out', async () => {
    const f = fakes('compressionStudy', 'COMPLETED');
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'study-status-')), 'results.md');
    expect(await followStudy(f.client, f.store, 's', { wait: false, json: false, tableOut: file }, f.io)).toBe(0);
    expect(f.out.join('\n')).toContain(`study s completed: 1 cells: 1 failed; study.json at ${ref.uri}`);
    const table = readFileSync(file, 'utf8');
    expect(table).toContain('| german | 50% + int8 | a | 1/1 failed | — |');
    expect(table).toContain("undetermined (seed 0: the cell's campaign failed)");
  });

  it('lists a running study cells from its state query', async () => {
    const f = fakes('compressionStudy', 'RUNNING', {
      studyId: 's',
      phase: 'running',
      concurrency: 1,
      cells: [
        { campaignId: 'cell-a', status: 'completed', reason: 'done', attached: true },
        { campaignId: 'cell-b', status: 'running', reason: null, attached: false },
      ],
    });
    expect(await followStudy(f.client, f.store, 's', { wait: false, json: false }, f.io)).toBe(0);
    expect(f.out.join('\n')).toMatch(/study s RUNNING \(running\): 1 of 2 cells ended, 1 at a time/);
    expect(f.out.join('\n')).toMatch(/cell-b +running/);
    expect(f.out.join('\n')).toMatch(/cell-a +completed \(an earlier run's\) +done/);
  });

  it('refuses an id that is not a study, or no workflow at all, with exit 2', async () => {
    const f = fakes('compressionCampaign', 'COMPLETED');
    await expect(followStudy(f.client, f.store, 's', { wait: false, json: false }, f.io)).rejects.toMatchObject({
      exitCode: 2,
      message: 'workflow "s" is a compressionCampaign, not a study',
    });
    const missing = followStudy(f.client, f.store, 'missing', { wait: false, json: false }, f.io);
    await expect(missing).rejects.toBeInstanceOf(CampaignCommandError);
    await expect(missing).rejects.toMatchObject({ exitCode: 2 });
  });
});
