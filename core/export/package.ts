// An export package as a user holds it: a format's folder (or its model.fss8 / model.json), or the export step's
// folder with sizes.json and one folder per format, on disk or in S3 under <prefix>/<campaignId>/export/. Read here,
// then checked by the product's own loaders (loadExport) and summarised for `fairshrink export verify | inspect`.
// Every refusal is an ExportPackageError naming the file and the fix; nothing damaged is ever reported as good.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type * as tf from '@tensorflow/tfjs';
import { isDenseChain, readDenseLayers } from '../compression/model-adapter.ts';
import { kernelChannels } from '../compression/quantize.ts';
import { isPrunable, type DenseActivation, type NamedWeight } from '../compression/weights.ts';
import { getWeightValues } from '../model/weights.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import {
  ExportFormatError,
  EXPORT_FORMATS,
  type ExportErrorReason,
  type ExportFile,
  type ExportFormat,
} from './contract.ts';
import { loadExport, storedSize } from './index.ts';
import { LAYERS_EXPORT_VERSION, MODEL_JSON } from './layers-model.ts';
import { SPARSE_INT8_FILE, SPARSE_INT8_MAGIC, SPARSE_INT8_VERSION } from './sparse-int8.ts';

export const SIZES_FILE = 'sizes.json';

/** What a package is refused for: the loaders' reasons, plus a path that holds no export at all. */
export type ExportPackageProblem = ExportErrorReason | 'not-an-export';

/** One line each: what to do about a refused package. */
const FIXES: Record<ExportPackageProblem, string> = {
  'bad-magic':
    'give a fairshrink export: a model.fss8, a folder with the model.json + shard the export step wrote, or the export folder with sizes.json',
  'not-an-export':
    'give a fairshrink export: a model.fss8, a folder with the model.json + shard the export step wrote, or the export folder with sizes.json',
  'unsupported-version':
    're-export the campaign with this fairshrink, or inspect the file with the version that wrote it',
  truncated:
    'the file was cut short (an interrupted copy or download): copy it again from <prefix>/<campaignId>/export/',
  'trailing-bytes': 'bytes were appended to the file: copy it again from <prefix>/<campaignId>/export/',
  'checksum-mismatch':
    'the bytes changed after the export was written: copy the file again from <prefix>/<campaignId>/export/',
  malformed: 'the file is damaged or was not written by fairshrink: copy it again from <prefix>/<campaignId>/export/',
  'missing-file': 'copy every file of the format folder (for tfjs formats: model.json and its weight shards)',
  'unsupported-model':
    'sparse-int8 holds Dense MLPs only; export a model with convolution, BatchNormalization or embedding layers as tfjs-standard or structured',
};

/** A package that cannot be verified: which file, what is wrong, and the fix. The CLI exits 2 on it. */
export class ExportPackageError extends Error {
  override name = 'ExportPackageError';
  readonly fix: string;
  constructor(
    readonly problem: ExportPackageProblem,
    /** The file (or folder) at fault, as the user named it or as an s3:// URI. */
    readonly file: string,
    detail: string,
    fix: string = FIXES[problem],
  ) {
    super(`${file}: ${detail}`);
    this.fix = fix;
  }
}

/** One format's files, read but not yet checked. */
export interface ExportPackage {
  format: ExportFormat;
  /** The folder (or s3:// prefix) the files came from. */
  location: string;
  files: (ExportFile & { location: string })[];
  /** sha256 and size of every file by name, from sizes.json, when the package came with one. */
  expected?: ReadonlyMap<string, { sha256: string; bytes: number }>;
}

/** The part of sizes.json (core/campaign export step) that names each format's files and their sha256. */
const SizesFile = z.object({
  format: z.literal('fairshrink.export-sizes'),
  version: z.literal(1),
  shipped: z.enum(EXPORT_FORMATS),
  formats: z
    .array(
      z.object({
        format: z.enum(EXPORT_FORMATS),
        files: z
          .array(
            z.object({
              name: z.string().min(1),
              ref: z.object({
                uri: z.string(),
                sha256: z.string().regex(/^[0-9a-f]{64}$/),
                bytes: z.number().int().nonnegative(),
              }),
            }),
          )
          .min(1),
      }),
    )
    .min(1),
});
type SizesFile = z.infer<typeof SizesFile>;

