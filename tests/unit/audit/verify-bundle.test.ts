import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditBundleError, BUNDLE_FORMAT, verifyAuditBundle, type BundleHistory } from '../../../core/audit/index.ts';
import type { ArtifactStore } from '../../../core/storage/index.ts';

// The verifier runs without the CLI and without Temporal: no history.json here, so nothing is replayed.
const noHistory: BundleHistory = {
  parse: () => {
    throw new Error('history.json is absent: parse must not be called');
  },
  label: () => '',
  replay: async () => [],
};
const noStore = (): ArtifactStore => {
  throw new Error('the bundle names no S3 object: no store must be opened');
};

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function bundleWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fairshrink-audit-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  const manifest = {
    format: BUNDLE_FORMAT,
    version: 1,
    campaignId: 'c1',
    createdAt: '2025-01-01T00:00:00.000Z',
    files: Object.entries(files).map(([name, text]) => ({
      path: name,
      sha256: createHash('sha256').update(text).digest('hex'),
      bytes: Buffer.byteLength(text),
    })),
  };
  await writeFile(path.join(dir, 'MANIFEST.json'), JSON.stringify(manifest));
  return dir;
}

describe('verifyAuditBundle (core/audit, no CLI)', () => {
  it('refuses a folder without MANIFEST.json with an AuditBundleError naming the fix', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fairshrink-audit-'));
    dirs.push(dir);
    const error = await verifyAuditBundle(dir, noStore, noHistory).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AuditBundleError);
    expect((error as AuditBundleError).message).toBe(`${dir} has no MANIFEST.json: not an audit bundle`);
    expect((error as AuditBundleError).hint).toContain('fairshrink audit <campaignId> --out <dir>');
  });

  it('names a changed file and a file the manifest does not list', async () => {
    const dir = await bundleWith({ 'rubric.json': '{"constraints":[]}\n', 'config.json': '{}\n' });
    await writeFile(path.join(dir, 'rubric.json'), '{"constraints":[1]}\n');
    await writeFile(path.join(dir, 'extra.txt'), 'not listed');
    const report = await verifyAuditBundle(dir, noStore, noHistory);
    expect(report.ok).toBe(false);
    expect(report.checked.files).toBe(2);
    expect(report.problems.some((p) => p.startsWith('changed file: rubric.json'))).toBe(true);
    expect(report.problems).toContain('file not in MANIFEST.json: extra.txt');
    expect(report.problems.some((p) => p.startsWith('config.json'))).toBe(false);
  });
});
