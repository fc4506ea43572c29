/**
 * core/campaign/steps: the compute steps of a compression campaign, one file per step, as plain async functions the
 * activity adapters call. Every step reads its inputs from S3 (BlobStore), writes under
 * `<prefix>/<campaignId>/<stepKey>/`, and returns the small JSON output of core/campaign/contracts.ts. Steps are
 * idempotent (idempotent.ts), deterministic (seeds only via deriveSeed(seed, stepKey, purpose)), and the training
 * steps heartbeat and resume from epoch checkpoints. See the header of each file: ../store.ts (layout, caches),
 * ../checkpoints.ts (formats), ../progress.ts (heartbeats and resume), ../decisions.ts (decision log, rejection
 * marks, lineage), ../predictor.ts (scoring rows with a checkpoint).
 */
export { idempotent } from './idempotent.ts';
export { prepareDataset } from './prepare.ts';
export { trainBaseline } from './baseline.ts';
export { prune, regrow } from './prune.ts';
export { finetune } from './finetune.ts';
export { evaluate } from './evaluate.ts';
export { gate, rubricForScope } from './gate.ts';
export { quantize } from './quantize.ts';
export { withPredictor, type Predict } from '../predictor.ts';
export type { StepContext } from '../store.ts';
export { CampaignInputError, validateStepKey } from '../store.ts';
export { StepAbortedError } from '../progress.ts';
export { appendDecision, markRejected, writeLineage } from '../decisions.ts';
