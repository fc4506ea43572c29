/**
 * core/campaign: the compute steps of a compression campaign (heavy: tfjs, node:crypto). Workflows must import
 * only `core/campaign/contracts.ts` (types), never this module.
 *
 * Steps (input, ctx: StepContext) → small JSON output: prepareDataset, trainBaseline, prune, regrow, finetune,
 * evaluate, gate, quantize (one file each under steps/); and the log writers appendDecision, markRejected,
 * writeLineage. See steps/index.ts.
 */
export * from './steps/index.ts';
export { clearDatasetCache, datasetDecodeCount } from '../data/dataset-cache.ts';
export { decodeEpochCheckpoint, encodeEpochCheckpoint, sizeOf, type EpochCheckpoint } from './checkpoints.ts';
export { HEARTBEAT_INTERVAL_MS, YIELD_INTERVAL_MS } from './progress.ts';
export { summarizeReport } from '../fairness/summary.ts';
export { exportModel } from './export.ts';
export { loadStoredExport, withExportPredictor } from '../model/predictor.ts';
