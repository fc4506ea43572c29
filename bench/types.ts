/** One measured number. `npm run bench` collects rows from every suite into JSON and a Markdown table. */
export interface BenchRow {
  suite: string;
  name: string;
  value: number;
  unit: string;
  /** The goal this number is judged against, in words (e.g. "< 2 s on one core"). */
  target?: string;
  /** Whether the target was met, when there is one. */
  met?: boolean;
  notes?: string;
}

/** A benchmark suite: a module in bench/suites/ whose default export satisfies this. */
export interface BenchSuite {
  name: string;
  /** Suites that need the local stack (Temporal + S3) say so; the runner starts it for them. */
  needsStack?: boolean;
  run(): Promise<BenchRow[]>;
}
