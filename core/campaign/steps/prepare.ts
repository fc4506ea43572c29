// Step "prepare": the uploaded data set spec and sources (or image folder), encoded and split once, shared across campaigns.
import { parse as parseYaml } from 'yaml';
import { maybeGunzip } from '../../data/csv.ts';
import type { EncodedDataset } from '../../data/dataset.ts';
import { datasetIdOf, rawSha256, sha256Hex, specSha256 } from '../../data/hash.ts';
import { loadDataset } from '../../data/load.ts';
import { deserializeDataset, serializeDataset } from '../../data/serialize.ts';
import { parseDatasetSpec, sourceKey } from '../../data/spec.ts';
import { rememberDataset } from '../../data/dataset-cache.ts';
import { getCached, rememberBlob } from '../../storage/blob-cache.ts';
import { putJson } from '../../storage/json.ts';
import { datasetDir } from '../../storage/layout.ts';
import { CampaignInputError, type StepContext } from '../../step/context.ts';
import type { ArtifactRef, DatasetRef, PrepareDatasetInput } from '../contracts.ts';
import { downloadImageFolder, imageFolderDigests } from '../image-folder.ts';
import { checkIdentity, idempotent } from './idempotent.ts';

/** The reference a step's input carries to an encoded data set stored at `encoded`. */
export function datasetRefOf(encoded: ArtifactRef, dataset: EncodedDataset): DatasetRef {
  return {
    encoded,
    datasetId: dataset.datasetId,
    rawSha256: dataset.rawSha256,
    specSha256: dataset.specSha256,
    rows: {
      train: dataset.splits.train.x.rows,
      validation: dataset.splits.validation.x.rows,
      test: dataset.splits.test.x.rows,
    },
    features: dataset.featureNames.length,
    ...(dataset.inputShape === undefined ? {} : { inputShape: [...dataset.inputShape] }),
    attributes: dataset.sensitive.map((s) => ({ name: s.name, groups: [...s.groups] })),
    ...(dataset.stats.filter === undefined ? {} : { filter: dataset.stats.filter }),
  };
}

/**
 * Loads the uploaded spec and sources, encodes and splits them (core/data), and stores the result content-addressed
 * at datasets/<datasetId>/{encoded.bin, spec.json}, shared across campaigns: a data set already there is reused.
 */
export async function prepareDataset(input: PrepareDatasetInput, ctx: StepContext): Promise<DatasetRef> {
  checkIdentity(input);
  const { store } = ctx;
  return idempotent(ctx, input, async () => {
    const specText = new TextDecoder().decode(await getCached(store, input.spec));
    let raw: unknown;
    try {
      raw = parseYaml(specText);
    } catch (err) {
      throw new CampaignInputError(
        `${input.spec.uri}: the data set spec is not valid YAML/JSON: ${(err as Error).message}`,
      );
    }
    const spec = parseDatasetSpec(raw, input.spec.uri);
    const uploaded = (key: string) => {
      const found = input.sources.find((s) => s.path === key);
      if (found === undefined)
        throw new CampaignInputError(
          `the data set spec names source "${key}" but no uploaded source has that path (uploaded: ${input.sources.map((s) => s.path).join(', ') || 'none'}); upload every file the spec lists`,
        );
      return found.ref;
    };
    const sourceBytes: Record<string, Uint8Array> = {};
    for (const source of spec.sources)
      sourceBytes[sourceKey(source)] = await getCached(store, uploaded(sourceKey(source)));
    // An image folder comes back from its index; every object is checked by sha256 as it is read.
    const imageBytes =
      spec.images === undefined ? undefined : await downloadImageFolder(store, uploaded(spec.images.folder));
    // The data set id from the hashes alone, so a data set already encoded by any campaign is reused.
    const digests =
      imageBytes === undefined
        ? spec.sources.map((s) => ({
            role: s.role,
            contentSha256: sha256Hex(maybeGunzip(sourceBytes[sourceKey(s)]!)),
          }))
        : imageFolderDigests(spec, imageBytes);
    const datasetId = datasetIdOf(rawSha256(digests), specSha256(spec));
    const dir = datasetDir(datasetId);
    const encodedKey = `${dir}/encoded.bin`;
    const existing = await store.head(encodedKey);
    if (existing !== undefined) {
      const { bytes, ref } = await store.getByKey(encodedKey);
      const dataset = deserializeDataset(bytes, ref.uri);
      if (dataset.datasetId === datasetId) {
        rememberBlob(ref, bytes);
        rememberDataset(ref.sha256, dataset);
        await putJson(store, `${dir}/spec.json`, dataset.spec);
        return datasetRefOf(ref, dataset);
      }
    }
    const dataset = await loadDataset(
      { spec, baseDir: '.', file: input.spec.uri },
      { sourceBytes, ...(imageBytes === undefined ? {} : { imageBytes }) },
    );
    const bytes = serializeDataset(dataset);
    const ref = await store.put(encodedKey, bytes);
    rememberBlob(ref, bytes);
    rememberDataset(ref.sha256, dataset);
    await putJson(store, `${dir}/spec.json`, dataset.spec);
    return datasetRefOf(ref, dataset);
  });
}
