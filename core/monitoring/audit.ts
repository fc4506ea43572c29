// A re-audit of a deployment: the serving model on a new labelled batch, judged the way it was judged when it
// was promoted. Encode the batch with the data set's own encoder, score it with the deployed checkpoint (and the
// dense reference, for relative constraints), build the fairness report, apply the deployment's rubric, and
// measure drift against the evaluation split the model was promoted on. Writes
// `deployments/<name>/audits/<auditId>/{report.json, audit.json}` and an 'audit' event; returns a small summary.
import { encodeBatch } from '../data/batch.ts';
import { evaluationAttributes, loadEncodedDataset, sensitiveLabels } from '../data/dataset-cache.ts';
import type { Rubric } from '../config/rubric.ts';
import { decideGate, rubricMinGroupSizes, type GateDecision } from '../fairness/gate.ts';
import { evaluateFairness, type EvaluationInput, type EvaluationOptions } from '../fairness/report.ts';
import type { FairnessReport } from '../fairness/report-types.ts';
import { rubricForScope } from '../fairness/rubric-scope.ts';
import { summarizeReport } from '../fairness/summary.ts';
import { deriveSeed } from '../lineage/seeds.ts';
import { ensureBackend } from '../model/backend.ts';
import { tfExclusive } from '../model/exclusive.ts';
import { withPredictor } from '../model/predictor.ts';
import { CampaignInputError, type StepContext } from '../step/context.ts';
import { parseJsonBytes, putJson } from '../storage/json.ts';
import { keyOf } from '../storage/layout.ts';
import type { ArtifactRef, AuditInput, AuditOutput, DeploymentVersion, DriftReport } from './contracts.ts';
import { driftReport } from './drift.ts';
import { currentVersion, deploymentDir, recordAudit, type RegistryStore } from './registry.ts';

/**
 * The audit's verdict on one scored batch: the fairness report (with small-group views at every minimum size the
 * rubric uses) and the rubric's gate on it. Relative constraints need the reference; a deployment of the dense model
 * itself has none. A constraint that fails among adequately sized groups fails here too, so the monitor rolls back.
 */
export function judgeBatch(
  input: EvaluationInput,
  options: EvaluationOptions,
  rubric: Rubric,
): { report: FairnessReport; decision: GateDecision } {
  const report = evaluateFairness(input, { ...options, smallGroupViewSizes: rubricMinGroupSizes(rubric) });
  const decision = decideGate(rubricForScope(rubric, input.referenceScore === undefined ? 'absolute' : 'all'), report);
  return { report, decision };
}

/** Audit ids name a folder: lower-case letters, digits and "-". */
const AUDIT_ID = /^[a-z0-9][a-z0-9-]{0,127}$/;

/** `deployments/<name>/batches/`: labelled batches waiting to be audited, newest last in key order. */
export const batchesDir = (name: string): string => `${deploymentDir(name)}/batches`;

/** The whole audit, as `audit.json` keeps it. */
export interface AuditRecord {
  format: 'fairshrink.audit';
  formatVersion: 1;
  /** The audit's result (what the activity returns), less the ref of this record itself. */
  output: Omit<AuditOutput, 'record'>;
  decision: GateDecision;
  drift: DriftReport;
  deployment: { version: DeploymentVersion['version']; ref: ArtifactRef };
  seed: number;
  at: string;
}

interface AuditContext extends StepContext {
  store: RegistryStore;
}

/** The newest batch under the deployment's batches folder (keys sort by upload order, see `batchKey`). */
export async function newestBatch(store: RegistryStore, name: string): Promise<{ key: string; ref: ArtifactRef }> {
  const listed = (await store.list(`${batchesDir(name)}/`)).map((o) => o.key).sort();
  const key = listed.at(-1);
  if (key === undefined) {
    throw new CampaignInputError(
      `deployment ${name} has no batch to audit: upload a labelled CSV with \`fairshrink monitor add-batch ${name} <file.csv>\``,
    );
  }
  const { ref } = await store.getByKey(key);
  return { key, ref };
}

