// A stored model as workflow history carries it (refs to model.json, weights.bin, masks, int8 codes, a shipped
// export), and reading its model back from the store.
import type * as tf from '@tensorflow/tfjs';
import { getCached } from '../storage/blob-cache.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { ArtifactRef } from '../storage/ref.ts';
import { loadModelFromBytes } from './io.ts';

export interface CheckpointRef {
  stepKey: string;
  modelJson: ArtifactRef;
  weightsBin: ArtifactRef;
  /** Pruning masks (core/compression masks.bin); absent for the dense baseline. */
  masks?: ArtifactRef;
  /** int8 weights + per-channel scales (core/compression exportInt8), for quantized checkpoints. */
  int8?: ArtifactRef;
  /** Achieved global sparsity of the prunable weights, in [0, 1]. */
  sparsity: number;
  parameters: number;
  nonzeros: number;
  /**
   * Set on the shipped export (core/campaign/export.ts): steps that predict with this checkpoint load these files
   * (sha256-verified) with core/export's loader; modelJson/weightsBin are the checkpoint it was exported from.
   */
  export?: ExportRef;
}

/** A deployable export in S3 (docs/export.md): its format, its files and the campaign's sizes.json. */
export interface ExportRef {
  format: 'sparse-int8' | 'tfjs-standard' | 'structured';
  files: { name: string; ref: ArtifactRef }[];
  sizes: ArtifactRef;
}

/** The model of a checkpoint (the caller disposes it). */
export async function loadCheckpointModel(store: BlobStore, checkpoint: CheckpointRef): Promise<tf.LayersModel> {
  const [modelJson, weightsBin] = await Promise.all([
    getCached(store, checkpoint.modelJson),
    getCached(store, checkpoint.weightsBin),
  ]);
  return loadModelFromBytes({ modelJson, weightsBin });
}

/** The userDefinedMetadata of a checkpoint's model.json (tfjs drops it on load, so it is read from the JSON). */
export async function checkpointMetadata(
  store: BlobStore,
  checkpoint: CheckpointRef,
): Promise<Record<string, unknown>> {
  const bytes = await getCached(store, checkpoint.modelJson);
  const json = JSON.parse(new TextDecoder().decode(bytes)) as { userDefinedMetadata?: Record<string, unknown> };
  return json.userDefinedMetadata ?? {};
}
