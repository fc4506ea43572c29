import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  deserializeDataset,
  groupLabels,
  loadDataset,
  parseDatasetSpec,
  serializeDataset,
  type DatasetSpecInput,
} from '../../../core/data/index.ts';
import { writeColourShiftDataset } from '../../../scripts/synthetic-images/generate.ts';
import { flatPng, imageSpec, tempFolder, writeFlatImages } from './images-fixtures.ts';

const load = (spec: DatasetSpecInput) => loadDataset({ spec: parseDatasetSpec(spec), baseDir: '/' });

describe('image data sets: folder to EncodedDataset', () => {
  it('loads 200 generated images into train/validation/test with shape [16, 16, 3] and stratified split sizes', async () => {
    const folder = await tempFolder('colour-shift');
    const images = await writeColourShiftDataset(folder, 200, 7);
    const ds = await load(
      imageSpec(folder, {
        images: { folder, manifest: 'manifest.csv', size: [16, 16], channels: 3 },
        sensitive: [{ name: 'colour', column: 'group' }],
        split: { kind: 'stratified', fractions: { train: 0.6, validation: 0.2, test: 0.2 }, seed: 0 },
      }),
    );
    expect(ds.inputShape).toEqual([16, 16, 3]);
    expect(ds.featureNames).toHaveLength(768);
    expect(ds.featureNames.slice(0, 4)).toEqual(['pixel[0,0,0]', 'pixel[0,0,1]', 'pixel[0,0,2]', 'pixel[0,1,0]']);
    const rows = (['train', 'validation', 'test'] as const).map((s) => ds.splits[s].x.rows);
    expect(rows.reduce((a, b) => a + b, 0)).toBe(200);
    // Largest remainder per group × label stratum (4 strata): each split within 4 rows of its share.
    rows.forEach((n, i) => expect(Math.abs(n - 200 * [0.6, 0.2, 0.2][i]!)).toBeLessThanOrEqual(4));
    for (const s of ['train', 'validation', 'test'] as const) {
      const x = ds.splits[s].x;
      expect(x.cols).toBe(768);
      expect(x.values).toHaveLength(x.rows * 768);
      expect(x.values.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(new Set(groupLabels(ds, s, 'colour'))).toEqual(new Set(['shifted', 'standard']));
    }
    // Row ids are manifest positions: the label and first pixel of a row are the generated image's.
    const train = ds.splits.train;
    const first = images[train.rowIds[0]!]!;
    expect(train.y[0]).toBe(first.label);
    const decoded = PNG.sync.read(Buffer.from(first.png));
    expect(train.x.values[0]).toBeCloseTo(decoded.data[0]! / 255, 6);
    expect(ds.stats).toEqual({ parsedRows: 200, droppedRows: 0 });
    // The stored form keeps the shape, so a worker's model check reads it.
    const stored = deserializeDataset(serializeDataset(ds));
    expect(stored.inputShape).toEqual([16, 16, 3]);
    expect(stored.splits.test.x.values).toEqual(ds.splits.test.x.values);
  });

  it('reads fields from file names with a pattern (UTKFace style): age threshold label, race codes mapped to names', async () => {
    const folder = await tempFolder('pattern');
    for (let i = 0; i < 48; i++) {
      const age = 20 + (i % 6) * 8; // 20 … 60
      await writeFile(join(folder, `${age}_${i % 2}_${i % 3}_2017010${i}.jpg.chip.png`), flatPng(3, 3, [i, i, i]));
    }
    const ds = await load(
      imageSpec(folder, {
        images: { folder, pattern: '{age}_{gender}_{race}_{_}.jpg.chip.png', size: [1, 1], channels: 1 },
        label: { column: 'age', threshold: 40, positiveWhen: 'atOrAbove' },
        sensitive: [
          { name: 'race', column: 'race', derive: { kind: 'map', map: { '0': 'White', '1': 'Black', '2': 'Asian' } } },
        ],
      }),
    );
    expect(ds.inputShape).toEqual([1, 1, 1]);
    expect(ds.sensitive[0]!.groups).toEqual(['Asian', 'Black', 'White']);
    const all = (['train', 'validation', 'test'] as const).flatMap((s) => Array.from(ds.splits[s].y));
    // Ages are 20, 28, 36, 44, 52, 60 in turn: three of every six are ≥ 40.
    expect(all.reduce((a, b) => a + b, 0)).toBe(24);
    expect(ds.spec.images?.pattern).toBe('{age}_{gender}_{race}_{_}.jpg.chip.png');
  });

  it('changes the data set id when one pixel or the size changes, not when the folder moves', async () => {
    const folder = await tempFolder('hash');
    await writeFlatImages(folder);
    const base = await load(imageSpec(folder));
    const moved = await tempFolder('hash-moved');
    await cp(folder, moved, { recursive: true });
    expect((await load(imageSpec(moved))).datasetId).toBe(base.datasetId);

    const resized = await load(
      imageSpec(folder, { images: { folder, manifest: 'manifest.csv', size: [1, 1], channels: 3 } }),
    );
    expect(resized.rawSha256).toBe(base.rawSha256);
    expect(resized.specSha256).not.toBe(base.specSha256);

    const file = join(moved, 'a-07.png');
    const png = PNG.sync.read(await readFile(file));
    png.data[0] = png.data[0]! ^ 1;
    await writeFile(file, PNG.sync.write(png));
    const onePixel = await load(imageSpec(moved));
    expect(onePixel.specSha256).toBe(base.specSha256);
    expect(onePixel.rawSha256).not.toBe(base.rawSha256);
    expect(onePixel.datasetId).not.toBe(base.datasetId);

    await writeFile(join(moved, 'manifest.csv'), (await readFile(join(folder, 'manifest.csv'), 'utf8')) + '\n');
    expect((await load(imageSpec(moved))).rawSha256).not.toBe(onePixel.rawSha256);
  });

  it('applies the CSV filter rules to manifest columns: filtering on one group keeps only its images', async () => {
    const folder = await tempFolder('filter');
    await writeFlatImages(folder);
    const ds = await load(imageSpec(folder, { filter: { column: 'group', equals: 'g' } }));
    expect(ds.stats.parsedRows).toBe(40);
    expect(ds.stats.droppedRows).toBe(20);
  });
});
