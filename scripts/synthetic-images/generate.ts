// SYNTHETIC image data set generator: seeded colour-shifted stripes (README.md beside this file).
//
//   node --import tsx scripts/synthetic-images/generate.ts --out <folder> [--count 1600] [--seed 20240617]
//
// Writes <folder>/synthetic-00000.png … (16×16 RGB), <folder>/manifest.csv (file,label,group,provenance) and
// <folder>/README.txt. Label 1 = horizontal stripes, 0 = vertical; group 'shifted' (about 15%) is drawn with another
// colour balance, the nuisance attribute. The same seed gives byte-identical files. Nothing here is real data.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import { createRng } from '../../core/random/rng.ts';

export const SIZE = 16;
export const MINORITY_SHARE = 0.15;
export const DEFAULT_SEED = 20240617;
export const DEFAULT_COUNT = 1600;
const PROVENANCE = 'SYNTHETIC (scripts/synthetic-images/generate.ts)';

export interface SyntheticImage {
  file: string;
  /** 1 = horizontal stripes. */
  label: 0 | 1;
  group: 'standard' | 'shifted';
  png: Uint8Array;
}

/**
 * The images, in file order. As scripts/keras-fixtures/generate.py draws them: a sine wave of period 4 pixels, random
 * phase and contrast 0.15–0.45 around 0.5, along rows (label 1) or columns (label 0); the standard group puts it in red
 * and green over a flat blue, the shifted group in blue over a flat orange tint; N(0, 0.12) noise per value.
 */
export function generateColourShiftImages(count: number, seed: number): SyntheticImage[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`count must be a positive integer, got ${count}`);
  const rng = createRng(seed);
  const images: SyntheticImage[] = [];
  for (let i = 0; i < count; i++) {
    const label = rng.next() < 0.5 ? 1 : 0;
    const shifted = rng.next() < MINORITY_SHARE;
    const phase = rng.next() * 2 * Math.PI;
    const contrast = 0.15 + rng.next() * 0.3;
    const png = new PNG({ width: SIZE, height: SIZE });
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const wave = 0.5 + contrast * Math.sin(((label === 1 ? y : x) * 2 * Math.PI) / 4 + phase);
        const colour = shifted ? [0.55, 0.35, wave * 0.8 + 0.2] : [wave, wave * 0.9, 0.3];
        const p = (y * SIZE + x) * 4;
        for (let c = 0; c < 3; c++) {
          const value = colour[c]! + rng.normal() * 0.12;
          png.data[p + c] = Math.min(255, Math.max(0, Math.round(value * 255)));
        }
        png.data[p + 3] = 255;
      }
    }
    images.push({
      file: `synthetic-${String(i).padStart(5, '0')}.png`,
      label,
      group: shifted ? 'shifted' : 'standard',
      png: new Uint8Array(PNG.sync.write(png, { colorType: 2, deflateLevel: 9 })),
    });
  }
  return images;
}

export function manifestCsv(images: readonly SyntheticImage[]): string {
  return ['file,label,group,provenance', ...images.map((m) => `${m.file},${m.label},${m.group},${PROVENANCE}`)]
    .join('\n')
    .concat('\n');
}

/** Writes the images, manifest.csv and README.txt into `folder` (created when missing). */
export async function writeColourShiftDataset(folder: string, count: number, seed: number): Promise<SyntheticImage[]> {
  const images = generateColourShiftImages(count, seed);
  await mkdir(folder, { recursive: true });
  for (const image of images) await writeFile(join(folder, image.file), image.png);
  await writeFile(join(folder, 'manifest.csv'), manifestCsv(images));
  await writeFile(
    join(folder, 'README.txt'),
    `SYNTHETIC data: ${count} colour-shifted stripe images made by scripts/synthetic-images/generate.ts ` +
      `(seed ${seed}). No real person or photograph is in it.\n`,
  );
  return images;
}

function argument(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

async function main(args: string[]): Promise<number> {
  const out = argument(args, '--out');
  const count = Number(argument(args, '--count') ?? DEFAULT_COUNT);
  const seed = Number(argument(args, '--seed') ?? DEFAULT_SEED);
  if (out === undefined || !Number.isInteger(count) || count < 1 || !Number.isInteger(seed)) {
    console.error(
      'usage: node --import tsx scripts/synthetic-images/generate.ts --out <folder> [--count N] [--seed S]',
    );
    return 2;
  }
  const images = await writeColourShiftDataset(out, count, seed);
  const shifted = images.filter((m) => m.group === 'shifted').length;
  console.log(`SYNTHETIC: wrote ${images.length} images (${shifted} colour-shifted) and manifest.csv to ${out}`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main(process.argv.slice(2));
