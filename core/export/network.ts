// Exports of models that are not Dense MLPs (convolutional, depthwise, separable, embedding, BatchNormalization,
// pooling layers): the tfjs LayersModel formats carry any topology tfjs builds, so such a model ships as its own
// topology with (a) tfjs's per-tensor uint8 weight quantization (tfjs-standard) or (b) float32 weights with the
// channels that feed nothing removed (structured). sparse-int8's layer records describe Dense kernels [inputs, units]
// only, so it refuses these models and names the formats that work. Loading is the same as for Dense exports
// (layers-model.ts), so `export verify`, the final gate, promote and monitor read them unchanged.
import type * as tf from '@tensorflow/tfjs';
import { nonDenseClasses } from '../compression/model-adapter.ts';
import { shrinkDeadChannels } from '../compression/structured-network.ts';
import { isPrunable } from '../compression/weights.ts';
import { getWeightValues } from '../model/weights.ts';
import { ExportFormatError, type ExportedModel, type ExportFormat } from './contract.ts';
import { writeLayersModel, type WeightSpec } from './layers-model.ts';
import { quantizeAffine } from './tfjs-standard.ts';

/** A model with layers other than Dense, as the checkpoint holds it; the encoders read it and leave it as it is. */
export interface NetworkExportSource {
  network: tf.LayersModel;
}

/** The formats that can carry a model with layers other than Dense (docs/export.md). */
export const NETWORK_EXPORT_FORMATS: readonly ExportFormat[] = ['tfjs-standard', 'structured'];

/** model.json + shard with every kernel (rank ≥ 2) as tfjs per-tensor affine uint8, the rest float32. */
async function encodeNetworkTfjsStandard(model: tf.LayersModel): Promise<ExportedModel> {
  const specs: WeightSpec[] = [];
  const chunks: Uint8Array[] = [];
  for (const w of getWeightValues(model)) {
    if (isPrunable(w)) {
      const q = quantizeAffine(w.values, 8);
      specs.push({
        name: w.name,
        shape: [...w.shape],
        dtype: 'float32',
        quantization: { dtype: 'uint8', scale: q.scale, min: q.min },
      });
      chunks.push(new Uint8Array(q.codes.buffer, q.codes.byteOffset, q.codes.byteLength));
    } else {
      specs.push({ name: w.name, shape: [...w.shape], dtype: 'float32' });
      chunks.push(new Uint8Array(new Float32Array(w.values).buffer));
    }
  }
  return { format: 'tfjs-standard', files: await writeLayersModel('tfjs-standard', model, specs, chunks) };
}

/** The float32 model with every channel that cannot affect the output removed (core/compression structured-network). */
async function encodeNetworkStructured(model: tf.LayersModel): Promise<ExportedModel & { units: number[] }> {
  const shrunk = shrinkDeadChannels(model);
  try {
    return {
      format: 'structured',
      files: await writeLayersModel('structured', shrunk.model, undefined, undefined),
      units: shrunk.channels,
    };
  } finally {
    shrunk.model.dispose();
  }
}

export async function encodeNetworkExport(format: ExportFormat, source: NetworkExportSource): Promise<ExportedModel> {
  if (format === 'tfjs-standard') return encodeNetworkTfjsStandard(source.network);
  if (format === 'structured') return encodeNetworkStructured(source.network);
  throw new ExportFormatError(
    format,
    'unsupported-model',
    `the model has ${nonDenseClasses(source.network).join(', ')} layers; the ${format} container describes chains of Dense layers only. ` +
      `Export it as ${NETWORK_EXPORT_FORMATS.join(' or ')} (campaign file: export: [${NETWORK_EXPORT_FORMATS.join(', ')}])`,
  );
}
