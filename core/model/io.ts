// Save and load models in the standard tfjs LayersModel format (model.json + weights.bin), as
// bytes through a custom tf.io handler (no filesystem assumption, ready for S3) or to a directory.
// Imports of user models are validated before tfjs sees them, so a bad file gets a clear error.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describeInputRow, inputRowShape } from './input-shape.ts';
import { normaliseKerasTopology, unsupportedLayersProblem } from './layers.ts';
import { concatBytes } from '../storage/bytes.ts';

export const MODEL_JSON_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

/** A model in tfjs LayersModel format as bytes: `modelJson` is UTF-8 model.json whose manifest names one file, `weights.bin`. */
export interface ModelArtifactsBytes {
  modelJson: Uint8Array;
  weightsBin: Uint8Array;
}

/** The input of importLayersModel: model.json (bytes, text or parsed) and the weight files its manifest names. */
export interface LayersModelFiles {
  modelJson: Uint8Array | string | unknown;
  /** One buffer (when the manifest names a single file) or a map from manifest path to bytes. */
  weights: Uint8Array | Record<string, Uint8Array>;
  /** Where the files came from, for error messages (e.g. a directory or URI). */
  source?: string;
}

export interface ImportOptions {
  /** Require a binary classifier: one output unit [batch, 1] (default true). */
  requireBinaryClassifier?: boolean;
  /** When set, one input row must hold exactly this many values (features; height × width × channels for images). */
  inputDim?: number;
}

/** Serialises `model` into model.json + weights.bin bytes. Deterministic for a given architecture and weights. */
export async function saveModelToBytes(model: tf.LayersModel): Promise<ModelArtifactsBytes> {
  let captured: ModelArtifactsBytes | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightsBin =
        artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: withSeparableDepthMultipliers(
          artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
          model,
        ),
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata !== undefined) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      captured = {
        modelJson: new TextEncoder().encode(JSON.stringify(modelJson)),
        weightsBin: new Uint8Array(weightsBin),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  if (captured === undefined) throw new Error('saveModelToBytes: tfjs did not call the save handler');
  return captured;
}

/**
 * tfjs 4.22's SeparableConv getConfig leaves out `depthMultiplier`, so a saved SeparableConv2D with a multiplier
 * other than 1 would reload with 1 and refuse its own weights. Writes it back into the saved topology (as Keras does).
 */
function withSeparableDepthMultipliers(
  topology: tf.io.ModelJSON['modelTopology'],
  model: tf.LayersModel,
): tf.io.ModelJSON['modelTopology'] {
  const layers = (topology as { config?: { layers?: unknown } } | null)?.config?.layers;
  if (!Array.isArray(layers)) return topology;
  for (const entry of layers as { class_name?: string; config?: Record<string, unknown> }[]) {
    if (entry.class_name !== 'SeparableConv2D' || entry.config === undefined) continue;
    const layer = model.getLayer(entry.config.name as string) as unknown as { depthMultiplier: number };
    entry.config.depth_multiplier = layer.depthMultiplier;
  }
  return topology;
}

/** Loads a model saved by saveModelToBytes (or any single-file tfjs LayersModel). */
export async function loadModelFromBytes(
  bytes: ModelArtifactsBytes,
  options: ImportOptions = {},
): Promise<tf.LayersModel> {
  return importLayersModel(
    { modelJson: bytes.modelJson, weights: bytes.weightsBin },
    { requireBinaryClassifier: false, ...options },
  );
}

/** Writes `<dir>/model.json` and `<dir>/weights.bin` (creating `dir`). */
export async function saveModelToDir(model: tf.LayersModel, dir: string): Promise<ModelArtifactsBytes> {
  const bytes = await saveModelToBytes(model);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, MODEL_JSON_FILE), bytes.modelJson);
  await writeFile(join(dir, WEIGHTS_FILE), bytes.weightsBin);
  return bytes;
}

/** Loads `<dir>/model.json` and the weight files its manifest names (relative to `dir`). */
export async function loadModelFromDir(dir: string, options: ImportOptions = {}): Promise<tf.LayersModel> {
  const jsonPath = join(dir, MODEL_JSON_FILE);
  let jsonBytes: Uint8Array;
  try {
    jsonBytes = await readFile(jsonPath);
  } catch (err) {
    throw new Error(`loadModelFromDir: cannot read ${jsonPath}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = parseModelJson(jsonBytes, jsonPath);
  const weights: Record<string, Uint8Array> = {};
  for (const group of parsed.weightsManifest) {
    for (const path of group.paths) {
      const file = join(dir, path);
      try {
        weights[path] = await readFile(file);
      } catch (err) {
        throw new Error(
          `loadModelFromDir: ${jsonPath} names weight file '${path}' but ${file} cannot be read: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
  }
  return importLayersModel({ modelJson: parsed, weights, source: dir }, options);
}

interface ParsedModelJson {
  modelTopology: object;
  format?: string;
  weightsManifest: tf.io.WeightsManifestConfig;
  raw: tf.io.ModelJSON;
}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
  string: Number.NaN,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseModelJson(input: unknown, source: string): ParsedModelJson {
  let json: unknown = input;
  if (input instanceof Uint8Array || typeof input === 'string') {
    const text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: false }).decode(input);
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new Error(
        `${source}: model.json is not valid JSON (${err instanceof Error ? err.message : String(err)}). Pass the model.json written by tfjs (model.save or tfjs-converter).`,
      );
    }
  }
  if (!isRecord(json)) throw new Error(`${source}: model.json must be a JSON object`);
  if (json.format === 'graph-model') {
    throw new Error(
      `${source}: model.json is a tfjs graph model (format 'graph-model'); fairshrink needs a LayersModel. Convert with tensorflowjs_converter --output_format=tfjs_layers_model.`,
    );
  }
  if (!isRecord(json.modelTopology))
    throw new Error(`${source}: model.json has no 'modelTopology' object; it is not a tfjs LayersModel file.`);
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) {
    throw new Error(
      `${source}: model.json has no 'weightsManifest' array, so its weights cannot be located. Save the model with model.save() so the manifest is written.`,
    );
  }
  manifest.forEach((group: unknown, g) => {
    if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new Error(`${source}: weightsManifest[${g}] must have 'paths' and 'weights' arrays`);
    }
    group.weights.forEach((w: unknown, i) => {
      if (!isRecord(w) || typeof w.name !== 'string' || !Array.isArray(w.shape) || typeof w.dtype !== 'string') {
        throw new Error(`${source}: weightsManifest[${g}].weights[${i}] must have 'name', 'shape' and 'dtype'`);
      }
    });
  });
  return {
    modelTopology: json.modelTopology,
    format: typeof json.format === 'string' ? json.format : undefined,
    weightsManifest: manifest as tf.io.WeightsManifestConfig,
    raw: json as unknown as tf.io.ModelJSON,
  };
}

