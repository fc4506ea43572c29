import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { generateColourShiftImages, writeColourShiftDataset } from '../../../scripts/synthetic-images/generate.ts';
import { tempFolder } from './images-fixtures.ts';

describe('SYNTHETIC colour-shift generator', () => {
  it('gives byte-identical PNGs and manifest for the same seed, different ones for another seed', async () => {
    const [a, b] = [await tempFolder('gen-a'), await tempFolder('gen-b')];
    await writeColourShiftDataset(a, 30, 11);
    await writeColourShiftDataset(b, 30, 11);
    const files = (await readdir(a)).sort();
    expect(files).toEqual((await readdir(b)).sort());
    expect(files).toHaveLength(32); // 30 images, manifest.csv, README.txt
    for (const f of files) expect(await readFile(join(a, f))).toEqual(await readFile(join(b, f)));
    expect(await readFile(join(a, 'README.txt'), 'utf8')).toMatch(/^SYNTHETIC/);
    const other = generateColourShiftImages(30, 12);
    expect(other.map((m) => Buffer.from(m.png).toString('hex'))).not.toEqual(
      generateColourShiftImages(30, 11).map((m) => Buffer.from(m.png).toString('hex')),
    );
  });

  it('draws 16×16 RGB stripes: horizontal for label 1, vertical for 0, and about 15% colour-shifted', () => {
    const images = generateColourShiftImages(400, 20240617);
    const shifted = images.filter((m) => m.group === 'shifted').length / images.length;
    expect(shifted).toBeGreaterThan(0.1);
    expect(shifted).toBeLessThan(0.2);
    // Stripes: variation across a row is small when they run horizontally (label 1), large when vertical.
    const rowVsColumn = (png: Uint8Array, channel: number) => {
      const { data, width, height } = PNG.sync.read(Buffer.from(png));
      expect([width, height]).toEqual([16, 16]);
      let along = 0;
      let across = 0;
      for (let y = 0; y < 15; y++)
        for (let x = 0; x < 15; x++) {
          const v = data[(y * 16 + x) * 4 + channel]!;
          along += Math.abs(v - data[(y * 16 + x + 1) * 4 + channel]!);
          across += Math.abs(v - data[((y + 1) * 16 + x) * 4 + channel]!);
        }
      return along / across;
    };
    for (const m of images.slice(0, 40)) {
      const ratio = rowVsColumn(m.png, m.group === 'shifted' ? 2 : 0);
      if (m.label === 1) expect(ratio).toBeLessThan(1);
      else expect(ratio).toBeGreaterThan(1);
    }
  });
});
