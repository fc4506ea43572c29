// Inference latency of a predictor on the active tfjs backend: p50 of single-row calls and batched throughput.
// Wall-clock numbers for benchmarks and latency files only, never asserted in tests.
import { selectRows, type FeatureMatrix } from '../data/matrix.ts';

export interface LatencyMeasurement {
  /** Median wall time of one single-row prediction. */
  p50SingleRowMs: number;
  /** Rows per second of batched predictions (median over calls). */
  batchedRowsPerSecond: number;
  batchRows: number;
}

/** p50 of single-row predictions and batched throughput on the active backend (benchmarks and latency.json only). */
export function measurePredictLatency(
  predict: (x: FeatureMatrix) => Float32Array,
  x: FeatureMatrix,
  singleCalls = 41,
  batchCalls = 5,
): LatencyMeasurement {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const one = selectRows(x, Int32Array.of(0));
  const batchRows = Math.min(x.rows, 8192);
  const batch =
    batchRows === x.rows
      ? x
      : selectRows(
          x,
          Int32Array.from({ length: batchRows }, (_, i) => i),
        );
  const time = (m: FeatureMatrix, calls: number) => {
    predict(m); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < calls; i++) {
      const start = performance.now();
      predict(m);
      samples.push(performance.now() - start);
    }
    return median(samples);
  };
  const single = time(one, singleCalls);
  const batched = time(batch, batchCalls);
  return { p50SingleRowMs: single, batchedRowsPerSecond: batchRows / (batched / 1000), batchRows };
}
