// The contract between the campaign workflow and its steps: what each step takes and returns.
// Everything here is small and JSON-serialisable, because it travels through workflow history:
// refs with sha256, metric summaries and decisions, never weights, masks, predictions or rows.
// Pure types (and zod-free), so workflows/ can import them.
// The types a campaign shares with deployments and monitoring live in their own rooms and are re-exported here.
import type { ArtifactRef } from '../storage/ref.ts';
import type { LatencyMeasurement } from '../export/latency.ts';
import type { GateDecision, GateStatus } from '../fairness/gate.ts';
import type { GateScope } from '../fairness/rubric-scope.ts';
import type { MetricSummary } from '../fairness/summary.ts';
import type { Criterion, EvaluationPlan, FinetunePlan, ModelPlan, QuantizePlan } from '../config/campaign.ts';
import type { CampaignInput } from '../config/campaign-input.ts';
import type { Rubric } from '../config/rubric.ts';
import type { DatasetRef } from '../data/dataset-ref.ts';
import type { BackendSummary } from '../model/backend.ts';
import type { CheckpointRef, ExportRef } from '../model/checkpoint.ts';
import type { StepProgress } from '../step/context.ts';

export type {
  ArtifactRef,
  BackendSummary,
  CampaignInput,
  CheckpointRef,
  DatasetRef,
  ExportRef,
  GateDecision,
  GateScope,
  GateStatus,
  MetricSummary,
  StepProgress,
};

/** `campaigns/<campaignId>/<stepKey>/...` — every step writes under its own key. */
export interface StepIdentity {
  campaignId: string;
  /** Storage prefix from the config (default "campaigns"). */
  prefix: string;
  /** e.g. "baseline", "milestone-2/attempt-1/prune", "quantize". Segments of [a-z0-9-]. */
  stepKey: string;
  /** Root seed of the campaign; steps derive their own with deriveSeed(seed, stepKey, ...). */
  seed: number;
}

export interface PrepareDatasetInput extends StepIdentity {
  spec: ArtifactRef;
  sources: { path: string; ref: ArtifactRef }[];
}

export interface TrainBaselineInput extends StepIdentity {
  dataset: DatasetRef;
  model: ModelPlan;
  importedModel?: CampaignInput['importedModel'];
}

export interface TrainOutput {
  checkpoint: CheckpointRef;
  epochsRun: number;
  /** 0 for a fresh start; the first epoch run in this attempt when it resumed from a heartbeat. */
  resumedFromEpoch: number;
  finalLoss: number | null;
  backend: BackendSummary;
}

export interface PruneInput extends StepIdentity {
  dataset: DatasetRef;
  from: CheckpointRef;
  criterion: Criterion;
  targetSparsity: number;
}

export interface PruneOutput {
  checkpoint: CheckpointRef;
  /** Per prunable tensor: achieved sparsity. */
  layers: { name: string; sparsity: number; nonzeros: number; size: number }[];
}

export interface RegrowInput extends StepIdentity {
  dataset: DatasetRef;
  /** The rejected candidate whose pruned weights are candidates for regrowth. */
  from: CheckpointRef;
  /** The dense baseline: regrown weights take their baseline values. */
  baseline: CheckpointRef;
  fraction: number;
}

export interface FinetuneInput extends StepIdentity {
  dataset: DatasetRef;
  from: CheckpointRef;
  /** The dense baseline: the reference for ψ_g and for constrained fine-tuning. */
  reference: CheckpointRef;
  plan: FinetunePlan;
  /** Overrides plan.constrained (the 'constrained' retry strategy). */
  constrained: boolean;
}

export interface FinetuneOutput extends TrainOutput {
  /** Max excess accuracy gap on the training data after fine-tuning, when computable. */
  maxPsiTrain: number | null;
}

export interface EvaluateInput extends StepIdentity {
  dataset: DatasetRef;
  candidate: CheckpointRef;
  /** The dense baseline, for paired comparisons; absent when evaluating the baseline itself. */
  reference?: CheckpointRef;
  plan: EvaluationPlan;
}

export interface SizeSummary {
  parameters: number;
  nonzeros: number;
  denseBytes: number;
  sparseBytes: number;
  int8Bytes: number;
  flops: number;
}

export interface EvaluateOutput {
  /** The full fairness report (core/fairness JSON) in S3. */
  report: ArtifactRef;
  summary: MetricSummary;
  size: SizeSummary;
}

export interface GateInput extends StepIdentity {
  report: ArtifactRef;
  rubric: Rubric;
  /** 'absolute' gates the baseline on absolute constraints only (no reference yet). */
  scope: GateScope;
}

