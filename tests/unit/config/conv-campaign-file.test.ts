// A campaign on an imported CNN is told before anything starts what the Dense-only paths cannot do for it: sparse-int8
// (also in the default export list) and activation fake-quant; with tfjs-standard / structured it is accepted.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CampaignFileError, loadCampaignFile } from '../../../core/config/campaign-file.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

async function problemsOf(lines: string[]): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conv-campaign-'));
  const file = path.join(dir, 'campaign.yaml');
  writeFileSync(
    file,
    [
      'version: 1',
      'name: cnn',
      `dataset: ${path.join(root, 'examples/datasets/german-credit.yaml')}`,
      `model: { kind: import, modelJson: ${path.join(root, 'tests/fixtures/keras/cnn-colour-shift/model.json')} }`,
      'rubric: missing-rubric.yaml',
      ...lines,
    ].join('\n'),
  );
  try {
    await loadCampaignFile(file);
  } catch (err) {
    if (err instanceof CampaignFileError) return err.problems;
    throw err;
  }
  return [];
}

describe('campaign files with an imported CNN', () => {
  it('refuse sparse-int8 (named or by default) and activation fake-quant, naming the fix', async () => {
    const byDefault = await problemsOf(['compression: { schedule: { kind: constant, sparsity: 0.5 } }']);
    expect(byDefault).toContainEqual(
      expect.stringMatching(
        /^export: the model has Conv2D, BatchNormalization, .* sparse-int8 holds Dense MLPs only \(the default export list includes it\); set export: \[tfjs-standard, structured\]$/,
      ),
    );
    const named = await problemsOf([
      'compression: { schedule: { kind: constant, sparsity: 0.5 }, quantize: { activations: true } }',
      'export: [structured, sparse-int8]',
    ]);
    expect(named).toContainEqual(expect.stringMatching(/^export: .* sparse-int8 holds Dense MLPs only; set export/));
    expect(named).toContainEqual(expect.stringMatching(/^compression\.quantize\.activations: .*set it to false/));
  });

  it('accept tfjs-standard and structured with weight-only int8', async () => {
    const problems = await problemsOf([
      'compression: { schedule: { kind: constant, sparsity: 0.5 } }',
      'export: [tfjs-standard, structured]',
    ]);
    expect(problems.filter((p) => /^(export|compression)/.test(p))).toEqual([]);
    // The file is still checked as a whole: the missing rubric is reported.
    expect(problems).toContainEqual(expect.stringMatching(/^rubric: cannot read/));
  });
});
