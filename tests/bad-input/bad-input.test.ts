// The bad-input corpus (README.md here): every case runs the real CLI (cli/main.ts's main, as bin/fairshrink.js
// calls it) against the test Temporal server and S3, and must exit 2 with a message that names the field and the fix,
// print no stack trace, write nothing to S3 and start nothing in Temporal.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { LOCAL_S3_CREDENTIALS } from '../../core/config/connection.ts';
import { ArtifactStore } from '../../core/storage/index.ts';
import { captureIo } from '../e2e/cli-support.ts';
import { connectTemporal, testSettings, uniqueId } from '../helpers/services.ts';
import { campaignFileCases } from './campaign-files.ts';
import { cliUsageCases } from './cli-usage.ts';
import { baseFiles, type BadInputCase, type CorpusFixtures, type FileSpec } from './corpus.ts';
import { dataFileCases } from './data-files.ts';
import { datasetSpecCases } from './dataset-specs.ts';
import { buildFixtures } from './fixtures.ts';
import { idAndKeyCases } from './ids-and-keys.ts';
import { modelFileCases } from './model-files.ts';
import { predictionCases } from './predictions.ts';
import { rubricFileCases } from './rubric-files.ts';
import { studyFileCases } from './study-files.ts';

const categories: Record<string, BadInputCase[]> = {
  'campaign files': campaignFileCases,
  'rubric files': rubricFileCases,
  'data set specs': datasetSpecCases,
  'data files': dataFileCases,
  'model files': modelFileCases,
  'predictions CSVs (evaluate)': predictionCases,
  'CLI usage': cliUsageCases,
  'campaign ids, deployment names and S3 keys': idAndKeyCases,
  'study files': studyFileCases,
};

// The corpus has a bucket and a task queue of its own, so what other test files write at the same time never
// shows in its snapshots, and anything a case wrongly starts lands on a queue no worker serves.
const taskQueue = uniqueId('bad-input-q');
const bucket = uniqueId('bad-input').slice(0, 63);
const store = new ArtifactStore({ ...testSettings(taskQueue).s3, bucket });
let temporal: Awaited<ReturnType<typeof connectTemporal>> | undefined;
let fixtures: CorpusFixtures | undefined;
let closeFixtures: (() => Promise<void>) | undefined;
let root = '';

beforeAll(async () => {
  Object.assign(process.env, {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    FAIRSHRINK_S3_ENDPOINT: inject('s3Endpoint'),
    FAIRSHRINK_S3_BUCKET: bucket,
    FAIRSHRINK_S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    FAIRSHRINK_TASK_QUEUE: taskQueue,
  });
  root = await mkdtemp(path.join(os.tmpdir(), 'fairshrink-bad-input-'));
  await store.ensureBucket();
  temporal = await connectTemporal();
  ({ fixtures, close: closeFixtures } = await buildFixtures(temporal.client, store));
});

afterAll(async () => {
  await closeFixtures?.();
  await temporal?.close();
  store.destroy();
  if (root) await rm(root, { recursive: true, force: true });
});

const placeholders = (text: string, dir: string, fx: CorpusFixtures): string =>
  text
    .replaceAll('{dir}', dir)
    .replaceAll('{aborted}', fx.abortedCampaignId)
    .replaceAll('{running}', fx.runningCampaignId)
    .replaceAll('{deployment}', fx.deployment);

/** Writes the base files with the case's changes into a new folder of its own. */
async function caseFolder(files: Record<string, FileSpec>, fx: CorpusFixtures): Promise<string> {
  const dir = await mkdtemp(path.join(root, 'case-'));
  const all: Record<string, FileSpec> = { ...baseFiles(), ...files };
  for (const [name, spec] of Object.entries(all)) {
    if (spec === null) continue;
    const file = path.join(dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, typeof spec === 'function' ? spec(fx) : spec);
  }
  return dir;
}

/** Every key in the corpus's bucket with its size: what "nothing written" compares. */
async function bucketListing(): Promise<string[]> {
  return (await store.list('')).map((o) => `${o.key} ${o.bytes}`).sort();
}

async function runCli(argv: string[]): Promise<{ code: number; output: string }> {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, output: `${io.stderrText()}\n${io.stdoutText()}` };
}

describe('the bad-input corpus', () => {
  it('holds at least 100 cases, named distinctly within each category', () => {
    const names = Object.entries(categories).flatMap(([category, cases]) =>
      cases.map((c) => `${category} > ${c.name}`),
    );
    expect(names.length).toBeGreaterThanOrEqual(100);
    expect(new Set(names).size).toBe(names.length);
  });

  it('starts from inputs that pass: the base campaign validates with --dry-run', async () => {
    const dir = await caseFolder({}, fixtures!);
    const { code, output } = await runCli(['run', `${dir}/campaign.yaml`, '--dry-run']);
    expect(code, output).toBe(0);
    expect(output).toMatch(/valid: .*campaign\.yaml → campaign corpus-[0-9a-f]{12}/);
  });

  for (const [category, cases] of Object.entries(categories)) {
    describe(category, () => {
      for (const badCase of cases) {
        it(badCase.name, async () => {
          const fx = fixtures!;
          const dir = await caseFolder(badCase.files ?? {}, fx);
          const argv = badCase.argv.map((a) => placeholders(a, dir, fx));
          const before = await bucketListing();
          const { code, output } = await runCli(argv);
          expect(code, output).toBe(2);
          for (const message of badCase.messages) expect(output).toContain(placeholders(message, dir, fx));
          // No stack trace, no internal error dump, and not the "unexpected error" hint.
          expect(output).not.toMatch(/^\s+at .+/m);
          expect(output).not.toMatch(/\b[A-Z]\w*Error: /);
          expect(output).not.toContain('run again with --verbose');
          expect(await bucketListing()).toEqual(before);
        });
      }
    });
  }

  it('started no workflow on the task queue the cases run with', async () => {
    // Visibility is eventually consistent: give a wrongly started campaign a moment to show up.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const started = await temporal!.client.workflow.count(`TaskQueue = "${taskQueue}"`);
    expect(started.count).toBe(0);
  });
});
