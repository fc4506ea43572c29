// `seeds` and `seedRule` in the campaign file: a list of two or more distinct seeds replaces `seed`, the rule is one
// of all | worst | majority, and each child's config is a single-seed campaign hashed on its own.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CampaignInput } from '../../../core/campaign/contracts.ts';
import { CampaignConfig, singleSeedConfig } from '../../../core/config/campaign.ts';
import {
  campaignIdOf,
  CampaignFileError,
  datasetIdOfCampaign,
  canonicalJson,
  loadCampaignFile,
  seedCampaignInputs,
} from '../../../core/config/campaign-file.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = path.join(root, 'tests/fixtures/campaigns/german-pass.yaml');

/** german-pass with its `seed: 11` line replaced by `lines`. */
function germanWith(...lines: string[]): string {
  const text = readFileSync(fixture, 'utf8')
    .replace(/^seed: 11$/m, lines.join('\n'))
    .replace('../../../examples/datasets/german-credit.yaml', path.join(root, 'examples/datasets/german-credit.yaml'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'campaign-seeds-'));
  const file = path.join(dir, 'campaign.yaml');
  writeFileSync(file, text);
  return file;
}

async function problemsOf(file: string): Promise<string[]> {
  try {
    await loadCampaignFile(file);
  } catch (err) {
    if (err instanceof CampaignFileError) return err.problems;
    throw err;
  }
  throw new Error('the campaign file was accepted');
}

describe('seeds in the campaign file', () => {
  it('leaves single-seed configs (and so their campaign ids) as they were: no seeds or seedRule key appears', async () => {
    const loaded = await loadCampaignFile(fixture);
    expect(Object.keys(loaded.config)).not.toContain('seeds');
    expect(Object.keys(loaded.config)).not.toContain('seedRule');
    // The config hash german-pass had before seeds existed, and the id it gives with the fixture's data.
    expect(loaded.configSha256.slice(0, 12)).toBe('591065c93f7c');
    expect(campaignIdOf(loaded, await datasetIdOfCampaign(loaded))).toBe('german-pass-109a7280060a');
  });

  it('accepts two or more distinct seeds and a rule', async () => {
    const loaded = await loadCampaignFile(germanWith('seeds: [0, 1, 2]', 'seedRule: worst'));
    expect(loaded.config.seeds).toEqual([0, 1, 2]);
    expect(loaded.config.seedRule).toBe('worst');
  });

  it.each([
    ['seeds: [3]', /^seeds: give two or more seeds/],
    ['seeds: [1, 1]', /^seeds: list each seed once/],
    ['seeds: [0, -1]', /^seeds\[1\]:/],
  ])('refuses %s naming the field', async (line, message) => {
    const problems = await problemsOf(germanWith(line));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('refuses seed and seeds together, naming the fix', async () => {
    const problems = await problemsOf(germanWith('seed: 11', 'seeds: [0, 1]'));
    expect(problems).toEqual([expect.stringMatching(/^seeds: given together with seed; .*remove seed/)]);
  });

  it('refuses seedRule without seeds', async () => {
    const problems = await problemsOf(germanWith('seedRule: all'));
    expect(problems).toEqual([expect.stringMatching(/^seedRule: .*add seeds/)]);
  });

  it('refuses a mean rule and says why, naming majority', () => {
    const parsed = CampaignConfig.safeParse({
      version: 1,
      name: 'x',
      dataset: 'd.yaml',
      model: { kind: 'train' },
      compression: { schedule: { kind: 'constant', sparsity: 0.5 } },
      rubric: 'r.yaml',
      seeds: [0, 1],
      seedRule: 'mean',
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path).toEqual(['seedRule']);
    expect(parsed.error!.issues[0]!.message).toMatch(/mean is not a seed rule.*use majority/);
  });
});

describe('children of a multi-seed campaign', () => {
  it('are single-seed campaigns named <parent>-seed-<s>, each config hashed on its own', async () => {
    const loaded = await loadCampaignFile(germanWith('seeds: [0, 7]'));
    const parent = {
      campaignId: campaignIdOf(loaded, await datasetIdOfCampaign(loaded)),
      config: loaded.config,
      configSha256: loaded.configSha256,
    } as CampaignInput;
    const children = seedCampaignInputs(parent);
    expect(children.map((c) => c.campaignId)).toEqual([`${parent.campaignId}-seed-0`, `${parent.campaignId}-seed-7`]);
    expect(children.map((c) => c.config.seed)).toEqual([0, 7]);
    for (const child of children) {
      expect(child.config.seeds).toBeUndefined();
      expect(child.config.seedRule).toBeUndefined();
      expect(child.configSha256).not.toBe(parent.configSha256);
    }
    expect(new Set(children.map((c) => c.configSha256)).size).toBe(2);
    // A child's config is what a single-seed file with that seed parses to: its hash says which config it ran.
    const single = await loadCampaignFile(germanWith('seed: 7'));
    expect(canonicalJson(children[1]!.config)).toBe(canonicalJson(single.config));
    expect(children[1]!.configSha256).toBe(single.configSha256);
  });

  it('cannot be derived from a single-seed campaign', async () => {
    const loaded = await loadCampaignFile(fixture);
    expect(() => seedCampaignInputs({ campaignId: 'x', config: loaded.config } as CampaignInput)).toThrow(/no seeds/);
    expect(singleSeedConfig(loaded.config, 4).seed).toBe(4);
  });
});
