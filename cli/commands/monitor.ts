// `fairshrink monitor ...`: upload labelled batches, re-audit the serving model (once, or on a Temporal Schedule),
// and show a deployment's versions, audits and incidents. The audits themselves run in workers
// (workflows/monitor.ts); these commands only talk to Temporal and S3.
import { ScheduleNotFoundError, ScheduleOverlapPolicy, WorkflowFailedError } from '@temporalio/client';
import { auditHistory, batchKey } from '../../core/monitoring/audit.ts';
import { DEFAULT_MONITOR_POLICY, type MonitorPolicy } from '../../core/monitoring/contracts.ts';
import { currentVersion, listEvents, listIncidents, listVersions } from '../../core/monitoring/registry.ts';
import { durationMs } from '../../core/config/campaign.ts';
import { loadEncodedDataset } from '../../core/data/dataset-cache.ts';
import { encodeBatch } from '../../core/data/batch.ts';
import { DataError } from '../../core/data/errors.ts';
import { sha256Hex } from '../../core/data/hash.ts';
import { monitorDeployment, type MonitorInput, type MonitorResult } from '../../workflows/monitor.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';
import {
  CampaignCommandError,
  commonFlags,
  openStore,
  parseCommandArgs,
  reportingFailures,
  withCampaignClient,
  type CommandContext,
} from './campaign.ts';
import { deploymentName, readInput } from './deploy.ts';
import { auditTable, describeMonitorResult } from './monitor-format.ts';

export const monitorHelp = `fairshrink monitor <subcommand> <deployment> [flags]

Re-audits of a deployment: each audit scores the serving model on the newest labelled batch, applies
the deployment's rubric, measures drift against the data the model was promoted on (feature PSI and
KS, group mix, metric drift with CIs) and, when the audit fails, rolls the deployment back to its
previous known-good version (policy rollback) or only records an incident (policy alert).

  add-batch <deployment> <file.csv>   check a labelled batch against the data set's spec and upload it
  run <deployment>                    audit now and wait for the outcome
  schedule <deployment> --every <d>   audit periodically (a Temporal Schedule, id monitor-<deployment>)
  unschedule <deployment>             delete that schedule (audits and records stay)
  status <deployment>                 serving version, versions, recent audits and incidents

Flags (run, schedule): --policy rollback|alert (default rollback), --fail-on-drift (drift alone
fails an audit), --psi <x> (feature and group-mix PSI threshold, default 0.25).
Durations: 30s, 15m, 6h, 1d.

Exit codes: 0 done (run: the audit passed), 1 the audit failed (run) or Temporal/S3 unreachable,
2 bad usage, no such deployment, or (add-batch) a batch the deployment's data set cannot encode: wrong
columns, no rows, a value that is not a number, a label or group it does not know.

Examples:
  fairshrink monitor add-batch credit-scoring batches/2026-11.csv
  fairshrink monitor run credit-scoring
  fairshrink monitor schedule credit-scoring --every 1d --policy rollback
  fairshrink monitor status credit-scoring --json`;

const scheduleIdOf = (deployment: string): string => `monitor-${deployment}`;

/**
 * The Temporal Schedule of a deployment's re-audits (without its id): start monitorDeployment every `everyMs`
 * (Temporal appends the start time to the workflow id), skip a run while one is still going, catch up an hour.
 */