/** Key of the next uploaded batch: a zero-padded sequence number (so keys sort by upload), then the content hash. */
export async function batchKey(store: RegistryStore, name: string, sha256: string): Promise<string> {
  const listed = await store.list(`${batchesDir(name)}/`);
  const same = listed.find((o) => o.key.endsWith(`-${sha256.slice(0, 16)}.csv`));
  if (same !== undefined) return same.key;
  return `${batchesDir(name)}/${String(listed.length + 1).padStart(6, '0')}-${sha256.slice(0, 16)}.csv`;
}

export async function auditDeployment(input: AuditInput, ctx: AuditContext): Promise<AuditOutput> {
  const { store } = ctx;
  if (!AUDIT_ID.test(input.auditId)) {
    throw new CampaignInputError(`audit id "${input.auditId}": use lower-case letters, digits and "-" (at most 128)`);
  }
  const current = await currentVersion(store, input.deployment);
  const dir = `${deploymentDir(input.deployment)}/audits/${input.auditId}`;
  const seed = input.seed ?? deriveSeed(0, 'audit', input.deployment, input.auditId);

  // A retry after the record was written returns it (and makes sure its event exists).
  const existing = await store.head(`${dir}/audit.json`);
  if (existing !== undefined) {
    const { bytes, ref } = await store.getByKey(`${dir}/audit.json`);
    const output = { ...parseJsonBytes<AuditRecord>(bytes, ref.uri).output, record: ref };
    await ensureAuditEvent(store, input, output, ref);
    return output;
  }

  const version = current.version;
  const batch =
    input.batch === undefined
      ? await newestBatch(store, input.deployment)
      : { key: keyOf(store, input.batch), ref: input.batch };
  const batchBytes = await store.get(batch.ref);
  await ensureBackend();
  const dataset = await loadEncodedDataset(store, version.dataset);
  const encoded = encodeBatch(dataset, batchBytes, batch.key);
  const plan = version.evaluation;
  const attributes = evaluationAttributes(dataset, plan.attributes);
  // Through the process's tfjs queue, like every campaign step (tfExclusive): with more than one activity per
  // worker, tfjs work must not interleave with a step's open tfjs scope, and the scope frees what scoring leaves.
  const { score, referenceScore } = await tfExclusive(`audit/${input.auditId}`, ctx, async () => ({
    score: await withPredictor(store, version.checkpoint, async (predict) => predict(encoded.x)),
    referenceScore:
      version.reference === null
        ? undefined
        : await withPredictor(store, version.reference, async (predict) => predict(encoded.x)),
  }));
  const { report, decision } = judgeBatch(
    {
      label: encoded.y,
      score,
      ...(referenceScore === undefined ? {} : { referenceScore }),
      sensitive: sensitiveLabels(dataset, encoded, attributes),
    },
    {
      attributes,
      intersections: plan.intersections,
      threshold: plan.threshold,
      bootstrap: plan.bootstrap,
      ciMethod: plan.ciMethod,
      seed,
      minGroupSize: plan.minGroupSize,
    },
    version.rubric,
  );
  const reportRef = await store.put(`${dir}/report.json`, new TextEncoder().encode(`${JSON.stringify(report)}\n`), {
    contentType: 'application/json',
  });
  const baselineReport = parseJsonBytes<FairnessReport>(
    await store.get(version.baseline.report),
    version.baseline.report.uri,
  );
  const referenceSplit = dataset.splits[plan.split];
  const drift = driftReport({
    encoder: dataset.encoder,
    sensitive: dataset.sensitive.filter((s) => attributes.includes(s.name)),
    reference: { split: plan.split, x: referenceSplit.x, groups: referenceSplit.groups },
    current: { x: encoded.x, groups: encoded.groups },
    baselineReport,
    currentReport: report,
    thresholds: input.policy.drift,
  });

  let status = decision.status;
  let reason = decision.reason;
  if (drift.drifted && input.policy.drift.failOnDrift && status !== 'fail') {
    status = 'fail';
    reason = `drift: ${drift.reasons.join('; ')} (the policy fails audits on drift); rubric: ${decision.reason}`;
  }
  const maxFeature = drift.features.reduce<AuditOutput['drift']['maxFeaturePsi']>(
    (best, f) => (best === null || f.psi > best.value ? { feature: f.feature, value: f.psi } : best),
    null,
  );
  const maxMix = drift.groupMix.reduce<AuditOutput['drift']['maxGroupMixPsi']>(
    (best, g) => (best === null || g.psi > best.value ? { attribute: g.attribute, value: g.psi } : best),
    null,
  );
  const recordKey = `${dir}/audit.json`;
  const output: Omit<AuditOutput, 'record'> = {
    auditId: input.auditId,
    deployment: input.deployment,
    version: version.version,
    batch: { ref: batch.ref, key: batch.key, rows: encoded.rows },
    status,
    reason,
    constraints: decision.constraints.map((c) => ({ id: c.id, status: c.status, reason: c.reason })),
    summary: summarizeReport(report),
    drift: {
      drifted: drift.drifted,
      maxFeaturePsi: maxFeature,
      maxGroupMixPsi: maxMix,
      significantMetricDrifts: drift.metrics.filter((m) => m.significant).length,
      reasons: drift.reasons,
    },
    report: reportRef,
  };
  const record: AuditRecord = {
    format: 'fairshrink.audit',
    formatVersion: 1,
    output,
    decision,
    drift,
    deployment: { version: version.version, ref: current.ref },
    seed,
    at: input.at,
  };
  const recordRef = await putJson(store, recordKey, record);
  const result = { ...output, record: recordRef };
  await ensureAuditEvent(store, input, result, recordRef);
  return result;
}

