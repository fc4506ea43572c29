// Schemas of the deployment records under deployments/<name>/ (core/monitoring/registry.ts): versions, the
// current pointer, events and incidents. Every record is read back through these, so a hand-edited or truncated
// object is reported by key and field instead of flowing on. Pure (zod only): workflow code may import it.
import { z } from 'zod';
import type { CheckpointRef, DatasetRef, MetricSummary } from '../campaign/contracts.ts';
import {
  DEPLOYMENT_NAME,
  type DeploymentEvent,
  type DeploymentPointer,
  type DeploymentVersion,
} from '../monitoring/contracts.ts';
import { ArtifactRef } from '../storage/ref.ts';
import { EvaluationPlan } from './campaign.ts';
import { RubricSchema } from './rubric.ts';

/** Thrown for a bad deployment name or request, a missing deployment, or a record that does not parse. */
export class DeploymentError extends Error {
  override name = 'DeploymentError';
}

export { DEPLOYMENT_NAME };

export function validateDeploymentName(name: string): string {
  if (typeof name !== 'string' || !DEPLOYMENT_NAME.test(name)) {
    throw new DeploymentError(
      `invalid deployment name ${JSON.stringify(name)}: name must be 1–63 lower-case letters, digits and "-", ` +
        'starting with a letter or digit. ' +
        'Fix: pick a name such as "credit-scoring" (--name credit-scoring)',
    );
  }
  return name;
}

/** An ISO 8601 date-time with a zone (e.g. 2026-11-27T10:00:00.000Z): workflow time, never read from the clock. */
export const IsoTime = z.iso.datetime({ offset: true });
const isoTime = IsoTime;
const versionNumber = z.int().min(1);
const seqNumber = z.int().min(1);
const deploymentName = z
  .string()
  .regex(DEPLOYMENT_NAME, 'use 1–63 lower-case letters, digits and "-", starting with a letter or digit');
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');
const count = z.int().nonnegative();

/** A shipped export (core/campaign/contracts.ts ExportRef): a deployment serves these files. */
const ExportRefSchema = z.object({
  format: z.enum(['sparse-int8', 'tfjs-standard', 'structured']),
  files: z.array(z.object({ name: z.string().min(1), ref: ArtifactRef })).min(1),
  sizes: ArtifactRef,
});

export const CheckpointRefSchema = z.object({
  stepKey: z.string().min(1),
  modelJson: ArtifactRef,
  weightsBin: ArtifactRef,
  masks: ArtifactRef.optional(),
  int8: ArtifactRef.optional(),
  sparsity: z.number().min(0).max(1),
  parameters: count,
  nonzeros: count,
  export: ExportRefSchema.optional(),
});

export const DatasetRefSchema = z.object({
  encoded: ArtifactRef,
  datasetId: sha256,
  rawSha256: sha256,
  specSha256: sha256,
  rows: z.object({ train: count, validation: count, test: count }),
  features: count,
  attributes: z.array(z.object({ name: z.string().min(1), groups: z.array(z.string()) })),
});

const groupValue = z.object({ attribute: z.string(), group: z.string(), value: z.number() });

export const MetricSummarySchema = z.object({
  rows: count,
  accuracy: z.number().nullable(),
  balancedAccuracy: z.number().nullable(),
  worstGroupAccuracy: groupValue.nullable(),
  attributes: z.record(
    z.string(),
    z.object({
      equalizedOddsDifference: z.number().nullable(),
      demographicParityDifference: z.number().nullable(),
    }),
  ),
  maxExcessAccuracyGap: groupValue.nullable(),
  flipRate: z.number().nullable(),
});

export const DeploymentVersionSchema = z.object({
  format: z.literal('fairshrink.deployment'),
  formatVersion: z.literal(1),
  name: deploymentName,
  version: versionNumber,
  promotedAt: isoTime,
  promotedBy: z.string().min(1, 'say who promotes (e.g. --by alice)'),
  note: z.string(),
  source: z.object({ campaignId: z.string().min(1), stepKey: z.string().min(1), lineage: ArtifactRef.nullable() }),
  checkpoint: CheckpointRefSchema,
  reference: CheckpointRefSchema.nullable(),
  dataset: DatasetRefSchema,
  rubric: RubricSchema,
  evaluation: EvaluationPlan,
  baseline: z.object({ report: ArtifactRef, summary: MetricSummarySchema }),
});

/** What a promotion supplies; the registry adds format, version number and promotedAt. */
export const DeploymentDraftSchema = DeploymentVersionSchema.omit({
  format: true,
  formatVersion: true,
  version: true,
  promotedAt: true,
});

export const DeploymentPointerSchema = z.object({
  name: deploymentName,
  version: versionNumber,
  since: isoTime,
  reason: z.string(),
  event: seqNumber,
});