function parseSizes(bytes: Uint8Array, location: string): SizesFile {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new ExportPackageError('malformed', location, `not valid JSON (${(err as Error).message})`);
  }
  const parsed = SizesFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    const problem =
      (json as { format?: unknown } | null)?.format === 'fairshrink.export-sizes' ? 'malformed' : 'bad-magic';
    const version = (json as { version?: unknown } | null)?.version;
    if (problem === 'malformed' && field === 'version')
      throw new ExportPackageError(
        'unsupported-version',
        location,
        `field version is ${JSON.stringify(version)}; this fairshrink reads sizes.json version 1`,
      );
    throw new ExportPackageError(problem, location, `field ${field}: ${issue.message} (not a fairshrink sizes.json)`);
  }
  return parsed.data;
}

const expectedOf = (entry: SizesFile['formats'][number]) =>
  new Map(entry.files.map((f) => [f.name, { sha256: f.ref.sha256, bytes: f.ref.bytes }]));

async function readLocal(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ExportPackageError(
      'missing-file',
      file,
      code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (err as Error).message})`,
    );
  }
}

const isFss8 = (bytes: Uint8Array) => SPARSE_INT8_MAGIC.every((b, i) => bytes[i] === b);

/** The format a model.json declares in its fairshrink marker (the loader checks the rest). */
function layersFormatOf(bytes: Uint8Array, location: string): ExportFormat {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new ExportPackageError('malformed', location, `not valid JSON (${(err as Error).message})`);
  }
  const marker = (json as { userDefinedMetadata?: { fairshrinkExport?: { format?: unknown } } } | null)
    ?.userDefinedMetadata?.fairshrinkExport;
  const format = EXPORT_FORMATS.find((f) => f !== 'sparse-int8' && f === marker?.format);
  if (format === undefined)
    throw new ExportPackageError(
      'bad-magic',
      location,
      `field userDefinedMetadata.fairshrinkExport.format is ${JSON.stringify(marker?.format)}, not tfjs-standard or structured: not a fairshrink export`,
    );
  return format;
}

/** model.json and the shards its weightsManifest names, from one folder. */
async function readLayersFolder(folder: string, modelJson: Uint8Array, format: ExportFormat): Promise<ExportPackage> {
  const manifest = (JSON.parse(new TextDecoder().decode(modelJson)) as { weightsManifest?: unknown }).weightsManifest;
  const shardNames = Array.isArray(manifest)
    ? manifest.flatMap((g: { paths?: unknown }) => (Array.isArray(g?.paths) ? g.paths : []))
    : [];
  const files: ExportPackage['files'] = [
    { name: MODEL_JSON, bytes: modelJson, location: path.join(folder, MODEL_JSON) },
  ];
  for (const name of shardNames) {
    if (typeof name !== 'string' || name === '' || name.includes('/') || name.includes('\\') || name.startsWith('.'))
      throw new ExportPackageError(
        'malformed',
        path.join(folder, MODEL_JSON),
        `field weightsManifest[].paths holds ${JSON.stringify(name)}, not a file name in the same folder`,
      );
    const location = path.join(folder, name);
    files.push({ name, bytes: await readLocal(location), location });
  }
  return { format, location: folder, files };
}

/** One format's folder (or its main file) as a package; `expected` when a sizes.json lists it. */
async function readFormatFolder(folder: string, expected?: ExportPackage['expected']): Promise<ExportPackage> {
  const names = await readdir(folder).catch(() => [] as string[]);
  let pkg: ExportPackage;
  if (names.includes(SPARSE_INT8_FILE)) {
    const location = path.join(folder, SPARSE_INT8_FILE);
    pkg = {
      format: 'sparse-int8',
      location: folder,
      files: [{ name: SPARSE_INT8_FILE, bytes: await readLocal(location), location }],
    };
  } else if (names.includes(MODEL_JSON)) {
    const location = path.join(folder, MODEL_JSON);
    const bytes = await readLocal(location);
    pkg = await readLayersFolder(folder, bytes, layersFormatOf(bytes, location));
  } else
    throw new ExportPackageError(
      'not-an-export',
      folder,
      `holds no ${SPARSE_INT8_FILE}, ${MODEL_JSON} or ${SIZES_FILE} (found: ${names.slice(0, 8).join(', ') || 'nothing'})`,
    );
  return expected === undefined ? pkg : { ...pkg, expected };
}

/** The export step's folder: every format that sizes.json lists, each checked against its sha256 there. */
async function readExportFolder(folder: string): Promise<ExportPackage[]> {
  const sizesPath = path.join(folder, SIZES_FILE);
  const sizes = parseSizes(await readLocal(sizesPath), sizesPath);
  const packages: ExportPackage[] = [];
  for (const entry of sizes.formats) {
    const formatFolder = path.join(folder, entry.format);
    const pkg = await readFormatFolder(formatFolder, expectedOf(entry));
    if (pkg.format !== entry.format)
      throw new ExportPackageError(
        'malformed',
        formatFolder,
        `sizes.json lists ${entry.format}, the folder holds ${pkg.format}`,
      );
    packages.push(pkg);
  }
  return packages;
}

/** sizes.json one folder up, when it lists `format`: the sha256 of every file, written by the export step. */
async function expectedFromParent(folder: string, format: ExportFormat): Promise<ExportPackage['expected']> {
  const sizesPath = path.join(path.dirname(folder), SIZES_FILE);
  const bytes = await readFile(sizesPath).catch(() => undefined);
  if (bytes === undefined) return undefined;
  const entry = parseSizes(new Uint8Array(bytes), sizesPath).formats.find((f) => f.format === format);
  return entry === undefined ? undefined : expectedOf(entry);
}

/**
 * Reads the export package(s) at a local path: the export folder (sizes.json + one folder per format), one format's
 * folder, a model.fss8 file or a model.json file. Refuses a path that holds none of these.
 */
export async function readExportPackages(target: string): Promise<ExportPackage[]> {
  const info = await stat(target).catch((err: NodeJS.ErrnoException) => {
    throw new ExportPackageError(
      'missing-file',
      target,
      err.code === 'ENOENT' ? 'no such file or folder' : `cannot be read (${err.code})`,
      'check the path: give the export folder (with sizes.json), one format folder, a model.fss8 or a model.json',
    );
  });
  if (info.isDirectory()) {
    const names = await readdir(target).catch(() => [] as string[]);
    if (names.includes(SIZES_FILE)) return readExportFolder(target);
    const pkg = await readFormatFolder(target);
    return [{ ...pkg, ...optional(await expectedFromParent(target, pkg.format)) }];
  }
  const bytes = await readLocal(target);
  const folder = path.dirname(target);
  const base = path.basename(target);
  if (base === SIZES_FILE) return readExportFolder(folder);
  let pkg: ExportPackage;
  if (isFss8(bytes) || base.endsWith('.fss8'))
    pkg = { format: 'sparse-int8', location: folder, files: [{ name: SPARSE_INT8_FILE, bytes, location: target }] };
  else if (base.endsWith('.json') || bytes[0] === 0x7b /* { */) {
    const format = layersFormatOf(bytes, target);
    pkg = await readLayersFolder(folder, bytes, format);
    pkg.files[0]!.location = target;
  } else
    throw new ExportPackageError(
      'not-an-export',
      target,
      `starts with neither "FSS8" (sparse-int8) nor a JSON object (tfjs model.json)`,
    );
  return [{ ...pkg, ...optional(await expectedFromParent(folder, pkg.format)) }];
}

const optional = (expected: ExportPackage['expected']) => (expected === undefined ? {} : { expected });

/**
 * A campaign's export from S3: `<prefix>/<campaignId>/export/sizes.json` and the files it lists. Every read checks
 * the sha256 sizes.json gives (the store refuses other bytes); a mismatch is a checksum-mismatch refusal.
 */
export async function readStoredExportPackages(
  store: BlobStore,
  prefix: string,
  campaignId: string,
): Promise<ExportPackage[]> {
  const key = `${prefix}/${campaignId}/export/${SIZES_FILE}`;
  const uri = store.uriOf(key);
  const fetched = async <T>(location: string, read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'ArtifactIntegrityError')
        throw new ExportPackageError('checksum-mismatch', location, (err as Error).message);
      if (name === 'ArtifactNotFoundError' || /no object at/.test((err as Error).message))
        throw new ExportPackageError('missing-file', location, 'no such object');
      throw err;
    }
  };
  let sizesBytes: Uint8Array;
  try {
    sizesBytes = (await fetched(uri, () => store.getByKey(key))).bytes;
  } catch (err) {
    if (!(err instanceof ExportPackageError) || err.problem !== 'missing-file') throw err;
    throw new ExportPackageError(
      'not-an-export',
      uri,
      `campaign ${campaignId} has no export (no such object)`,
      'check the id with `fairshrink list` and --prefix if the campaign sets storage.prefix; a campaign has an export once its export step ran',
    );
  }
  const sizes = parseSizes(sizesBytes, uri);
  const packages: ExportPackage[] = [];
  for (const entry of sizes.formats) {
    const files: ExportPackage['files'] = [];
    for (const f of entry.files)
      files.push({ name: f.name, bytes: await fetched(f.ref.uri, () => store.get(f.ref)), location: f.ref.uri });
    packages.push({
      format: entry.format,
      location: store.uriOf(`${prefix}/${campaignId}/export/${entry.format}`),
      files,
      expected: expectedOf(entry),
    });
  }
  return packages;
}

export interface InspectedLayer {
  name: string;
  /** Fan-in of one output channel (Dense: inputs; a conv kernel [kh, kw, in, out]: kh·kw·in). */
  inputs: number;
  /** Output units or channels (kernelChannels). */
  units: number;
  /** The layer's activation as its config names it ('linear' when it has none). */
  activation: DenseActivation | string;
  bias: boolean;
  /** Kernel weights (inputs × units). */
  weights: number;
  nonzeros: number;
  /** Zero kernel weights / kernel weights. */
  sparsity: number;
}

/** What `export verify | inspect` reports for one package that passed every check. */
export interface ExportInspection {
  format: ExportFormat;
  location: string;
  version: number;
  files: { name: string; location: string; bytes: number; gzipBytes: number; sha256: string }[];
  /** Bytes on disk and gzip bytes (level 9, each file on its own), as sizes.json counts them. */
  bytes: number;
  gzipBytes: number;
  /** What the sha256 was checked against: the sparse-int8 header, sizes.json, or nothing (said so, not hidden). */
  checksums: ('header' | 'sizes.json')[];
  layers: InspectedLayer[];
  /** Kernel and bias values the loaded model holds. */
  parameters: number;
  nonzeros: number;
  /** Zero kernel weights / all kernel weights (biases are never pruned). */
  sparsity: number;
  activationRanges: boolean;
}

/** One kernel of a loaded model with its layer's bias and other weights (BatchNormalization parameters...). */
interface KernelLayer {
  name: string;
  inputs: number;
  units: number;
  activation: string;
  kernel: Float32Array;
  bias: Float32Array | undefined;
  others: NamedWeight[];
}

/**
 * Dense MLPs: their Dense layers as before; any other model: one entry per kernel (rank ≥ 2; a SeparableConv2D has
 * two, named layer/depthwise_kernel and layer/pointwise_kernel), with rank-1 weights that are not a bias under `others`.
 */
function kernelLayers(model: tf.LayersModel): KernelLayer[] {
  if (isDenseChain(model))
    return readDenseLayers(model).map((l) => ({
      name: l.kernelName.split('/')[0]!,
      inputs: l.inputs,
      units: l.units,
      activation: l.activation,
      kernel: l.kernel,
      bias: l.bias,
      others: [],
    }));
  const weights = getWeightValues(model);
  const out: KernelLayer[] = [];
  for (const layer of model.layers) {
    const own = weights.filter((w) => w.name.startsWith(`${layer.name}/`));
    const kernels = own.filter(isPrunable);
    const bias = own.find((w) => w.name === `${layer.name}/bias`);
    const activation = (layer.getConfig() as { activation?: unknown }).activation;
    const rest = own.filter((w) => !isPrunable(w) && w !== bias);
    if (kernels.length === 0) {
      if (rest.length > 0)
        out.push({
          name: layer.name,
          inputs: 0,
          units: 0,
          activation: 'linear',
          kernel: new Float32Array(0),
          bias: undefined,
          others: rest,
        });
      continue;
    }
    kernels.forEach((k, i) => {
      const units = kernelChannels(k);
      out.push({
        name: kernels.length === 1 ? layer.name : k.name,
        inputs: k.values.length / units,
        units,
        activation: typeof activation === 'string' ? activation : 'linear',
        kernel: k.values,
        bias: i === kernels.length - 1 ? bias?.values : undefined,
        others: i === 0 ? rest : [],
      });
    });
  }
  return out;
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Checks a package as the product loads it: sha256 and size against sizes.json (when given), then the format's
 * loader (header, version, sha256 of sparse-int8 content, lengths, shapes), then every loaded weight is finite.
 * The loaded model is disposed. Throws ExportPackageError naming the file at fault.
 */
export async function inspectExportPackage(pkg: ExportPackage): Promise<ExportInspection> {
  const files = pkg.files.map((f) => ({ ...f, sha256: sha256Hex(f.bytes) }));
  if (pkg.expected !== undefined) {
    for (const [name, want] of pkg.expected) {
      const file = files.find((f) => f.name === name);
      if (file === undefined)
        throw new ExportPackageError(
          'missing-file',
          path.join(pkg.location, name),
          'sizes.json lists it, but it is not there',
        );
      if (file.bytes.length !== want.bytes)
        throw new ExportPackageError(
          file.bytes.length < want.bytes ? 'truncated' : 'trailing-bytes',
          file.location,
          `${file.bytes.length} bytes, sizes.json says ${want.bytes}`,
        );
      if (file.sha256 !== want.sha256)
        throw new ExportPackageError(
          'checksum-mismatch',
          file.location,
          `sha256 ${file.sha256} does not match sizes.json (${want.sha256}): the file is corrupted`,
        );
    }
  }
  let loaded;
  try {
    loaded = await loadExport(pkg.format, files);
  } catch (err) {
    if (!(err instanceof ExportFormatError)) throw err;
    // The loader names the field; the file is the package's only file, or the one its message names.
    const named = files.find((f) => err.message.includes(f.name)) ?? files[0]!;
    throw new ExportPackageError(err.reason, files.length === 1 ? files[0]!.location : named.location, err.message);
  }
  try {
    const layers: InspectedLayer[] = [];
    let parameters = 0;
    for (const layer of kernelLayers(loaded.model)) {
      let nonzeros = 0;
      for (const [what, values] of [
        ['kernel', layer.kernel],
        ['bias', layer.bias ?? new Float32Array(0)],
        ...layer.others.map((w) => [w.name, w.values] as const),
      ] as const)
        for (let k = 0; k < values.length; k++) {
          if (!Number.isFinite(values[k]!))
            throw new ExportPackageError(
              'malformed',
              files[files.length - 1]!.location,
              `layer ${layer.name}: ${what} value ${k} is ${values[k]}, not a finite number`,
            );
          if (what === 'kernel' && values[k] !== 0) nonzeros++;
        }
      const weights = layer.inputs * layer.units;
      parameters += weights + (layer.bias?.length ?? 0) + layer.others.reduce((n, w) => n + w.values.length, 0);
      layers.push({
        name: layer.name,
        inputs: layer.inputs,
        units: layer.units,
        activation: layer.activation,
        bias: layer.bias !== undefined,
        weights,
        nonzeros,
        sparsity: weights === 0 ? 0 : 1 - nonzeros / weights,
      });
    }
    const size = storedSize(files);
    const weights = layers.reduce((n, l) => n + l.weights, 0);
    const nonzeros = layers.reduce((n, l) => n + l.nonzeros, 0);
    return {
      format: pkg.format,
      location: pkg.location,
      version: pkg.format === 'sparse-int8' ? SPARSE_INT8_VERSION : LAYERS_EXPORT_VERSION,
      files: files.map((f) => ({ name: f.name, location: f.location, ...storedSize([f]), sha256: f.sha256 })),
      ...size,
      checksums: [
        ...(pkg.format === 'sparse-int8' ? (['header'] as const) : []),
        ...(pkg.expected ? (['sizes.json'] as const) : []),
      ],
      layers,
      parameters,
      nonzeros,
      sparsity: weights === 0 ? 0 : 1 - nonzeros / weights,
      activationRanges: loaded.activationRanges !== undefined,
    };
  } finally {
    loaded.model.dispose();
  }
}
