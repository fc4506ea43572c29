// The tfjs LayersModel side shared by tfjs-standard and structured exports: writing model.json + one weight shard
// with a format marker in userDefinedMetadata, and loading them back through tfjs's own weight decoding
// (tf.io.fromMemory → decodeWeights, which dequantizes uint8/uint16/float16 manifests) after checking that the
// files are complete. Plain tfjs users load the same files with tf.loadLayersModel and ignore the marker.
import * as tf from '@tensorflow/tfjs';
import { saveModelToBytes } from '../model/io.ts';
import { concatBytes } from '../storage/bytes.ts';
import { ExportFormatError, fileNamed, type ExportFile, type ExportFormat } from './contract.ts';

export const MODEL_JSON = 'model.json';
export const SHARD = 'group1-shard1of1.bin';
/** Version of the marker fairshrink writes into model.json's userDefinedMetadata.fairshrinkExport. */
export const LAYERS_EXPORT_VERSION = 1;

const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2, bool: 1 };

/** model.json's manifest entry for one weight, as tfjs writes it (io.WeightsManifestEntry). */
export type WeightSpec = tf.io.WeightsManifestEntry;

/** Byte size of one weight in a shard, from its spec (quantized dtypes count their stored width). */
export function specBytes(spec: WeightSpec): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const width = BYTES_PER_VALUE[dtype];
  if (width === undefined) throw new Error(`weight ${spec.name}: dtype ${dtype} has no fixed width`);
  return spec.shape.reduce((a, b) => a * b, 1) * width;
}

/**
 * model.json (with the fairshrink marker) and one shard holding `weightData` (the chunks in `specs`' order, joined),
 * for a model's topology; without specs and data, the model's own float weights.
 */
export async function writeLayersModel(
  format: ExportFormat,
  model: tf.LayersModel,
  specs: WeightSpec[] | undefined,
  weightData: readonly Uint8Array[] | undefined,
): Promise<ExportFile[]> {
  const saved = await saveModelToBytes(model);
  const json = JSON.parse(new TextDecoder().decode(saved.modelJson)) as tf.io.ModelJSON;
  json.weightsManifest = [{ paths: [SHARD], weights: specs ?? json.weightsManifest[0]!.weights }];
  json.userDefinedMetadata = { fairshrinkExport: { format, version: LAYERS_EXPORT_VERSION } };
  return [
    { name: MODEL_JSON, bytes: new TextEncoder().encode(JSON.stringify(json)) },
    { name: SHARD, bytes: weightData === undefined ? saved.weightsBin : concatBytes(weightData) },
  ];
}

/** Loads model.json + shard through tfjs, refusing incomplete or foreign files with an ExportFormatError. */
export async function loadLayersExport(format: ExportFormat, files: readonly ExportFile[]): Promise<tf.LayersModel> {
  const fail = (reason: ConstructorParameters<typeof ExportFormatError>[1], message: string) =>
    new ExportFormatError(format, reason, message);
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(fileNamed(format, files, MODEL_JSON)),
    ) as tf.io.ModelJSON;
  } catch (err) {
    if (err instanceof ExportFormatError) throw err;
    throw fail('malformed', `model.json is not valid JSON (${(err as Error).message})`);
  }
  const marker = (
    json.userDefinedMetadata as { fairshrinkExport?: { format?: unknown; version?: unknown } } | undefined
  )?.fairshrinkExport;
  if (json === null || typeof json !== 'object' || json.format !== 'layers-model' || marker?.format !== format)
    throw fail(
      'bad-magic',
      `model.json is not a fairshrink ${format} export (no userDefinedMetadata.fairshrinkExport marker for it)`,
    );
  if (marker.version !== LAYERS_EXPORT_VERSION)
    throw fail(
      'unsupported-version',
      `export version ${String(marker.version)} is not supported (this fairshrink reads version ${LAYERS_EXPORT_VERSION})`,
    );
  const groups = Array.isArray(json.weightsManifest) ? json.weightsManifest : [];
  const specs = groups.flatMap((g) => g.weights);
  const shards = groups.flatMap((g) => g.paths).map((p) => fileNamed(format, files, p));
  const stored = shards.reduce((n, s) => n + s.length, 0);
  let expected: number;
  try {
    expected = specs.reduce((n, s) => n + specBytes(s), 0);
  } catch (err) {
    throw fail('malformed', (err as Error).message);
  }
  if (stored < expected)
    throw fail('truncated', `the weight shards hold ${stored} bytes, the manifest needs ${expected}`);
  if (stored > expected)
    throw fail('trailing-bytes', `the weight shards hold ${stored} bytes, the manifest needs ${expected}`);
  const weightData = new Uint8Array(stored);
  let offset = 0;
  for (const s of shards) {
    weightData.set(s, offset);
    offset += s.length;
  }
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: weightData.buffer }),
    );
  } catch (err) {
    throw fail('malformed', `tfjs cannot load it: ${(err as Error).message}`);
  }
}
