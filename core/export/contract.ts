// The shared round-trip contract of the export formats: what an exporter takes (ExportSource: a plain chain of
// Dense layers, plus the int8 codes when the model was quantized), what it writes (named files), and what a loader
// gives back (a tfjs LayersModel, plus activation ranges when the model fake-quantizes its layer inputs).
// Every loader refuses a damaged file with an ExportFormatError instead of loading it.
import type * as tf from '@tensorflow/tfjs';
import type { ActivationRange, PerChannelInt8 } from '../compression/quantize.ts';
import type { DenseLayerWeights } from '../compression/weights.ts';

export const EXPORT_FORMATS = ['sparse-int8', 'tfjs-standard', 'structured'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The model to export: its Dense layers as stored in the checkpoint, in order. */
export interface ExportSource {
  layers: DenseLayerWeights[];
  /** Per-channel int8 codes by kernel name (core/compression quantize), when the checkpoint was quantized to int8. */
  int8?: ReadonlyMap<string, PerChannelInt8>;
  /** Fake-quant activation ranges (one per layer input), when the campaign quantized activations. */
  activationRanges?: readonly ActivationRange[];
}

export interface ExportFile {
  /** File name inside the format's folder, e.g. "model.json". */
  name: string;
  bytes: Uint8Array;
}

export interface ExportedModel {
  format: ExportFormat;
  files: ExportFile[];
}

export interface LoadedModel {
  model: tf.LayersModel;
  /** Present when predictions must fake-quantize layer inputs (core/compression forwardFakeQuant). */
  activationRanges?: ActivationRange[];
}

export type ExportErrorReason =
  | 'bad-magic'
  | 'unsupported-version'
  | 'truncated'
  | 'trailing-bytes'
  | 'checksum-mismatch'
  | 'malformed'
  | 'missing-file'
  | 'unsupported-model';

/** A file that is not a valid export of its format: refused, never loaded (the CLI exits 2 on it). */
export class ExportFormatError extends Error {
  override name = 'ExportFormatError';
  constructor(
    readonly format: ExportFormat,
    readonly reason: ExportErrorReason,
    message: string,
  ) {
    super(`${format} export: ${message}`);
  }
}

/** Files by name, for loaders: a missing one is an ExportFormatError. */
export function fileNamed(format: ExportFormat, files: readonly ExportFile[], name: string): Uint8Array {
  const file = files.find((f) => f.name === name);
  if (file === undefined)
    throw new ExportFormatError(
      format,
      'missing-file',
      `the export has no file "${name}" (got: ${files.map((f) => f.name).join(', ') || 'none'})`,
    );
  return file.bytes;
}

/** The layer name of a Dense kernel weight ("dense_0/kernel" → "dense_0"). */
export function layerNameOf(kernelName: string): string {
  const slash = kernelName.lastIndexOf('/');
  return slash < 0 ? kernelName : kernelName.slice(0, slash);
}
