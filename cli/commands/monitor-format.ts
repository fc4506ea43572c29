// What `fairshrink monitor` prints: one monitor run's outcome, and a deployment's audit history as a table.
import type { AuditHistoryEntry } from '../../core/monitoring/audit.ts';
import type { MonitorResult } from '../../workflows/monitor.ts';

export function describeMonitorResult(result: MonitorResult): string {
  const a = result.audit;
  const lines = [
    `audit ${a.auditId} of ${a.deployment} v${a.version} on ${a.batch.key} (${a.batch.rows} rows): ${a.status} — ${a.reason}`,
  ];
  for (const c of a.constraints) if (c.status !== 'pass') lines.push(`  ${c.id}: ${c.status} — ${c.reason}`);
  if (a.drift.reasons.length > 0) lines.push(`  drift: ${a.drift.reasons.join('; ')}`);
  if (a.drift.significantMetricDrifts > 0)
    lines.push(`  ${a.drift.significantMetricDrifts} metric(s) moved beyond their CIs`);
  if (result.rollback !== null) {
    lines.push(
      result.rollback.rolledBack
        ? `rolled back ${a.deployment} from v${result.rollback.fromVersion} to v${result.rollback.toVersion}; incident ${result.rollback.incident.uri}`
        : `incident recorded (${result.rollback.reason}); v${result.rollback.version} still serves: ${result.rollback.incident.uri}`,
    );
  }
  return lines.join('\n');
}

const fixed = (x: number | null | undefined, digits = 3): string =>
  x === null || x === undefined ? '—' : x.toFixed(digits);

/** The audit history as a table: how accuracy, the worst group, equalized odds and drift moved between audits. */
export function auditTable(audits: readonly AuditHistoryEntry[]): string {
  const attributes = [...new Set(audits.flatMap((a) => Object.keys(a.equalizedOddsDifference)))];
  const header = [
    'at',
    'version',
    'status',
    'rows',
    'accuracy',
    'worst group',
    ...attributes.map((a) => `EOD ${a}`),
    'max feature PSI',
    'group-mix PSI',
  ];
  const rows = audits.map((a) => [
    a.at.replace(/\.\d{3}Z$/, 'Z'),
    `v${a.version}`,
    a.status,
    String(a.rows),
    fixed(a.accuracy),
    a.worstGroupAccuracy === null
      ? '—'
      : `${a.worstGroupAccuracy.attribute}=${a.worstGroupAccuracy.group} ${fixed(a.worstGroupAccuracy.value)}`,
    ...attributes.map((attr) => fixed(a.equalizedOddsDifference[attr])),
    a.maxFeaturePsi === null
      ? '—'
      : `${a.maxFeaturePsi.feature} ${fixed(a.maxFeaturePsi.value)}${a.drifted ? ' (drift)' : ''}`,
    a.maxGroupMixPsi === null ? '—' : `${a.maxGroupMixPsi.attribute} ${fixed(a.maxGroupMixPsi.value)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `  ${cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()}`;
  return [line(header), ...rows.map(line)].join('\n');
}
