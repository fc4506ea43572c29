// An image folder as a table plus pixels: one row per image with its fields (from the manifest CSV or the file name),
// each image decoded and preprocessed, and the digests that put every image's bytes and the manifest into the data
// set's raw hash. The table goes through the same filter, drop, label, group and split rules as a CSV source.
import { readdir, readFile, stat } from 'node:fs/promises';
import { posix, relative, resolve, sep } from 'node:path';
import { parseCsv, maybeGunzip } from '../csv.ts';
import type { SourceDigest } from '../dataset.ts';
import { DataError } from '../errors.ts';
import { sha256Hex } from '../hash.ts';
import type { DatasetSpec, ImagesSpec } from '../spec.ts';
import { columnIndex, locate, poolTables, type PooledTable } from '../table.ts';
import { decodeImage } from './decode.ts';
import { matchFileName, parseFileNamePattern } from './pattern.ts';
import { preprocessImage, type ImagePreprocessing } from './preprocess.ts';

/** Files the folder listing treats as images (the manifest may name others; decoding then refuses them). */
const IMAGE_FILE = /\.(png|jpe?g)$/i;

export interface ImageTable {
  /** The manifest's rows, or one row per matching file name: [fileColumn, ...pattern fields]. */
  table: PooledTable;
  /** Per table row: the image path relative to the folder ('/'-separated). */
  files: string[];
  /** Per table row: height × width × channels float32 values (HWC). */
  pixels: Float32Array[];
  /** The manifest's digest (with a manifest) and the folder's: sha256 over every image's path and bytes hash. */
  digests: SourceDigest[];
}

export function preprocessingOf(images: ImagesSpec): ImagePreprocessing {
  return { height: images.size[0], width: images.size[1], channels: images.channels };
}

/** Image files under `folder` (recursively), '/'-separated and sorted by UTF-16 code units. */
async function listImageFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true });
  return entries
    .filter((e) => IMAGE_FILE.test(e))
    .map((e) => e.split(sep).join('/'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A manifest path made canonical ('./a.png' → 'a.png'), or undefined when it is absolute or leaves the folder. */
function pathInFolder(raw: string): string | undefined {
  const path = raw.replaceAll('\\', '/');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return undefined;
  const normal = posix.normalize(path);
  return normal === '..' || normal.startsWith('../') || normal === '.' ? undefined : normal;
}

function unlistedError(unlisted: string[], images: ImagesSpec): DataError {
  const shown = unlisted.slice(0, 5).join(', ') + (unlisted.length > 5 ? `, … (${unlisted.length} in all)` : '');
  return new DataError(
    images.manifest !== undefined
      ? `${unlisted.length} image file(s) in the folder are not in the manifest ${images.manifest}: ${shown}.`
      : `${unlisted.length} image file(s) in the folder do not match the pattern '${images.pattern}': ${shown}.`,
    { file: images.folder },
    images.manifest !== undefined
      ? 'add them to the manifest, move them out of the folder, or set images.unlisted: ignore.'
      : 'rename or move them, fix images.pattern, or set images.unlisted: ignore.',
  );
}

async function manifestTable(
  spec: DatasetSpec,
  images: ImagesSpec,
  folder: string,
  listed: readonly string[],
): Promise<{ table: PooledTable; files: string[]; digest: SourceDigest }> {
  const key = posix.join(images.folder, images.manifest!);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(resolve(folder, images.manifest!)));
  } catch (err) {
    throw new DataError(
      `cannot read the manifest: ${err instanceof Error ? err.message : String(err)}.`,
      { file: key },
      'images.manifest is relative to images.folder.',
    );
  }
  const content = maybeGunzip(bytes, key);
  const table = poolTables([parseCsv(content, { ...spec.dialect, skipLines: 0 }, key)]);
  const fileCol = columnIndex(table, images.fileColumn, 'images.fileColumn');
  const seen = new Map<string, number>();
  const files = table.rows.map((row, r) => {
    const where = locate(table, r, images.fileColumn);
    const path = pathInFolder(row[fileCol]!);
    if (path === undefined)
      throw new DataError(
        `the path '${row[fileCol]}' is not inside the image folder.`,
        where,
        'give each image as a path relative to images.folder, without `..` or a leading `/`.',
      );
    const before = seen.get(path);
    if (before !== undefined)
      throw new DataError(`'${path}' is listed twice (also on line ${before}).`, where, 'list each image once.');
    seen.set(path, where.line!);
    return path;
  });
  if (images.unlisted === 'error') {
    const unlisted = listed.filter((f) => !seen.has(f));
    if (unlisted.length > 0) throw unlistedError(unlisted, images);
  }
  const digest: SourceDigest = {
    role: 'data',
    path: key,
    bytes: bytes.byteLength,
    sha256: sha256Hex(bytes),
    contentSha256: sha256Hex(content),
    rows: table.rows.length,
  };
  return { table, files, digest };
}