export interface GateOutput {
  decision: GateDecision;
  /** The decision as JSON in S3, next to its report. */
  ref: ArtifactRef;
}

export interface QuantizeInput extends StepIdentity {
  dataset: DatasetRef;
  from: CheckpointRef;
  plan: QuantizePlan;
}

export interface QuantizeOutput {
  /** The fake-quant model (dequantized weights) as a checkpoint, with `int8` set. */
  checkpoint: CheckpointRef;
  maxAbsWeightError: number;
}

export interface ExportInput extends StepIdentity {
  dataset: DatasetRef;
  /** The campaign's final checkpoint (quantized when quantization passed). */
  from: CheckpointRef;
  /** The dense baseline: the float32 model the sizes compare with. */
  dense: CheckpointRef;
  /** Formats to write; the first is shipped. */
  formats: ExportRef['format'][];
  /** Split on which the other formats' predictions are compared with the shipped one's. */
  split: 'validation' | 'test';
}

export interface ExportedFormat {
  format: ExportRef['format'];
  files: { name: string; ref: ArtifactRef }[];
  /** Bytes on disk, and gzip bytes (level 9, per file). */
  bytes: number;
  gzipBytes: number;
  /** Dense float32 bytes / these bytes. */
  ratioVsDense: number;
  /** max |p − p_shipped| on the split, each re-loaded from S3 (0 for the shipped format itself). */
  maxAbsPredictionDifference: number;
  /** Measured on the re-loaded files (wall clock, never gated); absent for an empty split and in older campaigns. */
  latency?: LatencyMeasurement;
}

export interface ExportOutput {
  /** The shipped export as a checkpoint whose predictions come from the re-loaded export files. */
  shipped: CheckpointRef & { export: ExportRef };
  formats: ExportedFormat[];
  /** The dense float32 baseline as tfjs stores it (model.json + weights.bin), with its measured latency. */
  dense: { bytes: number; gzipBytes: number; latency?: LatencyMeasurement };
  /** `<prefix>/<id>/export/sizes.json`. */
  sizes: ArtifactRef;
}

/** One entry of the decision log (decision-log.ts). `seq` orders entries and makes appends idempotent. */
export interface DecisionEntry {
  seq: number;
  kind:
    | 'baseline'
    | 'prune'
    | 'finetune'
    | 'gate'
    | 'accept'
    | 'rollback'
    | 'retry'
    | 'review-requested'
    | 'review'
    | 'quantize'
    | 'held-out'
    | 'stop'
    | 'fail'
    | 'finalize';
  milestone: number | null;
  attempt: number | null;
  /** What happened and why, in words, citing numbers. */
  message: string;
  targetSparsity?: number;
  checkpoint?: CheckpointRef;
  gate?: { status: GateStatus; reason: string; constraints: { id: string; status: GateStatus; reason: string }[] };
  summary?: MetricSummary;
  review?: ReviewInput;
}

export interface AppendDecisionInput {
  campaignId: string;
  prefix: string;
  entry: DecisionEntry;
}

/** A human review (workflow Update `review`). */
export interface ReviewInput {
  reviewer: string;
  reason: string;
  action: 'approve' | 'reject' | 'adjust';
  /** With 'adjust': retry this milestone at this sparsity and/or with constrained fine-tuning at this ε. */
  sparsity?: number;
  epsilon?: number;
}

export interface MarkRejectedInput {
  campaignId: string;
  prefix: string;
  candidate: CheckpointRef;
  reason: string;
}

export interface LineageInput {
  campaign: CampaignInput;
  dataset?: DatasetRef;
  backend?: BackendSummary;
  checkpoints: CheckpointRef[];
  gates: { stepKey: string; status: GateStatus; report: ArtifactRef; decision: ArtifactRef }[];
  finalCheckpoint?: CheckpointRef;
  /** The final model's verdict on the held-out split (absent while running, and without a held-out split). */
  heldOut?: HeldOutRecord;
  status: 'running' | 'completed' | 'stopped' | 'failed';
}

/** The held-out verdict as the lineage keeps it: which model, on which split, with the report and decision refs. */
export interface HeldOutRecord {
  split: 'test';
  stepKey: string;
  checkpoint: string;
  status: GateStatus;
  report: ArtifactRef;
  decision: ArtifactRef;
}

/**
 * The final model (the shipped export when it passed its gate) and the dense baseline judged with the full rubric on a
 * split that no gate, retry or review saw (docs/fairness.md, held-out verdict). On record only: it decides nothing.
 */
export interface HeldOutVerdict extends HeldOutRecord {
  reason: string;
  rows: number;
  summary: MetricSummary;
}
