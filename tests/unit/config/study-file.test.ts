// The study file: data sets (base campaign files) × final sparsity targets × arms × seeds, each cell a single-seed
// campaign config derived from its base; every problem names the study field and its fix, before anything starts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { cellCampaignInput } from '../../../core/campaign/study.ts';
import { specSha256 } from '../../../core/data/hash.ts';
import type { CampaignInput } from '../../../core/campaign/contracts.ts';
import {
  cellCampaignId,
  loadStudyFile,
  scheduleWithTarget,
  sparsityLabel,
  studyIdOf,
  studyInputOf,
  StudyFileError,
  studyJsonSchema,
} from '../../../core/config/study.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const germanPass = path.join(root, 'tests/fixtures/campaigns/german-pass.yaml'); // list schedule [0.3, 0.5]
const germanSmall = path.join(root, 'examples/campaigns/german-small.yaml'); // polynomial to 0.7 in 2 milestones

const baseStudy = () => ({
  version: 1,
  name: 'tiny-study',
  datasets: [
    { name: 'german', campaign: germanSmall },
    { name: 'german-list', campaign: germanPass },
  ],
  sparsities: [0.6, 0.8],
  quantize: 'int8',
  arms: [
    { name: 'magnitude-plain', criterion: 'magnitude-global', finetune: { constrained: false } },
    { name: 'group-aware-ceag', criterion: 'group-saliency', finetune: { constrained: true, epsilon: 0.02 } },
  ],
  seeds: [0, 1],
});

function studyFile(doc: unknown): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'study-file-'));
  const file = path.join(dir, 'study.yaml');
  writeFileSync(file, YAML.stringify(doc));
  return file;
}

async function problemsOf(doc: unknown): Promise<string[]> {
  try {
    await loadStudyFile(studyFile(doc));
  } catch (err) {
    if (err instanceof StudyFileError) return err.problems;
    throw err;
  }
  throw new Error('the study file was accepted');
}

