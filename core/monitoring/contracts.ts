// The contract between the deployment monitor (workflows/monitor.ts), its activities and core/monitoring:
// what a deployment record, an audit and a rollback are. Small, JSON-serialisable values only (they travel
// through workflow history): refs with sha256, summaries and decisions, never weights or rows.
// Pure types, so workflows/ can import them.
import type { EvaluationPlan } from '../config/campaign.ts';
import type { Rubric } from '../config/rubric.ts';
import type { GateStatus } from '../fairness/gate.ts';
import type { DatasetRef } from '../data/dataset-ref.ts';
import type { MetricSummary } from '../fairness/summary.ts';
import type { CheckpointRef } from '../model/checkpoint.ts';
import type { ArtifactRef } from '../storage/ref.ts';

export type { ArtifactRef, CheckpointRef, DatasetRef, GateStatus, MetricSummary };

/**
 * Deployment names become S3 key segments and CLI arguments: 1–63 lower-case letters, digits and "-", starting
 * with a letter or digit (a leading "-" would read as a flag). The registry and the monitor workflow both check it.
 */
export const DEPLOYMENT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Storage prefix of every deployment: `deployments/<name>/...`. */
export const DEPLOYMENTS_PREFIX = 'deployments';

/**
 * `deployments/<name>/v<N>.json`, immutable: one promoted, known-good configuration. Everything a later
 * audit needs to judge the same model the same way: the checkpoint, the dense reference for relative
 * constraints, the encoded data set (its encoder and spec encode new batches; its evaluation split is the
 * drift reference), the rubric and evaluation plan, and the report the model had when it was promoted.
 */
export interface DeploymentVersion {
  format: 'fairshrink.deployment';
  formatVersion: 1;
  name: string;
  /** 1, 2, 3, … in promotion order. */
  version: number;
  /** ISO time of the promotion (given by the caller, never read from the clock in core). */
  promotedAt: string;
  promotedBy: string;
  note: string;
  source: { campaignId: string; stepKey: string; lineage: ArtifactRef | null };
  checkpoint: CheckpointRef;
  /** The campaign's dense baseline; relative rubric constraints (accuracy drop, ψ) compare against it. */
  reference: CheckpointRef | null;
  dataset: DatasetRef;
  rubric: Rubric;
  evaluation: EvaluationPlan;
  /** The deployed model on the data set's evaluation split at promotion (metric drift compares to it). */
  baseline: { report: ArtifactRef; summary: MetricSummary };
}

/** `deployments/<name>/current.json` (mutable): which version serves. Every change is also an immutable event. */
export interface DeploymentPointer {
  name: string;
  version: number;
  since: string;
  reason: string;
  /** seq of the event that set it. */
  event: number;
}

/** `deployments/<name>/events/<seq, 6 digits>-<kind>.json`, immutable: the deployment's audit trail. */
export interface DeploymentEvent {
  seq: number;
  at: string;
  kind: 'promote' | 'audit' | 'rollback';
  /** The version serving after the event. */
  version: number;
  /** For rollback: the version rolled back from. */
  fromVersion?: number;
  message: string;
  audit?: ArtifactRef;
  incident?: ArtifactRef;
}

/** When drift alone (without a failed rubric) counts as a failure. */
export interface DriftThresholds {
  /** Population stability index of a feature at or above which it has drifted (common rule of thumb: 0.25). */
  featurePsi: number;
  /** PSI of a sensitive attribute's group mix at or above which the mix has drifted. */
  groupMixPsi: number;
  /** Whether drift beyond the thresholds fails the audit (default false: it is reported as a warning). */
  failOnDrift: boolean;
}

export interface MonitorPolicy {
  /** What a failed audit does: roll back to the previous known-good version, or only record an incident. */
  onFail: 'rollback' | 'alert';
  drift: DriftThresholds;
}

export const DEFAULT_MONITOR_POLICY: MonitorPolicy = {
  onFail: 'rollback',
  drift: { featurePsi: 0.25, groupMixPsi: 0.25, failOnDrift: false },
};

export interface AuditInput {
  deployment: string;
  /** Audit id chosen by the workflow (deterministic, e.g. from its workflow id); names the output folder. */
  auditId: string;
  /** The labelled batch to audit; default: the newest object under `deployments/<name>/batches/`. */
  batch?: ArtifactRef;
  /** Seed of the bootstrap resamples; default: derived from the audit id. */
  seed?: number;
  policy: MonitorPolicy;
  /** Workflow time of the audit (ISO). */
  at: string;
}

export interface FeatureDrift {
  feature: string;
  kind: 'numeric' | 'categorical';
  psi: number;
  /** Two-sample Kolmogorov–Smirnov (numeric features only). */
  ks?: { statistic: number; pValue: number };
}

export interface GroupMixDrift {
  attribute: string;
  psi: number;
  /** The group whose share changed most. */
  largestShift: { group: string; reference: number; current: number };
}

export interface MetricDrift {
  /** e.g. "overall/accuracy", "sex/groups/Female/true_positive_rate", "sex/disparities/equalized_odds_difference". */
  path: string;
  baseline: number;
  current: number;
  delta: number;
  /** Approximate CI of the delta from the two reports' bootstrap CIs (independent samples); null without both CIs. */
  ci: [number, number] | null;
  /** The CI excludes 0. */
  significant: boolean;
}

export interface DriftReport {
  reference: { split: string; rows: number };
  current: { rows: number };
  features: FeatureDrift[];
  groupMix: GroupMixDrift[];
  metrics: MetricDrift[];
  /** Any feature or group mix at or above its threshold. */
  drifted: boolean;
  /** Human-readable reasons citing the numbers (empty when nothing drifted). */
  reasons: string[];
}

export interface AuditOutput {
  auditId: string;
  deployment: string;
  version: number;
  batch: { ref: ArtifactRef; key: string; rows: number };
  status: GateStatus;
  reason: string;
  constraints: { id: string; status: GateStatus; reason: string }[];
  summary: MetricSummary;
  drift: {
    drifted: boolean;
    maxFeaturePsi: { feature: string; value: number } | null;
    maxGroupMixPsi: { attribute: string; value: number } | null;
    significantMetricDrifts: number;
    reasons: string[];
  };
  /** The fairness report of the batch, and the whole audit record (with the drift report), in S3. */
  report: ArtifactRef;
  record: ArtifactRef;
}

export interface RollbackInput {
  deployment: string;
  /** The failed audit that triggered the rollback. */
  audit: { auditId: string; version: number; record: ArtifactRef; reason: string };
  /** 'rollback': move current.json to the previous known-good version; 'alert': only record the incident. */
  action: MonitorPolicy['onFail'];
  at: string;
}

export type RollbackOutput =
  | { rolledBack: true; fromVersion: number; toVersion: number; incident: ArtifactRef; pointer: DeploymentPointer }
  | { rolledBack: false; version: number; incident: ArtifactRef; reason: string };
