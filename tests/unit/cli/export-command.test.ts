// `fairshrink export verify | inspect` as a user runs it (a spawned bin/fairshrink.js): a good package prints what
// it holds and exits 0; a truncated, corrupted, wrong-version, incomplete or foreign one exits 2 with one message
// naming the file, what is wrong and the fix, never a stack trace.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeExport, type ExportFormat } from '../../../core/export/index.ts';
import type { ExportInspection } from '../../../core/export/package.ts';
import { quantizedModel } from '../export/fixtures.ts';

const bin = fileURLToPath(new URL('../../../bin/fairshrink.js', import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'fairshrink-export-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The export folder as the export step lays it out in S3: sizes.json + one folder per format. */
const exportDir = path.join(root, 'export');
const fss8 = path.join(exportDir, 'sparse-int8', 'model.fss8');
const shard = path.join(exportDir, 'tfjs-standard', 'group1-shard1of1.bin');

beforeAll(async () => {
  const { model, source } = await quantizedModel(0.9);
  const formats: ExportFormat[] = ['sparse-int8', 'tfjs-standard'];
  const entries = [];
  for (const format of formats) {
    const exported = await encodeExport(format, source);
    mkdirSync(path.join(exportDir, format), { recursive: true });
    const files = exported.files.map((f) => {
      writeFileSync(path.join(exportDir, format, f.name), f.bytes);
      const sha256 = createHash('sha256').update(f.bytes).digest('hex');
      return {
        name: f.name,
        ref: { uri: `s3://b/campaigns/c/export/${format}/${f.name}`, sha256, bytes: f.bytes.length },
      };
    });
    entries.push({ format, files });
  }
  writeFileSync(
    path.join(exportDir, 'sizes.json'),
    JSON.stringify({ format: 'fairshrink.export-sizes', version: 1, shipped: 'sparse-int8', formats: entries }),
  );
  model.dispose();
});

function fairshrink(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  // bin/ says in one line when it runs the sources through tsx (dist/ older than an edited file): not the command's.
  const stderr = r.stderr
    .split('\n')
    .filter((line) => !line.startsWith('fairshrink: ') || !line.includes('through tsx'))
    .join('\n');
  return { code: r.status, stdout: r.stdout, stderr };
}

/** A copy of the sparse-int8 file, changed by `edit`, alone in its own folder (no sizes.json to compare with). */
function damagedFss8(name: string, edit: (bytes: Uint8Array) => Uint8Array): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'model.fss8');
  writeFileSync(file, edit(new Uint8Array(readFileSync(fss8))));
  return file;
}

