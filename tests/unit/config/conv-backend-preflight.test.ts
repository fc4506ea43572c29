// `fairshrink run` on an image campaign whose imported CNN the default (WASM) backend cannot train: the data checks
// pass on the image spec, and the pre-flight refuses before anything starts, naming the missing kernels and the
// backend to start the worker with.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCampaignFile } from '../../../core/config/campaign-file.ts';
import { preflightProblems } from '../../../core/config/preflight.ts';
import { projectRoot } from '../../../infra/paths.ts';
import { writeColourShiftDataset } from '../../../scripts/synthetic-images/generate.ts';
import { tempFolder } from '../data/images-fixtures.ts';

describe('pre-flight of a conv-model campaign', () => {
  it('refuses on the WASM backend with the kernels missing and the backend to use', async () => {
    expect(process.env.FAIRSHRINK_TFJS_BACKEND ?? 'wasm').toBe('wasm');
    const dir = await tempFolder('conv-preflight');
    try {
      await writeColourShiftDataset(join(dir, 'images'), 200, 5);
      const spec = await readFile(join(projectRoot, 'examples/datasets/colour-shift.yaml'), 'utf8');
      await writeFile(
        join(dir, 'colour-shift.yaml'),
        spec.replace('../../.fairshrink/datasets/colour-shift', 'images'),
      );
      const campaign = await readFile(join(projectRoot, 'examples/campaigns/colour-shift.yaml'), 'utf8');
      await writeFile(
        join(dir, 'campaign.yaml'),
        campaign
          .replace('../datasets/colour-shift.yaml', 'colour-shift.yaml')
          .replace('../models/', `${projectRoot}/examples/models/`)
          .replace('../rubrics/', `${projectRoot}/examples/rubrics/`),
      );
      const loaded = await loadCampaignFile(join(dir, 'campaign.yaml'));
      const { problems, dataset } = await preflightProblems(loaded);
      expect(dataset?.inputShape).toEqual([16, 16, 3]);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^model\.modelJson: .*Conv2DBackpropFilter.*'wasm' backend/);
      expect(problems[0]).toContain('FAIRSHRINK_TFJS_BACKEND=cpu');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
