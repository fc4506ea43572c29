// Size and speed of a (pruned, quantized) dense model: what a milestone costs to store and to run.
import { isPrunable, type NamedWeight } from './weights.ts';

export interface LayerSize {
  name: string;
  /** Kernel rows (inputs) and columns (units). */
  inputs: number;
  units: number;
  parameters: number;
  /** Nonzero kernel entries (biases are counted in parameters and bytes, never pruned). */
  nonzeros: number;
  sparsity: number;
  /** float32 kernel + bias. */
  denseBytes: number;
  /** CSR of the kernel by output unit (row = unit): values f32 + column indices i32 + row pointers i32, + f32 bias. */
  csrBytes: number;
  /** int8 kernel + one f32 scale per output unit + f32 bias (the quantize.ts per-channel format, without headers). */
  int8Bytes: number;
  /** Per input row: 2 · nnz (one multiply and one add per nonzero weight). */
  flops: number;
}

export interface ModelSize {
  layers: LayerSize[];
  total: Omit<LayerSize, 'name' | 'inputs' | 'units'>;
}

/** Per-layer and total size of every rank-2 kernel in `weights`, each with the rank-1 bias that follows it, if any. */
export function modelSize(weights: readonly NamedWeight[]): ModelSize {
  const layers: LayerSize[] = [];
  for (let i = 0; i < weights.length; i++) {
    const kernel = weights[i]!;
    if (!isPrunable(kernel)) continue;
    if (kernel.shape.length !== 2) throw new Error(`modelSize: ${kernel.name} is not a rank-2 kernel`);
    const inputs = kernel.shape[0]!;
    const units = kernel.shape[1]!;
    const next = weights[i + 1];
    const biasCount = next !== undefined && next.shape.length === 1 && next.shape[0] === units ? units : 0;
    let nnz = 0;
    for (const v of kernel.values) if (v !== 0) nnz++;
    const biasBytes = 4 * biasCount;
    layers.push({
      name: kernel.name,
      inputs,
      units,
      parameters: inputs * units + biasCount,
      nonzeros: nnz,
      sparsity: 1 - nnz / (inputs * units),
      denseBytes: 4 * inputs * units + biasBytes,
      csrBytes: 4 * nnz + 4 * nnz + 4 * (units + 1) + biasBytes,
      int8Bytes: inputs * units + 4 * units + biasBytes,
      flops: 2 * nnz,
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