/** The audit's event in the deployment's trail; recordAudit is idempotent per record, so a retry adds none. */
async function ensureAuditEvent(store: RegistryStore, input: AuditInput, output: AuditOutput, recordRef: ArtifactRef) {
  await recordAudit(
    store,
    input.deployment,
    {
      auditId: input.auditId,
      version: output.version,
      status: output.status,
      reason: output.reason,
      record: recordRef,
    },
    input.at,
  );
}

/** One line of a deployment's audit history: what each audit found, for tracking drift over time. */
export interface AuditHistoryEntry {
  auditId: string;
  at: string;
  version: number;
  status: AuditOutput['status'];
  rows: number;
  accuracy: number | null;
  worstGroupAccuracy: AuditOutput['summary']['worstGroupAccuracy'];
  /** Per attribute: equalized odds difference (Fairlearn, worst case). */
  equalizedOddsDifference: Record<string, number | null>;
  maxFeaturePsi: AuditOutput['drift']['maxFeaturePsi'];
  maxGroupMixPsi: AuditOutput['drift']['maxGroupMixPsi'];
  drifted: boolean;
  record: ArtifactRef;
}

/** Every audit of a deployment, oldest first (by audit time, then id), read from `audits/<id>/audit.json`. */
export async function auditHistory(store: RegistryStore, name: string): Promise<AuditHistoryEntry[]> {
  const prefix = `${deploymentDir(name)}/audits/`;
  const keys = (await store.list(prefix)).map((o) => o.key).filter((k) => k.endsWith('/audit.json'));
  const entries: AuditHistoryEntry[] = [];
  for (const key of keys) {
    const { bytes, ref } = await store.getByKey(key);
    const record = parseJsonBytes<AuditRecord>(bytes, ref.uri);
    if (record.format !== 'fairshrink.audit') {
      throw new CampaignInputError(`${ref.uri} is not an audit record (format ${String(record.format)})`);
    }
    const { output } = record;
    entries.push({
      auditId: output.auditId,
      at: record.at,
      version: output.version,
      status: output.status,
      rows: output.batch.rows,
      accuracy: output.summary.accuracy,
      worstGroupAccuracy: output.summary.worstGroupAccuracy,
      equalizedOddsDifference: Object.fromEntries(
        Object.entries(output.summary.attributes).map(([attr, s]) => [attr, s.equalizedOddsDifference]),
      ),
      maxFeaturePsi: output.drift.maxFeaturePsi,
      maxGroupMixPsi: output.drift.maxGroupMixPsi,
      drifted: output.drift.drifted,
      record: ref,
    });
  }
  return entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.auditId < b.auditId ? -1 : 1));
}
