// `fairshrink study`: a bad study file is exit 2 naming the field, before anything connects; --dry-run lists every
// cell's campaign id under the study id; `study status` needs exactly one id.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';

const fixture = fileURLToPath(new URL('../../fixtures/studies/german-tiny.yaml', import.meta.url));

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('fairshrink study', () => {
  it('--dry-run validates the study and lists its cells with their campaign ids', async () => {
    const { code, out } = await run('study', fixture, '--dry-run', '--json');
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as { valid: boolean; studyId: string; cells: { campaignId: string; arm: string }[] };
    expect(parsed.studyId).toMatch(/^german-tiny-[0-9a-f]{12}$/);
    expect(parsed.cells.map((c) => c.campaignId)).toEqual([
      `${parsed.studyId}-german-50-int8-magnitude-plain-seed-3`,
      `${parsed.studyId}-german-50-int8-group-aware-ceag-seed-3`,
    ]);
    // The same file gives the same ids.
    const again = JSON.parse((await run('study', fixture, '--dry-run', '--json')).out) as { studyId: string };
    expect(again.studyId).toBe(parsed.studyId);
  });

  it('refuses a bad study file with exit 2, naming the field, before connecting to anything', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'study-cli-'));
    const file = path.join(dir, 'study.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'name: bad',
        `datasets: [{ name: german, campaign: ${JSON.stringify(path.join(path.dirname(fixture), '../campaigns/german-study.yaml'))} }]`,
        'sparsities: [0.5]',
        'quantize: int8',
        'arms: [{ name: x, finetune: { constrained: maybe } }]',
        'seeds: [0]',
      ].join('\n'),
    );
    const { code, err } = await run('study', file);
    expect(code).toBe(2);
    expect(err).toMatch(/arms\[0\] \(x\)\.finetune\.constrained: /);
  });

  it('study status needs one id', async () => {
    const { code, err } = await run('study', 'status');
    expect(code).toBe(2);
    expect(err).toContain('give one study id');
  });
});
