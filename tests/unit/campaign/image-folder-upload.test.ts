// An image campaign's data set goes through S3 alone: `fairshrink run` uploads the manifest and every image
// content-addressed, and the prepare step rebuilds the identical encoded data set from those objects with the folder
// gone from disk, checking every object's sha256.
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareDataset } from '../../../core/campaign/index.ts';
import { datasetIdOfCampaign, loadCampaignFile, prepareCampaignInput } from '../../../core/config/campaign-file.ts';
import { checkCampaignData } from '../../../core/config/data-check.ts';
import { loadDataset, serializeDataset } from '../../../core/data/index.ts';
import { parseS3Uri } from '../../../core/storage/ref.ts';
import { projectRoot } from '../../../infra/paths.ts';
import { tempFolder, writeFlatImages } from '../data/images-fixtures.ts';
import { identity } from './helpers.ts';
import { MemoryStore } from './memory-store.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A campaign file in `dir` over 40 flat images in `dir/images`, with a rubric on the group attribute. */
async function imageCampaign(dir: string): Promise<string> {
  await mkdir(join(dir, 'images'));
  await writeFlatImages(join(dir, 'images'));
  await writeFile(
    join(dir, 'flat.yaml'),
    [
      'name: flat',
      'images: { folder: images, manifest: manifest.csv, size: [2, 2], channels: 3 }',
      "label: { column: label, positive: ['1'], negative: ['0'] }",
      'sensitive: [{ name: group, column: group }]',
      'split: { kind: stratified, fractions: { train: 0.5, validation: 0.25, test: 0.25 }, seed: 3 }',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'campaign.yaml'),
    [
      'version: 1',
      'name: flat-images',
      'seed: 1',
      'dataset: flat.yaml',
      'model: { kind: train, mlp: { hidden: [{ units: 4 }] }, train: { epochs: 1, batchSize: 8 } }',
      'compression: { criterion: magnitude-global, schedule: { kind: list, sparsities: [0.5] } }',
      'evaluation: { split: validation, bootstrap: 0, minGroupSize: 1 }',
      'rubric:',
      '  version: 1',
      '  name: flat',
      '  uncertainty: point_estimate',
      '  constraints:',
      "    - { id: accuracy-floor, metric: accuracy, comparator: '>=', threshold: 0.1 }",
    ].join('\n'),
  );
  return join(dir, 'campaign.yaml');
}

describe('image data set uploads', () => {
  it('prepare rebuilds the identical data set from S3 alone, with the id known before upload', async () => {
    const dir = await tempFolder('image-upload');
    try {
      const loaded = await loadCampaignFile(await imageCampaign(dir));
      expect(await checkCampaignData(loaded)).toEqual([]);
      const fromDisk = await loadDataset(join(dir, 'flat.yaml'));
      expect(await datasetIdOfCampaign(loaded)).toBe(fromDisk.datasetId);

      const store = new MemoryStore();
      const input = await prepareCampaignInput(loaded, store, { projectRoot });
      expect(input.datasetSources.map((s) => s.path)).toEqual(['images']);
      // 40 images + manifest + index + spec, each under datasets/sources/<its sha256>.
      expect(store.objects.size).toBe(43);
      for (const [key, object] of store.objects) expect(key).toBe(`datasets/sources/${object.sha256}`);

      // A second upload of the same folder writes nothing.
      const writes = store.writes;
      const again = await prepareCampaignInput(loaded, store, { projectRoot });
      expect(store.writes).toBe(writes);
      expect(again.datasetSources).toEqual(input.datasetSources);

      await rm(join(dir, 'images'), { recursive: true });
      const ref = await prepareDataset(
        { ...identity('img', 'prepare'), spec: input.datasetSpec, sources: input.datasetSources },
        { store },
      );
      expect(ref.datasetId).toBe(fromDisk.datasetId);
      expect(ref.inputShape).toEqual([2, 2, 3]);
      expect(ref.encoded.sha256).toBe(sha256(serializeDataset(fromDisk)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an image whose stored bytes no longer match their sha256', async () => {
    const dir = await tempFolder('image-upload-rot');
    try {
      const loaded = await loadCampaignFile(await imageCampaign(dir));
      const store = new MemoryStore();
      const input = await prepareCampaignInput(loaded, store, { projectRoot });
      const index = JSON.parse(new TextDecoder().decode(await store.get(input.datasetSources[0]!.ref))) as {
        images: { path: string; ref: { uri: string } }[];
      };
      const damaged = store.objects.get(parseS3Uri(index.images[7]!.ref.uri).key)!;
      damaged.bytes = damaged.bytes.slice();
      damaged.bytes[damaged.bytes.length - 1]! ^= 1;
      await expect(
        prepareDataset(
          { ...identity('img-rot', 'prepare'), spec: input.datasetSpec, sources: input.datasetSources },
          { store },
        ),
      ).rejects.toThrow(/sha256|integrity/i);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
