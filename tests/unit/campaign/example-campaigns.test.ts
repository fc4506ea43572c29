import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CampaignConfig } from '../../../core/config/campaign.ts';
import { loadDatasetSpec } from '../../../core/data/index.ts';
import { parseRubricText } from '../../../core/config/rubric.ts';
import { milestoneSparsities } from '../../../core/compression/schedule.ts';

const file = (name: string) => fileURLToPath(new URL(`../../../examples/campaigns/${name}`, import.meta.url));

describe('example campaign files', () => {
  for (const name of [
    'adult-demo.yaml',
    'german-small.yaml',
    'compas.yaml',
    'colour-shift.yaml',
    'adult-embedding.yaml',
  ]) {
    it(`${name} is a valid CampaignConfig whose data set spec and rubric load`, async () => {
      const config = CampaignConfig.parse(parse(await readFile(file(name), 'utf8')));
      expect(config.name).toBe(name.replace('.yaml', ''));
      await loadDatasetSpec(fileURLToPath(new URL(config.dataset, `file://${file(name)}`)));
      if (typeof config.rubric === 'string') {
        const path = fileURLToPath(new URL(config.rubric, `file://${file(name)}`));
        parseRubricText(await readFile(path, 'utf8'), path);
      }
    });
  }

  it('adult-demo prunes to 0.9 in four cubic milestones', async () => {
    const config = CampaignConfig.parse(parse(await readFile(file('adult-demo.yaml'), 'utf8')));
    expect(config.compression.schedule).toMatchObject({ kind: 'polynomial', finalSparsity: 0.9, milestones: 4 });
    expect(config.model).toMatchObject({ kind: 'train', mlp: { hidden: [{ units: 64 }, { units: 32 }] } });
    expect(config.compression.quantize.precision).toBe('int8');
    const s = config.compression.schedule;
    if (s.kind !== 'polynomial') throw new Error('expected a polynomial schedule');
    const targets = milestoneSparsities({
      kind: 'polynomial',
      milestones: s.milestones,
      finalSparsity: s.finalSparsity,
      initialSparsity: s.initialSparsity,
      power: s.power,
    });
    expect(targets.map((t) => Number(t.toFixed(7)))).toEqual([0.5203125, 0.7875, 0.8859375, 0.9]);
  });

  it('colour-shift imports the example CNN, prunes to 0.9 by group saliency and gates each colour group with no-harm floors', async () => {
    const config = CampaignConfig.parse(parse(await readFile(file('colour-shift.yaml'), 'utf8')));
    expect(config.model).toEqual({ kind: 'import', modelJson: '../models/colour-shift-cnn/model.json' });
    expect(config.compression.criterion).toBe('group-saliency');
    expect(config.compression.schedule).toEqual({ kind: 'list', sparsities: [0.5, 0.75, 0.9] });
    // Int8, and the two export formats that hold a CNN (sparse-int8 holds Dense MLPs only, docs/export.md).
    expect(config.compression.quantize).toMatchObject({ enabled: true, precision: 'int8', activations: false });
    expect(config.export).toEqual(['structured', 'tfjs-standard']);
    const path = fileURLToPath(new URL(config.rubric as string, `file://${file('colour-shift.yaml')}`));
    const rubric = parseRubricText(await readFile(path, 'utf8'), path);
    const floors = rubric.constraints.filter((c) => c.attribute === 'colour' && c.relative_to === 'reference');
    expect(floors.map((c) => [c.metric, c.aggregation])).toEqual([
      ['accuracy', 'min'],
      ['true_positive_rate', 'min'],
      ['selection_rate', 'min'],
    ]);
  });
  it('adult-embedding imports the Keras Embedding model on Adult codes, prunes to 0.9 and gates each sex', async () => {
    const config = CampaignConfig.parse(parse(await readFile(file('adult-embedding.yaml'), 'utf8')));
    expect(config.model).toEqual({ kind: 'import', modelJson: '../models/adult-embedding/model.json' });
    const spec = await loadDatasetSpec(
      fileURLToPath(new URL(config.dataset, `file://${file('adult-embedding.yaml')}`)),
    );
    expect(spec.spec.features.categoricalEncoding).toBe('codes');
    expect(config.compression.schedule).toEqual({ kind: 'list', sparsities: [0.5, 0.75, 0.9] });
    expect(config.compression.quantize).toMatchObject({ enabled: true, precision: 'int8', activations: false });
    // sparse-int8 holds Dense MLPs only; an Embedding model exports as these two, the int8 one shipped (docs/export.md).
    expect(config.export).toEqual(['tfjs-standard', 'structured']);
    const path = fileURLToPath(new URL(config.rubric as string, `file://${file('adult-embedding.yaml')}`));
    const rubric = parseRubricText(await readFile(path, 'utf8'), path);
    const floors = rubric.constraints.filter(
      (c) => c.attribute === 'sex' && c.relative_to === 'reference' && c.aggregation === 'min',
    );
    expect(floors.map((c) => c.metric)).toEqual(['accuracy', 'true_positive_rate', 'selection_rate']);
    expect(rubric.constraints.map((c) => c.id)).toContain('eod-sex-not-worse');
  });
});
