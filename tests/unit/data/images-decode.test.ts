import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../../core/data/errors.ts';
import { decodeImage, imageFormatOf } from '../../../core/data/images/decode.ts';
import { areaWeights, preprocessImage } from '../../../core/data/images/preprocess.ts';

/** A PNG of the given RGBA bytes (width × height × 4), built here so the expected pixels are known. */
function pngOf(width: number, height: number, rgba: number[]): Uint8Array {
  const png = new PNG({ width, height });
  png.data.set(rgba);
  return new Uint8Array(PNG.sync.write(png));
}

describe('image decoding and preprocessing', () => {
  it('decodes a 2×2 PNG to its exact RGBA bytes and keeps it at 2×2 as byte / 255, channels-last', () => {
    const rgba = [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 51, 102, 153, 255];
    const image = decodeImage(pngOf(2, 2, rgba), 'red-green-blue.png');
    expect([image.width, image.height]).toEqual([2, 2]);
    expect(Array.from(image.rgba)).toEqual(rgba);
    const x = preprocessImage(image, { height: 2, width: 2, channels: 3 });
    expect(Array.from(x)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1, 0.2, 0.4, 0.6].map((v) => Math.fround(v)));
  });

  it('area-averages a 4×4 PNG to 2×2 (each output the mean of its 2×2 block) and to grey by BT.601 luma', () => {
    // Block (0,0) holds 0 and 255 twice each: mean 127.5 / 255 = 0.5. Every other block is uniform.
    const v = [0, 255, 60, 60, 255, 0, 60, 60, 120, 120, 30, 30, 120, 120, 30, 30];
    const rgba = v.flatMap((g) => [g, g, g, 255]);
    const image = decodeImage(pngOf(4, 4, rgba), 'blocks.png');
    const rgb = preprocessImage(image, { height: 2, width: 2, channels: 3 });
    expect(rgb).toHaveLength(12);
    expect(Array.from(rgb.subarray(0, 3))).toEqual([0.5, 0.5, 0.5]);
    expect(rgb[3]).toBeCloseTo(60 / 255, 6);
    expect(rgb[6]).toBeCloseTo(120 / 255, 6);
    expect(rgb[9]).toBeCloseTo(30 / 255, 6);
    const red = decodeImage(pngOf(1, 1, [255, 0, 0, 255]), 'red.png');
    // Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601).
    expect(preprocessImage(red, { height: 1, width: 1, channels: 1 })[0]).toBeCloseTo(0.299, 6);
  });

  it('weights a 3 → 2 shrink by covered area: 2/3 and 1/3 of the middle pixel', () => {
    expect(areaWeights(3, 2)).toEqual([
      { start: 0, weights: [expect.closeTo(2 / 3, 12), expect.closeTo(1 / 3, 12)] },
      { start: 1, weights: [expect.closeTo(1 / 3, 12), expect.closeTo(2 / 3, 12)] },
    ]);
    expect(areaWeights(2, 4).map((w) => w.start)).toEqual([0, 0, 1, 1]);
  });

  it('decodes a JPEG built here (quality 100, one flat colour) to that colour within JPEG rounding', () => {
    const rgba = new Uint8Array(8 * 8 * 4);
    for (let p = 0; p < 64; p++) rgba.set([200, 100, 50, 255], p * 4);
    const bytes = new Uint8Array(jpeg.encode({ width: 8, height: 8, data: rgba }, 100).data);
    expect(imageFormatOf(bytes)).toBe('jpeg');
    const image = decodeImage(bytes, 'flat.jpg');
    expect([image.width, image.height]).toEqual([8, 8]);
    const x = preprocessImage(image, { height: 1, width: 1, channels: 3 });
    expect(Math.abs(x[0]! - 200 / 255)).toBeLessThan(3 / 255);
    expect(Math.abs(x[1]! - 100 / 255)).toBeLessThan(3 / 255);
    expect(Math.abs(x[2]! - 50 / 255)).toBeLessThan(3 / 255);
    // Pure JavaScript decoding: the same bytes give the same pixels every time.
    expect(decodeImage(bytes, 'flat.jpg').rgba).toEqual(image.rgba);
  });

  it('refuses an unsupported format, a corrupt PNG and a truncated JPEG with DataErrors naming the file', () => {
    const gif = new TextEncoder().encode('GIF89a....');
    expect(() => decodeImage(gif, 'a.gif')).toThrow(/a\.gif: the file is neither a PNG nor a JPEG.*Fix:/);
    const png = pngOf(2, 2, new Array<number>(16).fill(9));
    const corrupt = png.slice(0, png.length - 20);
    expect(() => decodeImage(corrupt, 'broken.png')).toThrow(DataError);
    expect(() => decodeImage(corrupt, 'broken.png')).toThrow(/broken\.png: the PNG image cannot be decoded/);
    const jpg = new Uint8Array(jpeg.encode({ width: 8, height: 8, data: new Uint8Array(256) }, 90).data);
    expect(() => decodeImage(jpg.slice(0, 40), 'cut.jpg')).toThrow(/cut\.jpg: the JPEG image cannot be decoded/);
  });
});