export const DeploymentEventSchema = z.object({
  seq: seqNumber,
  at: isoTime,
  kind: z.enum(['promote', 'audit', 'rollback']),
  version: versionNumber,
  fromVersion: versionNumber.optional(),
  message: z.string(),
  audit: ArtifactRef.optional(),
  incident: ArtifactRef.optional(),
});

/** The failed audit a rollback (or an alert) answers. */
export const FailedAuditSchema = z.object({
  auditId: z.string().min(1, 'give the audit id'),
  version: versionNumber,
  record: ArtifactRef,
  reason: z.string(),
});

/** A finished audit, as recordAudit logs it in an 'audit' event. */
export const AuditResultSchema = z.object({
  auditId: z.string().min(1, 'give the audit id'),
  version: versionNumber,
  status: z.enum(['pass', 'fail', 'insufficient-evidence']),
  reason: z.string(),
  record: ArtifactRef,
});

/** What a failed audit does: roll back to the previous known-good version, or only record an incident. */
const FailureAction = z.enum(['rollback', 'alert']);

export const RollbackInputSchema = z.object({
  deployment: deploymentName,
  audit: FailedAuditSchema,
  action: FailureAction,
  at: isoTime,
});

/**
 * `deployments/<name>/incidents/<seq, 6 digits>.json`, immutable: a failed audit that was answered, with what was
 * done. An incident with `rolledBack: true` and `fromVersion: v` marks v as bad: no later rollback returns to it.
 */
export const DeploymentIncidentSchema = z
  .object({
    format: z.literal('fairshrink.deployment-incident'),
    formatVersion: z.literal(1),
    seq: seqNumber,
    at: isoTime,
    deployment: deploymentName,
    /** The version serving when the incident was recorded. */
    version: versionNumber,
    /** The monitor's policy for the failure ('alert' never rolls back). */
    action: FailureAction,
    rolledBack: z.boolean(),
    fromVersion: versionNumber.optional(),
    toVersion: versionNumber.optional(),
    /** seq of the rollback event that carries the change of current.json (rolled back only). */
    event: seqNumber.optional(),
    audit: FailedAuditSchema,
    message: z.string(),
  })
  .refine(
    (i) =>
      i.rolledBack
        ? i.fromVersion !== undefined && i.toVersion !== undefined && i.event !== undefined
        : i.fromVersion === undefined && i.toVersion === undefined && i.event === undefined,
    { message: 'fromVersion, toVersion and event are given exactly when rolledBack is true', path: ['rolledBack'] },
  );
export type DeploymentIncident = z.output<typeof DeploymentIncidentSchema>;

/** The parts of `<prefix>/<campaignId>/lineage.json` (core/campaign/decisions.ts writeLineage) a promotion reads. */
export const CampaignLineageSchema = z.object({
  format: z.literal('fairshrink.lineage'),
  campaignId: z.string().min(1),
  status: z.enum(['running', 'completed', 'stopped', 'failed']),
  data: z.object({
    datasetId: sha256.optional(),
    rawSha256: sha256.optional(),
    specSha256: sha256.optional(),
    encoded: ArtifactRef.optional(),
    rows: z.object({ train: count, validation: count, test: count }).optional(),
    features: count.optional(),
  }),
  gates: z.array(
    z.object({
      stepKey: z.string().min(1),
      status: z.enum(['pass', 'fail', 'insufficient-evidence']),
      report: ArtifactRef,
      decision: ArtifactRef,
    }),
  ),
  checkpoints: z.array(z.object({ stepKey: z.string().min(1), sha256: z.object({ weightsBin: sha256 }) })),
});
export type CampaignLineage = z.output<typeof CampaignLineageSchema>;

/** One line per problem: "<path>: <message>". */
export function describeIssues(error: z.ZodError, limit = 3): string {
  const lines = error.issues.slice(0, limit).map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return `${path === '' ? '(top level)' : path.replace(/^\./, '')}: ${issue.message}`;
  });
  const more = error.issues.length - lines.length;
  return lines.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

// Compile-time check: what the schemas parse is what the contracts (core/monitoring/contracts.ts) promise.
type Fits<Contract, Parsed extends Contract> = Parsed;
export type DeploymentSchemasFitContracts = [
  Fits<CheckpointRef, z.output<typeof CheckpointRefSchema>>,
  Fits<DatasetRef, z.output<typeof DatasetRefSchema>>,
  Fits<MetricSummary, z.output<typeof MetricSummarySchema>>,
  Fits<DeploymentVersion, z.output<typeof DeploymentVersionSchema>>,
  Fits<DeploymentPointer, z.output<typeof DeploymentPointerSchema>>,
  Fits<DeploymentEvent, z.output<typeof DeploymentEventSchema>>,
];
