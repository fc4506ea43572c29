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

/**
 * An image folder's files as bytes instead of a folder on disk: what a worker rebuilds from the objects `fairshrink run`
 * uploaded. `images` holds every image the data set uses, by path relative to the folder ('/'-separated); it stands in
 * for the folder's listing too.
 */
export interface ImageFolderBytes {
  manifest?: Uint8Array;
  images: ReadonlyMap<string, Uint8Array>;
}

/** The rows an image spec reads (manifest or file names) and the manifest itself, before any image is decoded. */
export interface ImageFolderRows {
  table: PooledTable;
  /** Per table row: the image path relative to the folder ('/'-separated). */
  files: string[];
  /** The manifest's bytes and digest, with a manifest. */
  manifest?: { bytes: Uint8Array; digest: SourceDigest };
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
  supplied: ImageFolderBytes | undefined,
): Promise<{ table: PooledTable; files: string[]; digest: SourceDigest; bytes: Uint8Array }> {
  const key = posix.join(images.folder, images.manifest!);
  let bytes: Uint8Array;
  try {
    if (supplied === undefined) bytes = new Uint8Array(await readFile(resolve(folder, images.manifest!)));
    else if (supplied.manifest !== undefined) bytes = supplied.manifest;
    else throw new Error('the uploaded image folder carries no manifest');
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
  return { table, files, digest, bytes };
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

/** sha256 over every image's path and sha256, in sorted path order: the folder's identity. */
export function folderListingSha256(hashes: ReadonlyMap<string, string>): string {
  return sha256Hex(
    [...hashes.keys()]
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((f) => `${f}\u0000${hashes.get(f)}\n`)
      .join(''),
  );
}

/** The folder's digest as the raw hash takes it, from each image's sha256 (by path) and their total size. */
export function folderDigestOf(images: ImagesSpec, hashes: ReadonlyMap<string, string>, bytes: number): SourceDigest {
  const listingHash = folderListingSha256(hashes);
  return {
    role: 'data',
    path: images.folder,
    bytes,
    sha256: listingHash,
    contentSha256: listingHash,
    rows: hashes.size,
  };
}

/**
 * The rows an image spec reads and which image each row is, from the folder on disk or from `supplied` bytes (then
 * the supplied images are the listing). No image is read yet.
 */
export async function imageFolderRows(
  spec: DatasetSpec,
  baseDir: string,
  supplied?: ImageFolderBytes,
): Promise<ImageFolderRows> {
  const images = spec.images!;
  const folder = resolve(baseDir, images.folder);
  if (supplied === undefined) {
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
  }
  const listed =
    supplied === undefined
      ? await listImageFiles(folder)
      : [...supplied.images.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (images.manifest === undefined) return patternTable(images, listed);
  const { table, files, digest, bytes } = await manifestTable(spec, images, folder, listed, supplied);
  return { table, files, manifest: { bytes, digest } };
}

/** One image's bytes, from `supplied` or the folder on disk; a missing or unreadable image names its row. */
export async function readImageBytes(
  spec: DatasetSpec,
  baseDir: string,
  rows: ImageFolderRows,
  r: number,
  supplied?: ImageFolderBytes,
): Promise<Uint8Array> {
  const images = spec.images!;
  const folder = resolve(baseDir, images.folder);
  const file = rows.files[r]!;
  const path = resolve(folder, file);
  const name = posix.join(images.folder, file);
  if (relative(folder, path).startsWith('..'))
    throw new DataError('the path is not inside the image folder.', locate(rows.table, r, images.fileColumn));
  try {
    if (supplied === undefined) return new Uint8Array(await readFile(path));
    const bytes = supplied.images.get(file);
    if (bytes === undefined)
      throw Object.assign(new Error(`no uploaded image has the path '${file}'`), { code: 'ENOENT' });
    return bytes;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new DataError(
      missing
        ? `the image '${file}' does not exist in ${images.folder}.`
        : `cannot read the image '${file}': ${err instanceof Error ? err.message : String(err)}.`,
      images.manifest !== undefined ? locate(rows.table, r, images.fileColumn) : { file: name },
      missing ? 'fix the path in the manifest (relative to images.folder) or add the file.' : undefined,
    );
  }
}

/**
 * Reads the folder an image spec names, or the `supplied` bytes of its files: its table (manifest or file names),
 * pixels and digests. The same files give the same table, pixels and digests either way.
 */
export async function readImageFolder(
  spec: DatasetSpec,
  baseDir: string,
  supplied?: ImageFolderBytes,
): Promise<ImageTable> {
  const images = spec.images!;
  const rows = await imageFolderRows(spec, baseDir, supplied);
  const { table, files } = rows;
  if (files.length === 0)
    throw new DataError('the folder has no images to read.', { file: images.folder }, 'check images.folder.');

  const target = preprocessingOf(images);
  const hashes = new Map<string, string>();
  let totalBytes = 0;
  const pixels: Float32Array[] = [];
  for (let r = 0; r < files.length; r++) {
    const bytes = await readImageBytes(spec, baseDir, rows, r, supplied);
    hashes.set(files[r]!, sha256Hex(bytes));
    totalBytes += bytes.byteLength;
    pixels.push(preprocessImage(decodeImage(bytes, posix.join(images.folder, files[r]!)), target));
  }
  const folderDigest = folderDigestOf(images, hashes, totalBytes);
  const digests = rows.manifest === undefined ? [folderDigest] : [rows.manifest.digest, folderDigest];
  return { table, files, pixels, digests };
}
