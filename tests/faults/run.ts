// `npm run test:faults`: the fault suite (docs/reliability.md). Starts its own Temporal dev server (on a SQLite file)
// and SeaweedFS, runs the fault campaign once undisturbed (the reference), then again under every planned group of
// faults (plan.ts), and compares each disturbed run with the reference (check.ts). Prints progress, then exactly one
// summary line `faults: N injected, N recovered, L lost, D diverged`; exits 0 only when nothing was lost or
// diverged and at least MIN_INJECTED faults were injected.
//   FAIRSHRINK_FAULTS_SEED   seed of the plan's draw (default 12)
//   FAIRSHRINK_FAULTS_RUNS   only the first n disturbed runs (a quick local check; the count criterion then fails)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ArtifactStore } from '../../core/storage/index.ts';
import { projectRoot } from '../../infra/paths.ts';
import { bundleWorkflows, installRuntime } from '../../workers/worker.ts';
import { runCampaign, type RunContext, type RunOutcome } from './campaign-run.ts';
import { digestOf, divergences } from './check.ts';
import { faultPlan } from './plan.ts';
import { startFaultStack } from './stack.ts';

const MIN_INJECTED = 50;

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const began = Date.now();
  const seed = Number(process.env.FAIRSHRINK_FAULTS_SEED ?? 12);
  const runs = faultPlan(seed);
  const limit =
    process.env.FAIRSHRINK_FAULTS_RUNS === undefined ? runs.length : Number(process.env.FAIRSHRINK_FAULTS_RUNS);
  installRuntime('ERROR');
  const stack = await startFaultStack();
  const logDir = path.join(stack.dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: 'fairshrink' });
  const store = new ArtifactStore(stack.s3);
  const workflowBundle = path.join(stack.dir, 'workflow-bundle.js');
  writeFileSync(workflowBundle, (await bundleWorkflows()).code);
  const ctx: RunContext = {
    stack,
    client,
    store,
    campaignFile: path.join(projectRoot, 'tests', 'faults', 'german-faults.yaml'),
    workflowBundle,
    logDir,
    log,
  };
  let injected = 0;
  let recovered = 0;
  let lost = 0;
  let diverged = 0;
  try {
    log(`fault suite: seed ${seed}, ${Math.min(limit, runs.length)} disturbed runs, logs in ${logDir}`);
    const reference = await runCampaign(ctx, 'reference', []);
    if (!reference.finished || reference.record === undefined || reference.lost.length > 0) {
      log(`reference run failed: ${reference.failure ?? reference.lost.map((l) => `${l.uri} ${l.why}`).join('; ')}`);
      lost += reference.lost.length;
      diverged += 1;
      return 1;
    }
    const expected = digestOf(reference.record);
    log(`reference ${reference.campaignId}: ${reference.record.result.status} in ${reference.seconds.toFixed(0)} s`);
    for (const run of runs.slice(0, limit)) {
      const outcome: RunOutcome = await runCampaign(ctx, run.name, run.incarnations);
      const differences =
        outcome.record === undefined ? [outcome.failure!] : divergences(expected, digestOf(outcome.record));
      const ok = outcome.finished && differences.length === 0 && outcome.lost.length === 0;
      injected += outcome.injected.length;
      if (ok) recovered += outcome.injected.length;
      lost += outcome.lost.length;
      if (differences.length > 0) diverged += 1;
      log(
        `${ok ? 'ok  ' : 'FAIL'} ${outcome.campaignId}: ${outcome.injected.length} faults injected, ` +
          `${outcome.seconds.toFixed(0)} s${outcome.notInjected.length > 0 ? `; never triggered: ${outcome.notInjected.join(', ')}` : ''}`,
      );
      for (const f of outcome.injected) log(`       ${f.id}: ${f.what}`);
      for (const l of outcome.lost) log(`       LOST ${l.uri}: ${l.why}`);
      for (const d of differences) log(`       DIVERGED ${d.slice(0, 2000)}`);
    }
    log(`wall time ${((Date.now() - began) / 1000).toFixed(0)} s`);
  } catch (err) {
    log(`fault suite error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    diverged += 1;
  } finally {
    log(`faults: ${injected} injected, ${recovered} recovered, ${lost} lost, ${diverged} diverged`);
    store.destroy();
    await connection.close();
    const keep = lost > 0 || diverged > 0;
    await stack.stop({ keepFiles: keep });
    if (keep) log(`kept ${stack.dir} (S3 data, Temporal's SQLite file, worker logs) for inspection`);
  }
  return lost === 0 && diverged === 0 && injected >= MIN_INJECTED ? 0 : 1;
}

process.exitCode = await main();
