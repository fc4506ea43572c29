/**
 * core/campaign/steps: the compute steps of a compression campaign, one file per step, as plain async functions the
 * activity adapters call. Every step reads its inputs from S3 (BlobStore), writes under
 * `<prefix>/<campaignId>/<stepKey>/`, and returns the small JSON output of core/campaign/contracts.ts. Steps are
 * idempotent (idempotent.ts), deterministic (seeds only via deriveSeed(seed, stepKey, purpose)), and the training
 * steps heartbeat and resume from epoch checkpoints. See the header of each file: core/storage/layout.ts (layout, ref verification),
 * ../checkpoints.ts (formats), ../progress.ts (heartbeats and resume), ../decisions.ts (decision log, rejection
 * marks, lineage), core/model/predictor.ts (scoring rows with a checkpoint).
 */
export { idempotent } from './idempotent.ts';
export { prepareDataset } from './prepare.ts';
export { trainBaseline } from './baseline.ts';
export { prune, regrow } from './prune.ts';
export { finetune } from './finetune.ts';
export { evaluate } from './evaluate.ts';
export { gate } from './gate.ts';
export { quantize } from './quantize.ts';
export type { StepContext } from '../../step/context.ts';
export { CampaignInputError } from '../../step/context.ts';
export { validateStepKey } from '../../storage/layout.ts';
export { StepAbortedError } from '../progress.ts';
export { appendDecision, markRejected, writeLineage } from '../decisions.ts';
