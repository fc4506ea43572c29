// Helpers for the image data-set tests: temporary folders of small PNGs built in the test.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { DatasetSpecInput } from '../../../core/data/index.ts';

export async function tempFolder(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `fairshrink-${prefix}-`));
}

/** A width × height PNG filled with one RGB colour. */
export function flatPng(width: number, height: number, rgb: [number, number, number]): Uint8Array {
  const png = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) png.data.set([...rgb, 255], p * 4);
  return new Uint8Array(PNG.sync.write(png));
}

/** 40 flat 4×4 PNGs a-00.png … with manifest.csv (file,label,group): labels alternate, groups g/h by halves of 4. */
export async function writeFlatImages(folder: string, count = 40): Promise<void> {
  const lines = ['file,label,group'];
  for (let i = 0; i < count; i++) {
    const file = `a-${String(i).padStart(2, '0')}.png`;
    await writeFile(join(folder, file), flatPng(4, 4, [i * 5, 100, 200 - i]));
    lines.push(`${file},${i % 2},${i % 4 < 2 ? 'g' : 'h'}`);
  }
  await writeFile(join(folder, 'manifest.csv'), lines.join('\n') + '\n');
}

export function imageSpec(folder: string, overrides: Partial<DatasetSpecInput> = {}): DatasetSpecInput {
  return {
    name: 'images',
    images: { folder, manifest: 'manifest.csv', size: [2, 2], channels: 3 },
    label: { column: 'label', positive: ['1'], negative: ['0'] },
    sensitive: [{ name: 'group', column: 'group' }],
    split: { kind: 'stratified', fractions: { train: 0.5, validation: 0.25, test: 0.25 }, seed: 3 },
    ...overrides,
  };
}
