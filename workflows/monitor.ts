// The deployment monitor: one re-audit of a deployment (started on a Temporal Schedule, or by
// `fairshrink monitor run`). Audit the serving model on the newest labelled batch; when the audit fails,
// roll the deployment back to its previous known-good version (or, with the 'alert' policy, only record
// an incident). The rollback runs even if the workflow is cancelled meanwhile: a failed audit must not
// leave a failing model serving. Deterministic code only (see eslint.config.js).
import {
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import {
  DEFAULT_MONITOR_POLICY,
  DEPLOYMENT_NAME,
  type ArtifactRef,
  type AuditOutput,
  type MonitorPolicy,
  type RollbackOutput,
} from '../core/monitoring/contracts.ts';

export interface MonitorInput {
  deployment: string;
  /** Audit this batch instead of the newest one under `deployments/<name>/batches/`. */
  batch?: ArtifactRef;
  policy?: MonitorPolicy;
  /** Bootstrap seed; default: derived from the audit id. */
  seed?: number;
}

export interface MonitorResult {
  deployment: string;
  auditId: string;
  audit: AuditOutput;
  /** What the monitor did about the audit. */
  action: 'none' | 'rolled-back' | 'incident';
  rollback: RollbackOutput | null;
}

export interface MonitorState {
  phase: 'auditing' | 'rolling-back' | 'done';
  audit: AuditOutput | null;
}

export const monitorStateQuery = defineQuery<MonitorState>('state');

const nonRetryableErrorTypes = ['InvalidInput', 'InvalidConfig', 'DataError'];

/** The audit id: the workflow id (a schedule appends the start time) and run, as a folder-safe name. */
export function auditIdOf(workflowId: string, runId: string): string {
  const base = workflowId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100);
  return `${base || 'audit'}-${runId
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 8)
    .toLowerCase()}`;
}

export async function monitorDeployment(input: MonitorInput): Promise<MonitorResult> {
  if (!DEPLOYMENT_NAME.test(input.deployment)) {
    throw ApplicationFailure.create({
      message: `deployment "${input.deployment}": use 1–63 lower-case letters, digits and "-", starting with a letter or digit`,
      type: 'InvalidInput',
      nonRetryable: true,
    });
  }
  const policy = input.policy ?? DEFAULT_MONITOR_POLICY;
  const info = workflowInfo();
  const auditId = auditIdOf(info.workflowId, info.runId);
  const state: MonitorState = { phase: 'auditing', audit: null };
  setHandler(monitorStateQuery, () => state);

  const steps = proxyActivities<Activities>({
    startToCloseTimeout: '30 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes },
  });

  const at = new Date().toISOString(); // workflow time: deterministic on replay
  const audit = await steps.auditDeployment({
    deployment: input.deployment,
    auditId,
    ...(input.batch === undefined ? {} : { batch: input.batch }),
    ...(input.seed === undefined ? {} : { seed: input.seed }),
    policy,
    at,
  });
  state.audit = audit;
  if (audit.status !== 'fail') {
    state.phase = 'done';
    return { deployment: input.deployment, auditId, audit, action: 'none', rollback: null };
  }

  state.phase = 'rolling-back';
  const rollback = await CancellationScope.nonCancellable(() =>
    steps.rollbackDeployment({
      deployment: input.deployment,
      audit: { auditId, version: audit.version, record: audit.record, reason: audit.reason },
      action: policy.onFail,
      at: new Date().toISOString(),
    }),
  );
  state.phase = 'done';
  return {
    deployment: input.deployment,
    auditId,
    audit,
    action: rollback.rolledBack ? 'rolled-back' : 'incident',
    rollback,
  };
}
