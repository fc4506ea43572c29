// Reading a campaign file from disk and turning it into the workflow's input: every problem is
// found before anything starts (listed with its path), then the data set spec, its sources and any
// imported model files go to S3 content-addressed, so any worker anywhere can read them.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { formatIssuePath, readConfigFile } from './config-file.ts';
import {
  datasetIdOf,
  loadDatasetSpec,
  maybeGunzip,
  rawSha256,
  readSource,
  sourceKey,
  specSha256,
  type LoadedDatasetSpec,
} from '../data/index.ts';
import { imageFolderDigests, imageFolderFiles, uploadImageFolder } from '../campaign/image-folder.ts';
import { topologyLayerClasses, unsupportedLayersProblem } from '../model/layers.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { CampaignInput } from '../campaign/contracts.ts';
import type { SeedCampaignsInput } from '../campaign/seeds.ts';
import { CampaignConfig, defaultExportFormats, seedFieldProblems, singleSeedConfig } from './campaign.ts';
import { didYouMean } from './data-check.ts';
import { parseRubric, parseRubricText, type Rubric } from './rubric.ts';

export class CampaignFileError extends Error {
  override name = 'CampaignFileError';
  constructor(
    readonly file: string,
    /** One line per problem: "<path>: <problem>". */
    readonly problems: string[],
  ) {
    super(
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

/** JSON with keys sorted at every level: the config hash must not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

export interface LoadedCampaign {
  file: string;
  config: CampaignConfig;
  configSha256: string;
  dataset: LoadedDatasetSpec;
  rubric: Rubric;
}

/** What tfjs's model.save() writes in model.json; only the parts a campaign reads before tfjs sees the file. */
const SavedModelJson = z.object({
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(z.object({ paths: z.array(z.string()) })),
});

/**
 * A weight file must sit in model.json's folder or below it: tfjs names them so (`weights.bin`,
 * `group1-shard1of1.bin`), and a path that climbs out (`../../etc/shadow`) would upload an unrelated file.
 */
function escapesModelFolder(weightPath: string): boolean {
  return path.isAbsolute(weightPath) || weightPath.split(/[\\/]/).includes('..');
}

/** Layer classes the Dense-only paths (sparse-int8, activation fake-quant) take; others need the network paths. */
const DENSE_MLP_LAYERS: ReadonlySet<string> = new Set(['InputLayer', 'Dense', 'Dropout']);
/** The export formats that carry a model with other layers (core/export network.ts; docs/export.md). */
const NETWORK_FORMATS: readonly string[] = ['tfjs-standard', 'structured'];

/**
 * What a model with convolution, BatchNormalization, Embedding or pooling layers cannot do, found before anything
 * starts: sparse-int8 (also in the default export list) holds Dense MLPs only, and activation fake-quant runs on the
 * Dense forward pass only.
 */
function nonDenseModelProblems(classes: readonly string[], config: CampaignConfig): string[] {
  const others = [...new Set(classes.filter((c) => !DENSE_MLP_LAYERS.has(c)))];
  if (others.length === 0) return [];
  const problems: string[] = [];
  const formats = config.export ?? defaultExportFormats(config.compression.criterion);
  const refused = formats.filter((f) => !NETWORK_FORMATS.includes(f));
  if (refused.length > 0)
    problems.push(
      `export: the model has ${others.join(', ')} layers and ${refused.join(', ')} holds Dense MLPs only` +
        `${config.export === undefined ? ' (the default export list includes it)' : ''}; set export: [${NETWORK_FORMATS.join(', ')}]`,
    );
  if (config.compression.quantize.enabled && config.compression.quantize.activations)
    problems.push(
      `compression.quantize.activations: activation fake-quant works on Dense MLPs only and the model has ${others.join(', ')} layers; set it to false (weights are still int8)`,
    );
  return problems;
}

/** Problems with an imported model's files: model.json must be a tfjs LayersModel file whose weight files exist. */
async function importedModelProblems(
  model: Extract<CampaignConfig['model'], { kind: 'import' }>,
  dir: string,
  config: CampaignConfig,
): Promise<string[]> {
  const modelFile = path.resolve(dir, model.modelJson);
  const fix = "give the model.json that tfjs's model.save() wrote (a LayersModel)";
  let text: string;
  try {
    text = await readFile(modelFile, 'utf8');
  } catch (err) {
    return [`model.modelJson: cannot read ${model.modelJson} (${(err as NodeJS.ErrnoException).code}); ${fix}`];
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [`model.modelJson: ${model.modelJson} is not JSON, so not a tfjs model.json; ${fix}`];
  }
  if ((json as { format?: unknown } | null)?.format === 'graph-model') {
    return [
      `model.modelJson: ${model.modelJson} is a tfjs graph model; convert it with tensorflowjs_converter --output_format=tfjs_layers_model`,
    ];
  }
  const saved = SavedModelJson.safeParse(json);
  if (!saved.success) {
    const field = formatIssuePath(saved.error.issues[0]!.path as PropertyKey[]);
    return [
      `model.modelJson: ${model.modelJson} is not a tfjs LayersModel file (${field} is missing or malformed); ${fix}`,
    ];
  }
  const problems: string[] = [];
  const unsupported = unsupportedLayersProblem(saved.data.modelTopology);
  if (unsupported !== undefined) problems.push(`model.modelJson: ${model.modelJson}: ${unsupported}`);
  else problems.push(...nonDenseModelProblems(topologyLayerClasses(saved.data.modelTopology), config));
  // Weight paths come from model.weights when given, else from the manifest (named through model.modelJson).
  const [field, source] =
    model.weights === undefined
      ? ['model.modelJson', `the weightsManifest of ${model.modelJson}`]
      : ['model.weights', 'model.weights'];
  for (const weightPath of model.weights ?? saved.data.weightsManifest.flatMap((group) => group.paths)) {
    if (escapesModelFolder(weightPath)) {
      problems.push(
        `${field}: weight file "${weightPath}" in ${source} is outside the folder of model.json; put the weight files beside model.json and name them relative to it`,
      );
      continue;
    }
    try {
      await readFile(path.resolve(path.dirname(modelFile), weightPath));
    } catch (err) {
      problems.push(
        `${field}: cannot read weight file ${weightPath} named in ${source} (${(err as NodeJS.ErrnoException).code}); copy it beside model.json`,
      );
    }
  }
  return problems;
}

/** Parse and check a campaign file and everything it points to; throws CampaignFileError listing every problem. */
export async function loadCampaignFile(file: string): Promise<LoadedCampaign> {
  const { abs, raw, config } = await readConfigFile(
    file,
    CampaignConfig,
    (problems) => new CampaignFileError(file, problems),
  );
  const dir = path.dirname(abs);
  const problems: string[] = seedFieldProblems(raw);

  let dataset: LoadedDatasetSpec | undefined;
  try {
    dataset = await loadDatasetSpec(path.resolve(dir, config.dataset));
  } catch (err) {
    problems.push(`dataset: ${(err as Error).message}`);
  }
  let rubric: Rubric | undefined;
  try {
    if (typeof config.rubric === 'string') {
      const rubricFile = path.resolve(dir, config.rubric);
      rubric = parseRubricText(await readFile(rubricFile, 'utf8'), rubricFile);
    } else {
      rubric = parseRubric(config.rubric, `${file} (rubric)`);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problems.push(`rubric: ${code ? `cannot read ${config.rubric as string} (${code})` : (err as Error).message}`);
  }
  if (dataset && rubric) {
    const names = new Set(dataset.spec.sensitive.map((s) => s.name));
    rubric.constraints.forEach((c, i) => {
      for (const attribute of [c.attribute, ...(c.intersection ?? [])]) {
        if (attribute !== undefined && !names.has(attribute)) {
          problems.push(
            `rubric.constraints[${i}] (${c.id}): attribute "${attribute}" is not a sensitive attribute of the data set${didYouMean(attribute, [...names])}; its sensitive attributes are: ${[...names].join(', ')}`,
          );
        }
      }
      if (c.intersection && !config.evaluation.intersections) {
        problems.push(`rubric.constraints[${i}] (${c.id}): uses an intersection; set evaluation.intersections: true`);
      }
    });
    for (const attribute of config.evaluation.attributes ?? []) {
      if (!names.has(attribute))
        problems.push(
          `evaluation.attributes: "${attribute}" is not a sensitive attribute of the data set${didYouMean(attribute, [...names])}; its sensitive attributes are: ${[...names].join(', ')}`,
        );
    }
  }
  if (config.model.kind === 'import') problems.push(...(await importedModelProblems(config.model, dir, config)));
  if (problems.length > 0 || !dataset || !rubric) throw new CampaignFileError(file, problems);
  return { file: abs, config, configSha256: sha256(canonicalJson(config)), dataset, rubric };
}

/** One source's digest as the data set id takes it: its role and the sha256 of its decompressed bytes. */
function sourceDigest(source: LoadedDatasetSpec['spec']['sources'][number], bytes: Uint8Array) {
  return { role: source.role, contentSha256: sha256(maybeGunzip(bytes, sourceKey(source))) };
}

/**
 * The data set's content id, derived as prepareDataset derives it (core/data/hash.ts datasetIdOf over the spec hash
 * and every source's decompressed bytes): the id lineage.json records, known before anything is uploaded.
 */
export async function datasetIdOfCampaign(loaded: LoadedCampaign): Promise<string> {
  const { spec, baseDir } = loaded.dataset;
  if (spec.images !== undefined)
    return datasetIdOf(rawSha256(imageFolderDigests(spec, await imageFolderFiles(spec, baseDir))), specSha256(spec));
  const digests = [];
  for (const source of loaded.dataset.spec.sources)
    digests.push(sourceDigest(source, await readSource(source, loaded.dataset.baseDir)));
  return datasetIdOf(rawSha256(digests), specSha256(loaded.dataset.spec));
}

/**
 * `<name>-<first 12 hex digits of sha256(config hash, data set id)>`: the same file over the same data gives the same
 * campaign id (running it again attaches); fixing the data file gives a new one.
 */
export function campaignIdOf(loaded: LoadedCampaign, datasetId: string): string {
  if (!/^[0-9a-f]{64}$/.test(datasetId)) throw new Error(`campaignIdOf: "${datasetId}" is not a data set id`);
  return `${loaded.config.name}-${sha256(`fairshrink-campaign\u0000${loaded.configSha256}\u0000${datasetId}`).slice(0, 12)}`;
}

/** The campaign id of one seed's child in a multi-seed campaign: `<parent id>-seed-<seed>`. */
export const seedCampaignId = (parentId: string, seed: number): string => `${parentId}-seed-${seed}`;

/**
 * One single-seed campaign input per seed of a multi-seed campaign (docs/architecture.md#seeds), in the file's order:
 * each child's config is the file's with `seed` set and `seeds`/`seedRule` removed, hashed on its own, so its lineage
 * names the config that child ran; data set, rubric and model refs are shared.
 */
export function seedCampaignInputs(parent: CampaignInput): CampaignInput[] {
  const seeds = parent.config.seeds;
  if (seeds === undefined) throw new Error(`campaign ${parent.campaignId} has no seeds: it runs as one campaign`);
  return seeds.map((seed) => {
    const config = singleSeedConfig(parent.config, seed);
    return {
      ...parent,
      campaignId: seedCampaignId(parent.campaignId, seed),
      config,
      configSha256: sha256(canonicalJson(config)),
    };
  });
}

/** The parent workflow's input of a multi-seed campaign: the campaign's id, hash and prefix, its rule and its children. */
export function seedCampaignsInputOf(parent: CampaignInput): SeedCampaignsInput {
  return {
    campaignId: parent.campaignId,
    configSha256: parent.configSha256,
    prefix: parent.config.storage.prefix,
    rule: parent.config.seedRule ?? 'all',
    children: seedCampaignInputs(parent),
  };
}

function codeVersion(cwd: string): CampaignInput['code'] {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  const commit = git(['rev-parse', 'HEAD']);
  const status = commit === null ? null : git(['status', '--porcelain', '--untracked-files=no']);
  return { gitCommit: commit, gitDirty: status === null ? null : status.length > 0, lockfileSha256: null };
}

async function uploadContentAddressed(store: BlobStore, bytes: Uint8Array, contentType?: string) {
  return store.put(`datasets/sources/${sha256(bytes)}`, bytes, { contentType });
}

/** Upload what the campaign needs and build the workflow input. */
export async function prepareCampaignInput(
  loaded: LoadedCampaign,
  store: BlobStore,
  opts: { campaignId?: string; projectRoot: string },
): Promise<CampaignInput> {
  const { config, dataset } = loaded;
  const specBytes = new TextEncoder().encode(canonicalJson(dataset.spec));
  const datasetSpec = await uploadContentAddressed(store, specBytes, 'application/json');
  const datasetSources = [];
  const digests = [];
  for (const source of dataset.spec.sources) {
    const bytes = await readSource(source, dataset.baseDir);
    digests.push(sourceDigest(source, bytes));
    datasetSources.push({ path: sourceKey(source), ref: await uploadContentAddressed(store, bytes) });
  }
  if (dataset.spec.images !== undefined) {
    // An image folder is one source, keyed by its folder: the ref is the index naming the manifest and every image.
    const files = await imageFolderFiles(dataset.spec, dataset.baseDir);
    digests.push(...imageFolderDigests(dataset.spec, files));
    datasetSources.push({ path: dataset.spec.images.folder, ref: await uploadImageFolder(store, files) });
  }
  const datasetId = datasetIdOf(rawSha256(digests), specSha256(dataset.spec));
  let importedModel: CampaignInput['importedModel'];
  if (config.model.kind === 'import') {
    const modelFile = path.resolve(path.dirname(loaded.file), config.model.modelJson);
    const modelBytes = new Uint8Array(await readFile(modelFile));
    // loadCampaignFile checked this file; a change since then is caught here rather than uploaded.
    const manifest = SavedModelJson.safeParse(JSON.parse(new TextDecoder().decode(modelBytes)));
    if (!manifest.success) {
      throw new CampaignFileError(loaded.file, [
        `model.modelJson: ${config.model.modelJson} has no weightsManifest; export it with tfjs's model.save()`,
      ]);
    }
    const weightPaths = config.model.weights ?? manifest.data.weightsManifest.flatMap((group) => group.paths);
    const weights = [];
    for (const weightPath of weightPaths) {
      const bytes = new Uint8Array(await readFile(path.resolve(path.dirname(modelFile), weightPath)));
      weights.push({ path: weightPath, ref: await uploadContentAddressed(store, bytes) });
    }
    importedModel = { modelJson: await uploadContentAddressed(store, modelBytes, 'application/json'), weights };
  }
  const code = codeVersion(opts.projectRoot);
  try {
    code.lockfileSha256 = sha256(await readFile(path.join(opts.projectRoot, 'package-lock.json')));
  } catch {
    code.lockfileSha256 = null;
  }
  return {
    campaignId: opts.campaignId ?? campaignIdOf(loaded, datasetId),
    config,
    configSha256: loaded.configSha256,
    datasetSpec,
    datasetSources,
    importedModel,
    rubric: loaded.rubric,
    code,
  };
}
