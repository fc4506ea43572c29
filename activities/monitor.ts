// Deployment-monitor activities: thin Temporal adapters over core/monitoring (audit, rollback), with the
// same error typing as the campaign activities (bad input is non-retryable).
import { Context } from '@temporalio/activity';
import { auditDeployment } from '../core/monitoring/audit.ts';
import type { AuditInput, RollbackInput } from '../core/monitoring/contracts.ts';
import { rollback } from '../core/monitoring/registry.ts';
import type { ArtifactStore } from '../core/storage/index.ts';
import { toActivityFailure } from './campaign.ts';

export function createMonitorActivities(store: ArtifactStore) {
  return {
    async auditDeployment(input: AuditInput) {
      try {
        return await auditDeployment(input, { store, signal: Context.current().cancellationSignal });
      } catch (err) {
        throw toActivityFailure('auditDeployment', err);
      }
    },
    async rollbackDeployment(input: RollbackInput) {
      try {
        return await rollback(store, input);
      } catch (err) {
        throw toActivityFailure('rollbackDeployment', err);
      }
    },
  };
}

export type MonitorActivities = ReturnType<typeof createMonitorActivities>;