export function monitorSchedule(
  deployment: string,
  opts: { everyMs: number; policy: MonitorPolicy; taskQueue: string; paused: boolean },
) {
  const input: MonitorInput = { deployment, policy: opts.policy };
  return {
    spec: { intervals: [{ every: opts.everyMs }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: monitorDeployment,
      workflowId: `monitor-${deployment}`,
      taskQueue: opts.taskQueue,
      args: [input] as [MonitorInput],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    state: { paused: opts.paused, note: `re-audits of deployment ${deployment}` },
  };
}

// ---- monitor ---------------------------------------------------------------------------------

function parseEvery(value: string | undefined): number {
  if (value === undefined)
    throw new UsageError('schedule needs --every <duration>', 'e.g. --every 1d (30s, 15m, 6h, 1d)');
  let ms = NaN;
  try {
    ms = durationMs(value);
  } catch {
    // reported below, with the flag's own wording
  }
  if (!(ms >= 10_000)) {
    throw new UsageError(
      `--every "${value}": give a duration of at least 10s, as 30s, 15m, 6h or 1d`,
      'e.g. --every 1d',
    );
  }
  return ms;
}

function policyOf(values: { policy?: string; 'fail-on-drift'?: boolean; psi?: string }): MonitorPolicy {
  const onFail = values.policy ?? DEFAULT_MONITOR_POLICY.onFail;
  if (onFail !== 'rollback' && onFail !== 'alert') {
    throw new UsageError(`--policy must be rollback or alert, got "${onFail}"`, '--policy rollback');
  }
  const psi = values.psi === undefined ? DEFAULT_MONITOR_POLICY.drift.featurePsi : Number(values.psi);
  if (!(psi > 0)) throw new UsageError(`--psi must be a positive number, got "${values.psi}"`, '--psi 0.25');
  return { onFail, drift: { featurePsi: psi, groupMixPsi: psi, failOnDrift: values['fail-on-drift'] === true } };
}

export async function monitorCommand(argv: string[], io: CliIo, context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('monitor', argv, {
    ...commonFlags,
    every: { type: 'string' },
    policy: { type: 'string' },
    'fail-on-drift': { type: 'boolean' },
    psi: { type: 'string' },
    paused: { type: 'boolean' },
  });
  const [sub, nameArg, ...rest] = positionals;
  if (values.help || sub === undefined) {
    io.stdout(monitorHelp);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const subcommands = ['add-batch', 'run', 'schedule', 'unschedule', 'status'];
  if (!subcommands.includes(sub)) {
    throw new UsageError(`unknown monitor subcommand "${sub}"`, `one of: ${subcommands.join(', ')}`);
  }
  const name = deploymentName(nameArg, `monitor ${sub}`);
  if (sub === 'add-batch' && rest.length !== 1) {
    throw new UsageError('add-batch needs one CSV file', `fairshrink monitor add-batch ${name} batch.csv`);
  }
  if (sub !== 'add-batch' && rest.length > 0) {
    throw new UsageError(`unexpected argument "${rest[0]}"`, `fairshrink monitor ${sub} ${name}`);
  }
  const policy = policyOf(values);
  const every = sub === 'schedule' ? parseEvery(values.every) : undefined;
  const batchBytes = sub === 'add-batch' ? await readInput(rest[0]!) : undefined;

  return reportingFailures(io, context, () =>
    withCampaignClient(async (c) => {
      const store = openStore(c.settings);
      const current = await currentVersion(store, name).catch((err: Error) => {
        throw new CampaignCommandError(err.message, `fairshrink promote <campaignId> --name ${name}`, EXIT.usage);
      });
      if (sub === 'add-batch') {
        // A batch the audit could not encode is refused now, not when the audit runs (possibly days later).
        const dataset = await loadEncodedDataset(store, current.version.dataset);
        try {
          encodeBatch(dataset, batchBytes!, rest[0]!);
        } catch (err) {
          if (!(err instanceof DataError)) throw err;
          throw new CampaignCommandError(
            `the batch does not fit deployment ${name}'s data set: ${err.message}`,
            `fix the file and run \`fairshrink monitor add-batch ${name} ${rest[0]!}\` again; nothing was uploaded`,
            EXIT.usage,
          );
        }
        const sha256 = sha256Hex(batchBytes!);
        const key = await batchKey(store, name, sha256);
        const ref = await store.put(key, batchBytes!, { contentType: 'text/csv' });
        if (values.json) io.stdout(JSON.stringify({ key, ref }, null, 2));
        else io.stdout(`batch ${key} (${ref.bytes} bytes, sha256 ${ref.sha256.slice(0, 12)}…) uploaded for ${name}`);
        return EXIT.ok;
      }
      if (sub === 'run') {
        const input: MonitorInput = { deployment: name, policy };
        const handle = await c.client.workflow.start(monitorDeployment, {
          taskQueue: c.settings.temporal.taskQueue,
          workflowId: `monitor-${name}-manual-${Date.now().toString(36)}`,
          args: [input],
        });
        if (!values.json) io.stdout(`auditing ${name} v${current.version.version} (workflow ${handle.workflowId}) …`);
        let result: MonitorResult;
        try {
          result = await handle.result();
        } catch (err) {
          if (err instanceof WorkflowFailedError) {
            throw new CampaignCommandError(
              `the audit of ${name} failed to run: ${(err.cause as Error | undefined)?.message ?? err.message}`,
              `\`fairshrink monitor status ${name}\`; is a worker running (\`fairshrink worker\`)?`,
            );
          }
          throw err;
        }
        if (values.json) io.stdout(JSON.stringify(result, null, 2));
        else io.stdout(describeMonitorResult(result));
        return result.audit.status === 'fail' ? EXIT.failed : EXIT.ok;
      }
      if (sub === 'schedule') {
        const scheduleId = scheduleIdOf(name);
        const options = monitorSchedule(name, {
          everyMs: every!,
          policy,
          taskQueue: c.settings.temporal.taskQueue,
          paused: values.paused === true,
        });
        const existing = c.client.schedule.getHandle(scheduleId);
        let updated = false;
        try {
          await existing.describe();
          await existing.update((prev) => ({
            ...prev,
            spec: options.spec,
            action: options.action,
            policies: options.policies,
          }));
          updated = true;
        } catch (err) {
          if (!(err instanceof ScheduleNotFoundError)) throw err;
          await c.client.schedule.create({ scheduleId, ...options });
        }
        const summary = { scheduleId, every: every! / 1000, policy, updated };
        if (values.json) io.stdout(JSON.stringify(summary, null, 2));
        else
          io.stdout(
            `${updated ? 'updated' : 'created'} schedule ${scheduleId}: audit ${name} every ${values.every} (policy ${policy.onFail}${policy.drift.failOnDrift ? ', drift fails' : ''})`,
          );
        return EXIT.ok;
      }
      if (sub === 'unschedule') {
        try {
          await c.client.schedule.getHandle(scheduleIdOf(name)).delete();
        } catch (err) {
          if (err instanceof ScheduleNotFoundError) {
            throw new CampaignCommandError(
              `deployment ${name} has no schedule`,
              `fairshrink monitor schedule ${name} --every 1d`,
              EXIT.usage,
            );
          }
          throw err;
        }
        io.stdout(
          values.json
            ? JSON.stringify({ deleted: scheduleIdOf(name) })
            : `deleted schedule ${scheduleIdOf(name)}; audits and records stay`,
        );
        return EXIT.ok;
      }
      // status
      const [versions, events, incidents, audits] = await Promise.all([
        listVersions(store, name),
        listEvents(store, name),
        listIncidents(store, name),
        auditHistory(store, name),
      ]);
      let schedule: { every: string; paused: boolean; next: string | null } | null = null;
      try {
        const d = await c.client.schedule.getHandle(scheduleIdOf(name)).describe();
        const interval = d.spec.intervals?.[0]?.every;
        schedule = {
          every: interval === undefined ? '?' : `${Number(interval) / 1000}s`,
          paused: d.state.paused,
          next: d.info.nextActionTimes[0]?.toISOString() ?? null,
        };
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
      const status = { deployment: name, current: current.pointer, versions, events, incidents, audits, schedule };
      if (values.json) {
        io.stdout(JSON.stringify(status, null, 2));
        return EXIT.ok;
      }
      io.stdout(
        `${name}: v${current.pointer.version} serves since ${current.pointer.since} (${current.pointer.reason})`,
      );
      for (const v of versions) {
        io.stdout(
          `  v${v.version}  ${v.promotedAt}  ${v.source.campaignId} ${v.checkpoint.stepKey}  by ${v.promotedBy}${v.note ? `  — ${v.note}` : ''}`,
        );
      }
      io.stdout(
        schedule === null
          ? 'schedule: none'
          : `schedule: every ${schedule.every}${schedule.paused ? ' (paused)' : ''}, next ${schedule.next ?? '—'}`,
      );
      const recent = events.slice(-10);
      io.stdout(recent.length === 0 ? 'events: none' : 'events (latest 10):');
      for (const e of recent) io.stdout(`  #${e.seq} ${e.at} ${e.kind} v${e.version}: ${e.message}`);
      io.stdout(
        audits.length === 0 ? 'audits: none' : `audits (latest ${Math.min(audits.length, 10)} of ${audits.length}):`,
      );
      if (audits.length > 0) io.stdout(auditTable(audits.slice(-10)));
      io.stdout(`incidents: ${incidents.length}`);
      return EXIT.ok;
    }),
  );
}