function expectedBytes(spec: tf.io.WeightsManifestEntry): number {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const per = DTYPE_BYTES[dtype];
  if (per === undefined || Number.isNaN(per)) throw new Error(`weight '${spec.name}' has unsupported dtype '${dtype}'`);
  return size * per;
}

/**
 * Imports a user's tfjs LayersModel (saved by tfjs, or converted from Keras by tensorflowjs_converter). Throws a clear
 * error when model.json is not JSON, is a graph model, lacks a weights manifest, has a layer outside
 * SUPPORTED_LAYER_CLASSES (layers.ts), when the weight bytes do not add up to the manifest, when the weights do not fit
 * the topology (shape mismatch), or when the model does not take one input [batch, ...known dimensions].
 */
export async function importLayersModel(files: LayersModelFiles, options: ImportOptions = {}): Promise<tf.LayersModel> {
  const source = files.source ?? 'model';
  const parsed = parseModelJson(files.modelJson, source);
  const unsupported = unsupportedLayersProblem(parsed.modelTopology as Record<string, unknown>);
  if (unsupported !== undefined) throw new Error(`${source}: ${unsupported}`);
  const paths = parsed.weightsManifest.flatMap((group) => group.paths);
  const buffers: Uint8Array[] = [];
  if (files.weights instanceof Uint8Array) {
    if (paths.length > 1) {
      throw new Error(
        `${source}: the weights manifest names ${paths.length} files (${paths.join(', ')}); pass them as a map from path to bytes`,
      );
    }
    buffers.push(files.weights);
  } else {
    for (const path of paths) {
      const bytes = files.weights[path];
      if (bytes === undefined)
        throw new Error(`${source}: weight file '${path}' named in the manifest was not provided`);
      buffers.push(bytes);
    }
  }
  const weightSpecs = parsed.weightsManifest.flatMap((group) => group.weights);
  const needed = weightSpecs.reduce((n, spec) => n + expectedBytes(spec), 0);
  const given = buffers.reduce((n, b) => n + b.byteLength, 0);
  if (needed !== given) {
    throw new Error(
      `${source}: the manifest describes ${weightSpecs.length} weights totalling ${needed} bytes but the weight files hold ${given} bytes; the weights do not belong to this model.json.`,
    );
  }
  const weightData = concatBytes(buffers);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: normaliseKerasTopology(parsed.modelTopology as Record<string, unknown>),
    weightSpecs,
    weightData: weightData.buffer,
    format: parsed.format,
    ...(parsed.raw.trainingConfig ? { trainingConfig: parsed.raw.trainingConfig } : {}),
  };
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    throw new Error(
      `${source}: tfjs could not build the model from model.json and its weights: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const rowShape = inputRowShape(model);
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || rowShape === undefined) {
    model.dispose();
    throw new Error(
      `${source}: the model must take one input [batch, ...] whose other dimensions are all known (e.g. [batch, features] or [batch, height, width, channels]) and give one output; ` +
        `got inputs ${model.inputs.map((i) => `[${i.shape.map(String).join(', ')}]`).join(', ')} and ${model.outputs.length} output(s)`,
    );
  }
  const rowSize = rowShape.reduce((a, b) => a * b, 1);
  if (options.inputDim !== undefined && rowSize !== options.inputDim) {
    model.dispose();
    throw new Error(
      `${source}: the model expects ${describeInputRow(rowShape)} but the data set has ${options.inputDim}`,
    );
  }
  if (options.requireBinaryClassifier ?? true) {
    const out = model.outputs;
    if (out.length !== 1 || out[0]!.shape.length !== 2 || out[0]!.shape[1] !== 1) {
      model.dispose();
      throw new Error(
        `${source}: fairshrink needs a binary classifier with one sigmoid output unit; the model outputs ${out.map((o) => `[${o.shape.join(', ')}]`).join(', ')}`,
      );
    }
  }
  return model;
}
