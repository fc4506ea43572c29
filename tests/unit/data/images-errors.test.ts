import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, loadDataset, parseDatasetSpec, type DatasetSpecInput } from '../../../core/data/index.ts';
import { inputShapeMismatch } from '../../../core/model/input-shape.ts';
import { flatPng, imageSpec, tempFolder, writeFlatImages } from './images-fixtures.ts';

const load = (spec: DatasetSpecInput) => loadDataset({ spec: parseDatasetSpec(spec), baseDir: '/' });

async function folderWith(manifestLines: string[]): Promise<string> {
  const folder = await tempFolder('errors');
  await writeFlatImages(folder);
  const manifest = ['file,label,group'];
  for (let i = 0; i < 40; i++) manifest.push(`a-${String(i).padStart(2, '0')}.png,${i % 2},${i % 4 < 2 ? 'g' : 'h'}`);
  await writeFile(join(folder, 'manifest.csv'), [...manifest, ...manifestLines].join('\n') + '\n');
  return folder;
}

describe('image spec errors name the field and the fix', () => {
  it.each([
    [{ manifest: 'm.csv', pattern: '{a}.png' }, /images\.manifest: give either `manifest`/],
    [{ pattern: '{a}_{a}.png' }, /images\.pattern: field '\{a\}' appears twice/],
    [{ pattern: 'plain.png' }, /images\.pattern: the pattern has no \{field\}/],
    [{ pattern: '{file}.png' }, /images\.fileColumn: the pattern has a field named 'file'/],
    [{ manifest: 'm.csv', channels: 2 }, /images\.channels/],
    [{ manifest: 'm.csv', size: [0, 16] }, /images\.size\.0/],
  ])('images %o', (images, message) => {
    const spec = imageSpec('f', { images: { folder: 'f', size: [4, 4], channels: 3, ...images } as never });
    expect(() => parseDatasetSpec(spec)).toThrow(DataError);
    expect(() => parseDatasetSpec(spec)).toThrow(message);
  });

  it('refuses CSV sources, a feature selection or given splits beside images, and a spec with neither', () => {
    expect(() => parseDatasetSpec(imageSpec('f', { sources: [{ path: 'a.csv' }] }))).toThrow(
      /sources: an image data set reads `images`/,
    );
    expect(() => parseDatasetSpec(imageSpec('f', { features: { numeric: 'rest' } }))).toThrow(
      /features: an image data set's features are its pixels/,
    );
    expect(() => parseDatasetSpec(imageSpec('f', { split: { kind: 'given' } }))).toThrow(
      /split\.kind: an image data set is one pool/,
    );
    expect(() => parseDatasetSpec(imageSpec('f', { images: undefined }))).toThrow(
      /sources: give at least one CSV source, or `images`/,
    );
  });
});

describe('bad image folders are DataErrors naming the file and the fix', () => {
  it('a manifest row whose file does not exist names the manifest line', async () => {
    const folder = await folderWith(['missing.png,1,g']);
    await expect(load(imageSpec(folder))).rejects.toThrow(
      /manifest\.csv, line 42, column 'file': the image 'missing\.png' does not exist.*Fix:/,
    );
  });

  it('a path escaping the folder is refused before anything is read', async () => {
    const folder = await folderWith(['../outside.png,1,g']);
    await expect(load(imageSpec(folder))).rejects.toThrow(
      /line 42, column 'file': the path '\.\.\/outside\.png' is not inside the image folder/,
    );
    const absolute = await folderWith(['/etc/passwd,1,g']);
    await expect(load(imageSpec(absolute))).rejects.toThrow(/is not inside the image folder/);
  });

  it('an image in the folder but not in the manifest is an error unless images.unlisted is ignore', async () => {
    const folder = await folderWith([]);
    await writeFile(join(folder, 'stray.png'), flatPng(4, 4, [1, 2, 3]));
    await expect(load(imageSpec(folder))).rejects.toThrow(
      /1 image file\(s\) in the folder are not in the manifest manifest\.csv: stray\.png.*images\.unlisted: ignore/,
    );
    const ds = await load(
      imageSpec(folder, {
        images: { folder, manifest: 'manifest.csv', size: [2, 2], channels: 3, unlisted: 'ignore' },
      }),
    );
    expect(ds.sources[1]!.rows).toBe(40);
  });

  it('a label value outside the mapping names the line and the label lists', async () => {
    const folder = await folderWith(['b.png,maybe,g']);
    await writeFile(join(folder, 'b.png'), flatPng(4, 4, [0, 0, 0]));
    await expect(load(imageSpec(folder))).rejects.toThrow(
      /line 42, column 'label': label 'maybe' is neither positive \[1\] nor negative \[0\].*Fix: add the value to label\.positive/,
    );
  });

  it('a corrupt image, a non-image and a zero-size image are named', async () => {
    const corrupt = await folderWith([]);
    await writeFile(join(corrupt, 'a-03.png'), flatPng(4, 4, [9, 9, 9]).slice(0, 30));
    await expect(load(imageSpec(corrupt))).rejects.toThrow(
      /a-03\.png: the PNG image cannot be decoded.*Fix: replace the file/,
    );
    const text = await folderWith([]);
    await writeFile(join(text, 'a-05.png'), 'not an image');
    await expect(load(imageSpec(text))).rejects.toThrow(/a-05\.png: the file is neither a PNG nor a JPEG/);
    // A PNG whose header says 0 × 4 pixels (pngjs cannot write one): the signature, then an IHDR chunk.
    const zero = await folderWith([]);
    const png = flatPng(4, 4, [1, 1, 1]);
    new DataView(png.buffer).setUint32(16, 0);
    await writeFile(join(zero, 'a-09.png'), png);
    await expect(load(imageSpec(zero))).rejects.toThrow(
      /a-09\.png: the (PNG image cannot be decoded|image has no pixels)/,
    );
  });

  it('a missing folder says where it was looked for', async () => {
    await expect(load(imageSpec('/nonexistent/images'))).rejects.toThrow(
      /\/nonexistent\/images: the image folder .* does not exist.*Fix: images\.folder is relative to the spec file/,
    );
  });
});

describe('model input shape against an image data set', () => {
  it('accepts the same [h, w, c] or a flat input of the same width, and names any mismatch', () => {
    const image = { features: 768, inputShape: [16, 16, 3] };
    expect(inputShapeMismatch([16, 16, 3], image)).toBeUndefined();
    expect(inputShapeMismatch([768], image)).toBeUndefined();
    expect(inputShapeMismatch([16, 16, 1], image)).toBe('has images of 16×16×3 (height×width×channels)');
    expect(inputShapeMismatch([8, 32, 3], image)).toBe('has images of 16×16×3 (height×width×channels)');
    expect(inputShapeMismatch([16, 16, 3], { features: 768 })).toBe(
      'is tabular (768 features per row, no image shape)',
    );
    expect(inputShapeMismatch([7], { features: 6 })).toBe('encodes 6');
  });
});
