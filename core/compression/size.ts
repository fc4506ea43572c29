// Size and speed of a (pruned, quantized) model: what a milestone costs to store and to run. Sizes come from the real
// kernel shapes: a kernel's output channels (kernelChannels: last axis; in × multiplier for a depthwise kernel) are
// its "units", everything else its "inputs".
import type * as tf from '@tensorflow/tfjs';
import { kernelChannels } from './quantize.ts';
import { isPrunable, type NamedWeight } from './weights.ts';

export interface LayerSize {
  name: string;
  /** Kernel entries per output channel (Dense: inputs; Conv2D: kh·kw·in; depthwise: kh·kw) and output channels. */
  inputs: number;
  units: number;
  parameters: number;
  /** Nonzero kernel entries (biases are counted in parameters and bytes, never pruned). */
  nonzeros: number;
  sparsity: number;
  /** float32 kernel + bias. */
  denseBytes: number;
  /** CSR of the kernel by output channel (row = channel): values f32 + column indices i32 + row pointers i32, + f32 bias. */
  csrBytes: number;
  /** int8 kernel + one f32 scale per output channel + f32 bias (the quantize.ts per-channel format, without headers). */
  int8Bytes: number;
  /** Per input row: 2 · nnz · uses (one multiply and one add per nonzero weight each time it is applied). */
  flops: number;
}

export interface ModelSize {
  layers: LayerSize[];
  total: Omit<LayerSize, 'name' | 'inputs' | 'units'>;
}

/**
 * How many times each kernel entry is applied per input row, by kernel name: 1 for a Dense layer on [batch, features],
 * the output positions (steps; height × width) for a convolution, 0 for an Embedding (a table lookup, no arithmetic).
 * Read from the model's layer output shapes.
 */
export function kernelUsesPerRow(model: tf.LayersModel): Map<string, number> {
  const uses = new Map<string, number>();
  for (const layer of model.layers) {
    const shape = layer.outputShape as (number | null)[];
    // Positions = output dimensions between the batch axis and the channel axis.
    const positions = shape.slice(1, -1).reduce<number>((n, d) => n * (d ?? 1), 1);
    const kind = layer.getClassName();
    const kernels: Record<string, string[]> = {
      Dense: ['kernel'],
      Conv1D: ['kernel'],
      Conv2D: ['kernel'],
      DepthwiseConv2D: ['depthwise_kernel'],
      SeparableConv2D: ['depthwise_kernel', 'pointwise_kernel'],
      Embedding: ['embeddings'],
    };
    for (const weight of kernels[kind] ?? []) uses.set(`${layer.name}/${weight}`, kind === 'Embedding' ? 0 : positions);
  }
  return uses;
}

/**
 * Per-layer and total size of every kernel (rank ≥ 2) in `weights`, each with its layer's bias (`<layer>/bias`, the
 * weight right after the layer's last kernel), if any. `usesPerRow` (kernelUsesPerRow) gives the FLOPs of
 * convolution and embedding kernels; without it a rank-2 kernel counts as a Dense layer applied once per row, and a
 * higher-rank kernel is refused (its FLOPs depend on the output size).
 */
export function modelSize(weights: readonly NamedWeight[], usesPerRow?: ReadonlyMap<string, number>): ModelSize {
  const layers: LayerSize[] = [];
  for (let i = 0; i < weights.length; i++) {
    const kernel = weights[i]!;
    if (!isPrunable(kernel)) continue;
    const uses = usesPerRow?.get(kernel.name) ?? (kernel.shape.length === 2 ? 1 : undefined);
    if (uses === undefined)
      throw new Error(
        `modelSize: ${kernel.name} has shape [${kernel.shape.join(', ')}]; pass kernelUsesPerRow(model) to count its FLOPs`,
      );
    const units = kernelChannels(kernel);
    const size = kernel.values.length;
    const inputs = size / units;
    const next = weights[i + 1];
    const biasName = `${kernel.name.slice(0, kernel.name.lastIndexOf('/'))}/bias`;
    const biasCount = next?.name === biasName && next.shape.length === 1 && next.shape[0] === units ? units : 0;
    let nnz = 0;
    for (const v of kernel.values) if (v !== 0) nnz++;
    const biasBytes = 4 * biasCount;
    layers.push({
      name: kernel.name,
      inputs,
      units,
      parameters: size + biasCount,
      nonzeros: nnz,
      sparsity: 1 - nnz / size,
      denseBytes: 4 * size + biasBytes,
      csrBytes: 4 * nnz + 4 * nnz + 4 * (units + 1) + biasBytes,
      int8Bytes: size + 4 * units + biasBytes,
      flops: 2 * nnz * uses,
    });
  }
  const sum = (key: 'parameters' | 'nonzeros' | 'denseBytes' | 'csrBytes' | 'int8Bytes' | 'flops') =>
    layers.reduce((n, l) => n + l[key], 0);
  const kernelEntries = layers.reduce((n, l) => n + l.inputs * l.units, 0);
  return {
    layers,
    total: {
      parameters: sum('parameters'),
      nonzeros: sum('nonzeros'),
      sparsity: kernelEntries === 0 ? 0 : 1 - sum('nonzeros') / kernelEntries,
      denseBytes: sum('denseBytes'),
      csrBytes: sum('csrBytes'),
      int8Bytes: sum('int8Bytes'),
      flops: sum('flops'),
    },
  };
}

export interface LatencyOptions {
  /** Rows per timed call (default 1,000). */
  rows?: number;
  /** Untimed calls first (JIT, backend kernels; default 2). */
  warmup?: number;
  /** Timed calls (default 5); the median is reported. */
  repeats?: number;
}

/**
 * Measured inference latency in milliseconds per 1,000 rows: median over `repeats` calls of predict(rows).
 * For benchmarks only — wall-clock numbers are never asserted in tests nor fed into results.
 */
export async function measureLatencyPer1000Rows(
  predict: (rows: number) => Promise<unknown> | unknown,
  options: LatencyOptions = {},
): Promise<{ msPer1000Rows: number; samplesMs: number[] }> {
  const rows = options.rows ?? 1000;
  const warmup = options.warmup ?? 2;
  const repeats = options.repeats ?? 5;
  for (let i = 0; i < warmup; i++) await predict(rows);
  const samplesMs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await predict(rows);
    samplesMs.push(((performance.now() - start) * 1000) / rows);
  }
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { msPer1000Rows: median, samplesMs };
}
