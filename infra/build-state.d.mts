// Types of infra/build-state.mjs (plain JavaScript so it runs before anything is compiled).
export declare const SOURCE_DIRS: string[];
export interface BuildState {
  /** Every TypeScript source under SOURCE_DIRS. */
  sources: string[];
  /** Sources whose compiled file in dist/ is missing or older. */
  changed: { source: string; out: string }[];
  /** Compiled files in dist/ whose source is gone. */
  orphans: string[];
}
export declare function buildState(root: string): BuildState;
