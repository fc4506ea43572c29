// An image data set's folder in S3: `fairshrink run` uploads its manifest and every image it uses content-addressed
// (datasets/sources/<sha256>, like CSV sources, so a re-run uploads nothing new) plus one index object naming them by
// path; the prepare step on any worker reads the index and every object back, each checked by sha256, and loads the
// data set from those bytes alone. The campaign input carries one ref (the index), so its size does not grow with
// the number of images.
import { z } from 'zod';
import { maybeGunzip } from '../data/csv.ts';
import type { SourceDigest } from '../data/dataset.ts';
import { sha256Hex } from '../data/hash.ts';
import { folderDigestOf, imageFolderRows, readImageBytes, type ImageFolderBytes } from '../data/images/source.ts';
import type { DatasetSpec } from '../data/spec.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { ArtifactRef } from '../storage/ref.ts';

/** The index object: the manifest (with one) and every image, by path relative to the folder, in sorted path order. */
export const ImageFolderIndex = z.strictObject({
  kind: z.literal('fairshrink-image-folder'),
  formatVersion: z.literal(1),
  manifest: ArtifactRef.optional(),
  images: z.array(z.strictObject({ path: z.string().min(1), ref: ArtifactRef })),
});
export type ImageFolderIndex = z.infer<typeof ImageFolderIndex>;

/** Uploads and downloads at once: many small objects, each a round trip. */
const PARALLEL = 16;

async function inParallel<T, R>(items: readonly T[], work: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, lane));
  return out;
}

const contentKey = (bytes: Uint8Array) => `datasets/sources/${sha256Hex(bytes)}`;

/** The folder's files as the data set reads them from disk: the manifest and every image it uses, by path. */
export async function imageFolderFiles(spec: DatasetSpec, baseDir: string): Promise<ImageFolderBytes> {
  const rows = await imageFolderRows(spec, baseDir);
  const images = new Map<string, Uint8Array>();
  for (let r = 0; r < rows.files.length; r++) images.set(rows.files[r]!, await readImageBytes(spec, baseDir, rows, r));
  return { ...(rows.manifest === undefined ? {} : { manifest: rows.manifest.bytes }), images };
}

/** The raw-hash digests of those files, as core/data's loader computes them (manifest, then folder listing). */
export function imageFolderDigests(
  spec: DatasetSpec,
  files: ImageFolderBytes,
): Pick<SourceDigest, 'role' | 'contentSha256'>[] {
  const hashes = new Map([...files.images].map(([path, bytes]) => [path, sha256Hex(bytes)]));
  const total = [...files.images.values()].reduce((n, b) => n + b.byteLength, 0);
  const folder = folderDigestOf(spec.images!, hashes, total);
  if (files.manifest === undefined) return [folder];
  return [{ role: 'data', contentSha256: sha256Hex(maybeGunzip(files.manifest)) }, folder];
}

/** Uploads the files content-addressed and then their index; returns the index's ref. */
export async function uploadImageFolder(store: BlobStore, files: ImageFolderBytes): Promise<ArtifactRef> {
  const paths = [...files.images.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const refs = await inParallel(paths, (path) => {
    const bytes = files.images.get(path)!;
    return store.put(contentKey(bytes), bytes);
  });
  const index: ImageFolderIndex = {
    kind: 'fairshrink-image-folder',
    formatVersion: 1,
    ...(files.manifest === undefined
      ? {}
      : { manifest: await store.put(contentKey(files.manifest), files.manifest, { contentType: 'text/csv' }) }),
    images: paths.map((path, i) => ({ path, ref: refs[i]! })),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(index));
  return store.put(contentKey(bytes), bytes, { contentType: 'application/json' });
}

/** Reads an uploaded folder back: the index and every object it names, each verified by sha256 (store.get). */
export async function downloadImageFolder(store: BlobStore, indexRef: ArtifactRef): Promise<ImageFolderBytes> {
  const parsed = ImageFolderIndex.safeParse(JSON.parse(new TextDecoder().decode(await store.get(indexRef))));
  if (!parsed.success)
    throw new Error(`${indexRef.uri} is not an uploaded image folder index: ${parsed.error.issues[0]!.message}`);
  const index = parsed.data;
  const bytes = await inParallel(index.images, (image) => store.get(image.ref));
  return {
    ...(index.manifest === undefined ? {} : { manifest: await store.get(index.manifest) }),
    images: new Map(index.images.map((image, i) => [image.path, bytes[i]!])),
  };
}