function expectRefused(r: ReturnType<typeof fairshrink>, file: string, problem: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines[0]).toMatch(/^error: export (verify|inspect): /);
  expect(lines[0]).toContain(file);
  expect(lines[0]).toMatch(problem);
  expect(lines[1]).toMatch(/^hint: \S/);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('fairshrink export verify | inspect: a good package', () => {
  it('verifies every format of the export folder against its header and sizes.json', () => {
    const r = fairshrink('export', 'verify', exportDir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok {2}sparse-int8 v1 /m);
    expect(r.stdout).toMatch(/^ok {2}tfjs-standard v1 /m);
    expect(r.stdout).toMatch(/sha256 ok \(header, sizes\.json\); 3 layers 20→32→16→1; \d+ bytes on disk/);
    expect(r.stdout).toMatch(/sha256 ok \(sizes\.json\); 3 layers 20→32→16→1/);
  });

  it('--json on the model.fss8 file gives format, bytes on disk, gzip bytes, layers and sparsity', () => {
    const r = fairshrink('export', 'inspect', fss8, '--json');
    expect(r.code).toBe(0);
    const [inspection] = JSON.parse(r.stdout) as ExportInspection[];
    expect(inspection!.format).toBe('sparse-int8');
    expect(inspection!.version).toBe(1);
    expect(inspection!.bytes).toBe(statSync(fss8).size);
    expect(inspection!.gzipBytes).toBeGreaterThan(0);
    expect(inspection!.checksums).toEqual(['header', 'sizes.json']); // sizes.json one folder up lists it
    expect(inspection!.layers.map((l) => [l.inputs, l.units])).toEqual([
      [20, 32],
      [32, 16],
      [16, 1],
    ]);
    // Global magnitude pruning to 90% (plus columns that feed nothing): at least 90% of kernel weights are zero.
    expect(inspection!.sparsity).toBeGreaterThanOrEqual(0.9);
    expect(inspection!.nonzeros).toBe(inspection!.layers.reduce((n, l) => n + l.nonzeros, 0));
  });

  it('inspect prints every file and layer', () => {
    const r = fairshrink('export', 'inspect', path.join(exportDir, 'tfjs-standard'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/group1-shard1of1\.bin +\d+ B {2}gzip +\d+ B {2}sha256 [0-9a-f]{64}/);
    expect(r.stdout).toMatch(/dense_\w+ +32×16 +relu/);
  });
});

describe('fairshrink export verify | inspect: a damaged package exits 2', () => {
  it('a truncated file names the header field that disagrees with the length', () => {
    const file = damagedFss8('truncated', (b) => b.slice(0, b.length - 10));
    expectRefused(fairshrink('export', 'verify', file), file, /truncated: .*content length \(bytes 8–11\)/);
  });

  it('a flipped byte is a sha256 mismatch, from the header (sparse-int8) or sizes.json (tfjs shard)', () => {
    const file = damagedFss8('flipped', (b) => {
      b[b.length - 5]! ^= 0x01;
      return b;
    });
    expectRefused(fairshrink('export', 'verify', file), file, /checksum-mismatch: .*sha256 of the content/);

    const copy = path.join(root, 'flipped-export');
    for (const f of [
      'sizes.json',
      'sparse-int8/model.fss8',
      'tfjs-standard/model.json',
      'tfjs-standard/group1-shard1of1.bin',
    ]) {
      mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
      copyFileSync(path.join(exportDir, f), path.join(copy, f));
    }
    const copiedShard = path.join(copy, 'tfjs-standard', path.basename(shard));
    const bytes = readFileSync(copiedShard);
    bytes[7]! ^= 0x80;
    writeFileSync(copiedShard, bytes);
    expectRefused(
      fairshrink('export', 'inspect', copy),
      copiedShard,
      /checksum-mismatch: .*does not match sizes\.json/,
    );
  });

  it('another format version names the version byte and says to re-export', () => {
    const file = damagedFss8('version', (b) => {
      b[4] = 2;
      return b;
    });
    const r = fairshrink('export', 'verify', file, '--json');
    expectRefused(r, file, /unsupported-version: .*version 2 \(header byte 4\)/);
    expect(r.stderr).toMatch(/hint: re-export/);
  });

  it('a missing path, and a tfjs folder without its weight shard', () => {
    const gone = path.join(root, 'no-such-export');
    expectRefused(fairshrink('export', 'verify', gone), gone, /missing-file: .*no such file or folder/);

    const dir = path.join(root, 'no-shard');
    mkdirSync(dir, { recursive: true });
    copyFileSync(path.join(exportDir, 'tfjs-standard', 'model.json'), path.join(dir, 'model.json'));
    expectRefused(
      fairshrink('export', 'verify', dir),
      path.join(dir, 'group1-shard1of1.bin'),
      /missing-file: .*no such file/,
    );
  });

  it('a file or folder that is not an export at all', () => {
    const csv = path.join(root, 'preds.csv');
    writeFileSync(csv, 'label,score\n1,0.9\n');
    expectRefused(fairshrink('export', 'verify', csv), csv, /not-an-export: .*neither "FSS8"/);

    const empty = path.join(root, 'empty');
    mkdirSync(empty, { recursive: true });
    expectRefused(
      fairshrink('export', 'inspect', empty),
      empty,
      /not-an-export: .*holds no model\.fss8, model\.json or sizes\.json/,
    );

    const plain = path.join(root, 'plain-model.json');
    writeFileSync(plain, JSON.stringify({ format: 'layers-model', modelTopology: {}, weightsManifest: [] }));
    expectRefused(fairshrink('export', 'verify', plain), plain, /bad-magic: .*not a fairshrink export/);
  });

  it('bad usage exits 2 with the command to run', () => {
    const r = fairshrink('export', 'check', exportDir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown export action "check"\nhint: fairshrink export verify <path>/);
  });
});
