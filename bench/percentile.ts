// Percentiles for latency benchmarks (bench/suites/query-latency.ts).

/** Nearest-rank percentile (Hyndman & Fan 1996, definition 1): the smallest sample with at least p% at or below it. */
export function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}