describe('the study file', () => {
  it('derives one single-seed campaign config per data set × sparsity × arm × seed, in that order', async () => {
    const study = await loadStudyFile(studyFile(baseStudy()));
    expect(study.cells).toHaveLength(2 * 2 * 2 * 2);
    expect(study.cells.slice(0, 4).map((c) => [c.cell.dataset, c.cell.sparsity, c.cell.arm, c.cell.seed])).toEqual([
      ['german', 0.6, 'magnitude-plain', 0],
      ['german', 0.6, 'magnitude-plain', 1],
      ['german', 0.6, 'group-aware-ceag', 0],
      ['german', 0.6, 'group-aware-ceag', 1],
    ]);
    const polynomial = study.cells.find((c) => c.cell.dataset === 'german' && c.cell.sparsity === 0.8)!;
    expect(polynomial.config.compression.schedule).toMatchObject({ kind: 'polynomial', finalSparsity: 0.8 });
    const list = study.cells.find(
      (c) => c.cell.dataset === 'german-list' && c.cell.sparsity === 0.6 && c.cell.arm === 'group-aware-ceag',
    )!;
    expect(list.config.compression.schedule).toEqual({ kind: 'list', sparsities: [0.3, 0.6] });
    expect(list.config.compression.criterion).toBe('group-saliency');
    // The arm's fields override the base's; the rest of the base's fine-tuning stays.
    expect(list.config.compression.finetune).toMatchObject({
      constrained: true,
      epsilon: 0.02,
      epochs: 2,
      batchSize: 64,
    });
    expect(list.config.compression.quantize).toMatchObject({ enabled: true, precision: 'int8' });
    expect(list.config.seed).toBe(list.cell.seed);
    expect(Object.keys(list.config)).not.toContain('seeds');
    expect(new Set(study.cells.map((c) => c.configSha256)).size).toBe(study.cells.length);
  });

  it('gives the same study and cell ids for the same file and data, and new ones when a cell changes', async () => {
    const data = { german: 'a'.repeat(64), 'german-list': 'a'.repeat(64) };
    const first = await loadStudyFile(studyFile(baseStudy()));
    const again = await loadStudyFile(studyFile(baseStudy()));
    const id = studyIdOf(first, data);
    expect(id).toMatch(/^tiny-study-[0-9a-f]{12}$/);
    expect(studyIdOf(again, data)).toBe(id);
    expect(studyIdOf(again, { ...data, german: 'b'.repeat(64) })).not.toBe(id);
    const changed = await loadStudyFile(studyFile({ ...baseStudy(), seeds: [0, 2] }));
    expect(studyIdOf(changed, data)).not.toBe(id);
    expect(cellCampaignId(id, first.cells[0]!.cell)).toBe(`${id}-german-60-int8-magnitude-plain-seed-0`);
  });

  it('leaves the sensitive attributes out of a data set listed with excludeSensitive, as a data set of its own', async () => {
    const study = await loadStudyFile(
      studyFile({
        ...baseStudy(),
        datasets: [
          { name: 'german', campaign: germanSmall },
          { name: 'german-blind', campaign: germanSmall, excludeSensitive: true },
        ],
      }),
    );
    const [withInputs, blind] = study.bases.map((b) => b.loaded.dataset.spec);
    expect(withInputs!.features.excludeSensitive).toBeUndefined();
    expect(blind!.features.excludeSensitive).toBe(true);
    // The rest of the spec is the base's; the spec hash (and so the data set id) differs.
    expect({ ...blind!, features: { ...blind!.features, excludeSensitive: undefined } }).toEqual(withInputs);
    expect(specSha256(blind!)).not.toBe(specSha256(withInputs!));
    expect(study.cells.filter((c) => c.cell.dataset === 'german-blind')).toHaveLength(2 * 2 * 2);
  });

  it('lays each cell over its data set base input in the workflow input', async () => {
    const study = await loadStudyFile(studyFile({ ...baseStudy(), quantize: 'none' }));
    const base = (name: string) =>
      ({ campaignId: name, datasetSpec: { uri: `s3://b/${name}` } }) as unknown as CampaignInput;
    const input = studyInputOf(study, 'tiny-study-x', { german: base('german'), 'german-list': base('german-list') });
    expect(input.cells).toHaveLength(16);
    const last = cellCampaignInput(input, 15);
    expect(last.campaignId).toBe('tiny-study-x-german-list-80-group-aware-ceag-seed-1');
    expect(last.datasetSpec.uri).toBe('s3://b/german-list');
    expect(last.config.compression.quantize.enabled).toBe(false);
    expect(last.configSha256).toBe(study.cells[15]!.configSha256);
  });

  it('refuses a target the base schedule cannot reach, naming the target and the fix', async () => {
    const problems = await problemsOf({ ...baseStudy(), sparsities: [0.2] });
    expect(problems).toEqual([
      expect.stringMatching(
        /^sparsities\[0\] \(data set german-list\): the base schedule's milestone 1 is at 0\.3, above 0\.2.*polynomial schedule or drop the target/,
      ),
    ]);
  });

  it.each([
    [{ arms: [{ name: 'x', finetune: { epsilonn: 0.1 } }] }, /^arms\[0\] \(x\)\.finetune\.epsilonn: /],
    [{ arms: [{ name: 'x', finetune: { epsilon: 2 } }] }, /^arms\[0\] \(x\)\.finetune\.epsilon: /],
    [{ arms: [{ name: 'x', criterion: 'group-aware' }] }, /^arms\[0\]\.criterion: /],
    [{ arms: [{ name: 'x' }, { name: 'x' }] }, /^arms: give each arm a different name/],
    [{ quantize: 'yes' }, /^quantize: /],
    [{ sparsities: [0.9, 0.9] }, /^sparsities: list each target once/],
    [{ sparsities: [1] }, /^sparsities\[0\]: /],
    [{ seeds: [] }, /^seeds: /],
    [{ concurrency: 0 }, /^concurrency: /],
    [
      { datasets: [{ name: 'german', campaign: 'missing.yaml' }] },
      /^datasets\[0\]\.campaign \(missing\.yaml\): cannot read/,
    ],
    [{ arm: [] }, /^arm: /],
  ])('refuses %j naming the field', async (change, message) => {
    const problems = await problemsOf({ ...baseStudy(), ...change });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(message);
  });

  it('sets the target as the last milestone of each kind of schedule', () => {
    expect(
      scheduleWithTarget({ kind: 'polynomial', initialSparsity: 0, finalSparsity: 0.7, milestones: 3, power: 3 }, 0.95),
    ).toMatchObject({ finalSparsity: 0.95, milestones: 3 });
    expect(scheduleWithTarget({ kind: 'constant', sparsity: 0.5, milestones: 2 }, 0.9)).toEqual({
      kind: 'constant',
      sparsity: 0.9,
      milestones: 2,
    });
    expect(() =>
      scheduleWithTarget(
        { kind: 'polynomial', initialSparsity: 0.5, finalSparsity: 0.7, milestones: 3, power: 3 },
        0.4,
      ),
    ).toThrow(/starts at initialSparsity 0\.5/);
    expect([0.9, 0.95, 0.955].map(sparsityLabel)).toEqual(['90', '95', '95p5']);
  });

  it('accepts the example study: three data sets × two targets × six arms × three seeds, int8', async () => {
    const study = await loadStudyFile(path.join(root, 'examples/studies/compression-study.yaml'));
    expect(study.bases.map((b) => b.name)).toEqual(['adult', 'german', 'compas']);
    expect(study.cells).toHaveLength(3 * 2 * 6 * 3);
    expect(study.cells.filter((c) => c.config.compression.finetune.constraint === 'no-harm')).toHaveLength(
      3 * 2 * 2 * 3,
    );
    for (const { config, cell } of study.cells) {
      expect(config.compression.quantize).toMatchObject({ enabled: true, precision: 'int8' });
      expect(config.compression.schedule).toMatchObject({ kind: 'polynomial', finalSparsity: cell.sparsity });
    }
  });

  it('the committed examples/study.schema.json equals the generated JSON Schema', () => {
    const committed: unknown = JSON.parse(readFileSync(path.join(root, 'examples/study.schema.json'), 'utf8'));
    expect(committed).toEqual(studyJsonSchema());
  });
});