function patternTable(images: ImagesSpec, listed: readonly string[]): { table: PooledTable; files: string[] } {
  const pattern = parseFileNamePattern(images.pattern!);
  if (typeof pattern === 'string') throw new DataError(`images.pattern: ${pattern}.`, { file: images.folder });
  const rows: string[][] = [];
  const files: string[] = [];
  const unmatched: string[] = [];
  for (const file of listed) {
    const fields = matchFileName(pattern, file);
    if (fields === undefined) unmatched.push(file);
    else {
      rows.push([file, ...fields]);
      files.push(file);
    }
  }
  if (images.unlisted === 'error' && unmatched.length > 0) throw unlistedError(unmatched, images);
  // A "line" of this table is the file's position among the matching names in sorted order.
  const table: PooledTable = {
    columns: [images.fileColumn, ...pattern.fields],
    rows,
    fileIndex: new Uint16Array(rows.length),
    lines: Uint32Array.from(rows, (_, i) => i + 1),
    files: [`${images.folder} (file names matching '${images.pattern}', in sorted order)`],
  };
  return { table, files };
}

/** Reads the folder an image spec names: its table (manifest or file names), pixels and digests. */
export async function readImageFolder(spec: DatasetSpec, baseDir: string): Promise<ImageTable> {
  const images = spec.images!;
  const folder = resolve(baseDir, images.folder);
  const isFolder = await stat(folder).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isFolder)
    throw new DataError(
      `the image folder ${folder} does not exist.`,
      { file: images.folder },
      "images.folder is relative to the spec file; a generated example's folder is made by the command in its spec's description.",
    );
  const listed = await listImageFiles(folder);
  const { table, files, digest } =
    images.manifest !== undefined
      ? await manifestTable(spec, images, folder, listed)
      : { ...patternTable(images, listed), digest: undefined };
  if (files.length === 0)
    throw new DataError('the folder has no images to read.', { file: images.folder }, 'check images.folder.');

  const target = preprocessingOf(images);
  const hashes = new Map<string, string>();
  let totalBytes = 0;
  const pixels: Float32Array[] = [];
  for (let r = 0; r < files.length; r++) {
    const file = files[r]!;
    const path = resolve(folder, file);
    const name = posix.join(images.folder, file);
    if (relative(folder, path).startsWith('..'))
      throw new DataError('the path is not inside the image folder.', locate(table, r, images.fileColumn));
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      throw new DataError(
        missing
          ? `the image '${file}' does not exist in ${images.folder}.`
          : `cannot read the image '${file}': ${err instanceof Error ? err.message : String(err)}.`,
        images.manifest !== undefined ? locate(table, r, images.fileColumn) : { file: name },
        missing ? 'fix the path in the manifest (relative to images.folder) or add the file.' : undefined,
      );
    }
    hashes.set(file, sha256Hex(bytes));
    totalBytes += bytes.byteLength;
    pixels.push(preprocessImage(decodeImage(bytes, name), target));
  }
  // The folder's identity: every image's path and sha256, in sorted path order.
  const listing = [...hashes.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((f) => `${f}\u0000${hashes.get(f)}\n`)
    .join('');
  const listingHash = sha256Hex(listing);
  const folderDigest: SourceDigest = {
    role: 'data',
    path: images.folder,
    bytes: totalBytes,
    sha256: listingHash,
    contentSha256: listingHash,
    rows: files.length,
  };
  return { table, files, pixels, digests: digest === undefined ? [folderDigest] : [digest, folderDigest] };
}
