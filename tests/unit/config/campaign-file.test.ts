import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { campaignJsonSchema, heldOutSplit } from '../../../core/config/campaign.ts';
import {
  campaignIdOf,
  CampaignFileError,
  canonicalJson,
  loadCampaignFile,
} from '../../../core/config/campaign-file.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = path.join(root, 'tests/fixtures/campaigns/german-pass.yaml');

function writeCampaign(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'campaign-file-'));
  const file = path.join(dir, 'campaign.yaml');
  writeFileSync(file, text.replaceAll('DATASET', path.join(root, 'examples/datasets/german-credit.yaml')));
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

describe('campaign files', () => {
  it('loads a valid file with its data set spec and rubric, and derives a stable campaign id', async () => {
    const loaded = await loadCampaignFile(fixture);
    expect(loaded.config.compression.finetune).toMatchObject({ epochs: 2, constrained: false, epsilon: 0.01 });
    expect(loaded.dataset.spec.name).toBe('german-credit');
    expect(loaded.rubric.constraints.map((c) => c.id)).toEqual(['balanced-accuracy-vs-reference']);
    const datasetId = 'd'.repeat(64);
    expect(campaignIdOf(loaded, datasetId)).toMatch(/^german-pass-[0-9a-f]{12}$/);
    expect(campaignIdOf(await loadCampaignFile(fixture), datasetId)).toBe(campaignIdOf(loaded, datasetId));
    // The data's content is part of the id (tests/unit/config/campaign-id.test.ts reads real files).
    expect(campaignIdOf(loaded, 'e'.repeat(64))).not.toBe(campaignIdOf(loaded, datasetId));
  });

  it('hashes the config independently of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}',
    );
  });

  it('lists every schema problem with its path before anything starts', async () => {
    const file = writeCampaign(
      [
        'version: 1',
        'name: Bad Name',
        'dataset: DATASET',
        'model: { kind: train, mlp: { hidden: [{ units: -4 }] } }',
        'compression: { schedule: { kind: polynomial, finalSparsity: 1.5 }, sparsify: true }',
        'rubric: rubric.yaml',
      ].join('\n'),
    );
    const problems = await problemsOf(file);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^name: lower-case letters/),
        expect.stringMatching(/^model\.mlp\.hidden\[0\]\.units: /),
        expect.stringMatching(/^compression\.schedule\.finalSparsity: /),
        expect.stringMatching(/^compression\.schedule\.milestones: /),
        expect.stringMatching(/^compression\.sparsify: /),
      ]),
    );
  });

  it('checks what the file points to: a missing rubric and attributes the data set lacks', async () => {
    const file = writeCampaign(
      [
        'version: 1',
        'name: ok-name',
        'dataset: DATASET',
        'model: { kind: train }',
        'compression: { schedule: { kind: constant, sparsity: 0.5 } }',
        'evaluation: { attributes: [sex, religion] }',
        'rubric: missing-rubric.yaml',
      ].join('\n'),
    );
    const problems = await problemsOf(file);
    expect(problems).toEqual([expect.stringMatching(/^rubric: cannot read missing-rubric\.yaml \(ENOENT\)/)]);
    const inline = writeCampaign(
      readFileSync(fixture, 'utf8')
        .replace('dataset: ../../../examples/datasets/german-credit.yaml', 'dataset: DATASET')
        .replace('metric: balanced_accuracy', 'metric: balanced_accuracy_difference\n      attribute: religion'),
    );
    expect(await problemsOf(inline)).toEqual([
      expect.stringMatching(
        /rubric\.constraints\[0\] \(balanced-accuracy-vs-reference\): attribute "religion" is not a sensitive attribute of the data set; its sensitive attributes are: sex, age_group/,
      ),
    ]);
  });

  it('refuses gating on the held-out test split unless the campaign gives up its held-out verdict', async () => {
    const campaign = (evaluation: string) =>
      writeCampaign(
        readFileSync(fixture, 'utf8')
          .replace('dataset: ../../../examples/datasets/german-credit.yaml', 'dataset: DATASET')
          .replace(/^evaluation:.*$/m, '')
          .concat(`\nevaluation: ${evaluation}\n`),
      );
    expect(await problemsOf(campaign('{ split: test }'))).toEqual([
      expect.stringMatching(
        /^evaluation\.split: the test split is held out for the final verdict .* remove evaluation\.split .* set evaluation\.heldOut: none/,
      ),
    ]);
    expect(await problemsOf(campaign('{ split: test, heldOut: test }'))).toHaveLength(1);
    const givenUp = await loadCampaignFile(campaign('{ split: test, heldOut: none }'));
    expect(heldOutSplit(givenUp.config.evaluation)).toBeNull();
    const validation = await loadCampaignFile(campaign('{ split: validation }'));
    expect(heldOutSplit(validation.config.evaluation)).toBe('test');
    // Left out, heldOut stays out of the config, so files written before it keep their hash and campaign id.
    expect(validation.config.evaluation).not.toHaveProperty('heldOut');
  });

  it('ships the JSON Schema editors use, generated from the zod schema', () => {
    const committed = JSON.parse(readFileSync(path.join(root, 'examples/campaign.schema.json'), 'utf8')) as unknown;
    expect(committed).toEqual(campaignJsonSchema());
  });
});
