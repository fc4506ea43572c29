// structured: a physically smaller dense float32 model. Hidden units whose outgoing weights are all zero (what
// structured pruning leaves, core/compression structured.ts) cannot affect the output, so their kernel column,
// bias entry and next-layer row are removed (shrinkLayers): fewer units, fewer FLOPs, and the dense kernels tfjs
// runs fast. Stored as a plain float32 tfjs LayersModel (model.json + one shard).
import { shrinkLayers } from '../compression/structured.ts';
import type { DenseLayerWeights } from '../compression/weights.ts';
import type { ExportedModel, ExportFile, ExportSource, LoadedModel } from './contract.ts';
import { denseChainModel } from './dense-chain.ts';
import { loadLayersExport, writeLayersModel } from './layers-model.ts';

/** Per hidden layer, the units with at least one nonzero outgoing weight (at least one unit is always kept). */
export function liveHiddenUnits(layers: readonly DenseLayerWeights[]): Int32Array[] {
  const keep: Int32Array[] = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    const next = layers[l + 1]!;
    const alive: number[] = [];
    for (let j = 0; j < next.inputs; j++) {
      let used = false;
      for (let k = 0; !used && k < next.units; k++) used = next.kernel[j * next.units + k] !== 0;
      if (used) alive.push(j);
    }
    keep.push(Int32Array.from(alive.length === 0 ? [0] : alive));
  }
  return keep;
}

export function shrinkToLiveUnits(layers: readonly DenseLayerWeights[]): DenseLayerWeights[] {
  return shrinkLayers(layers, liveHiddenUnits(layers));
}

export async function encodeStructured(source: ExportSource): Promise<ExportedModel & { units: number[] }> {
  const shrunk = shrinkToLiveUnits(source.layers);
  const model = denseChainModel(shrunk);
  try {
    return {
      format: 'structured',
      files: await writeLayersModel('structured', model, undefined, undefined),
      units: shrunk.map((l) => l.units),
    };
  } finally {
    model.dispose();
  }
}

export async function loadStructured(files: readonly ExportFile[]): Promise<LoadedModel> {
  return { model: await loadLayersExport('structured', files) };
}
