// Image bytes to pixels, with pure-JavaScript decoders (pngjs, jpeg-js): no native library or GPU is involved, so the
// same bytes give the same pixels on every machine, and the pixels (hence the data set) can be content-hashed.
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataError } from '../errors.ts';

/** 8-bit RGBA pixels, row-major: pixel (y, x) starts at rgba[(y * width + x) * 4]. */
export interface DecodedImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

export type ImageFormat = 'png' | 'jpeg';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The format from the file's first bytes (its name may lie), or undefined when neither PNG nor JPEG. */
export function imageFormatOf(bytes: Uint8Array): ImageFormat | undefined {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

// jpeg-js refuses images above these instead of exhausting memory on a hostile file.
const JPEG_LIMITS = { maxResolutionInMP: 100, maxMemoryUsageInMB: 1024 };

/** Decodes a PNG (any bit depth and colour type, rescaled to 8 bits) or a baseline/progressive JPEG. */
export function decodeImage(bytes: Uint8Array, file: string): DecodedImage {
  const format = imageFormatOf(bytes);
  if (format === undefined)
    throw new DataError(
      'the file is neither a PNG nor a JPEG (judged by its first bytes, not its name).',
      { file },
      'convert it to PNG or JPEG, or remove it from the folder and the manifest.',
    );
  let image: DecodedImage;
  try {
    if (format === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      image = { width: png.width, height: png.height, rgba: new Uint8Array(png.data) };
    } else {
      const jpg = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, ...JPEG_LIMITS });
      image = { width: jpg.width, height: jpg.height, rgba: jpg.data };
    }
  } catch (err) {
    throw new DataError(
      `the ${format.toUpperCase()} image cannot be decoded: ${err instanceof Error ? err.message : String(err)}.`,
      { file },
      'replace the file with an intact copy, or remove it from the folder and the manifest.',
    );
  }
  if (image.width === 0 || image.height === 0 || image.rgba.length !== image.width * image.height * 4)
    throw new DataError(
      `the image has no pixels (${image.width}×${image.height}).`,
      { file },
      'replace the file, or remove it from the folder and the manifest.',
    );
  return image;
}
