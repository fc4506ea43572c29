// Example campaigns end to end through Temporal on the local stack (worker in-process, real S3), one entry per
// campaign in EXAMPLE_CAMPAIGNS: wall time, where it ended (sparsity, precision), quality on the held-out test split
// (accuracy, worst-group accuracy, max ψ with its paired-bootstrap CI) and the bytes each export format stores.
// Each campaign runs in a process of its own (bench/example-campaign-run.ts), because tfjs chooses its backend once
// per process and a campaign names the backend it needs.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reachesTarget } from '../../core/campaign/summary.ts';
import { projectRoot } from '../../infra/paths.ts';
import { RUN_MARKER, type ExampleCampaignRun } from '../example-campaign-run.ts';
import type { BenchRow, BenchSuite } from '../types.ts';

const SUITE = 'example-campaigns';

interface ExampleCampaign {
  /** Row names start with it. */
  key: string;
  /** The campaign file, relative to the repository root. */
  file: string;
  /** FAIRSHRINK_TFJS_BACKEND for the worker (convolutions train on cpu or tensorflow only, not wasm). */
  backend: 'wasm' | 'cpu' | 'tensorflow';
  /** What the model and data are, for the notes. */
  about: string;
  /** Wall-time goal in seconds on the bench machine (issue #16: 10 minutes on 2 cores for the image campaign). */
  wallGoalSeconds: number;
}

const EXAMPLE_CAMPAIGNS: ExampleCampaign[] = [
  {
    key: 'colour-shift',
    file: 'examples/campaigns/colour-shift.yaml',
    // The native backend trains convolutions in C++ (`fairshrink setup --backend tensorflow`); on cpu one of its
    // fine-tuning epochs takes minutes.
    backend: 'tensorflow',
    about: 'Keras CNN on SYNTHETIC colour-shifted stripes',
    wallGoalSeconds: 600,
  },
  {
    key: 'adult-embedding',
    file: 'examples/campaigns/adult-embedding.yaml',
    // WASM has no UnsortedSegmentSum, an Embedding's gradient.
    backend: 'cpu',
    about: 'Keras Embedding model on UCI Adult categorical codes',
    wallGoalSeconds: 600,
  },
];

const ext = path.extname(fileURLToPath(import.meta.url));
const runner = fileURLToPath(new URL(`../example-campaign-run${ext}`, import.meta.url));

function runCampaign(campaign: ExampleCampaign): ExampleCampaignRun {
  const child = spawnSync(
    process.execPath,
    [...(ext === '.ts' ? ['--import', 'tsx'] : []), runner, campaign.file, `bench-${campaign.key}`],
    {
      cwd: projectRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, FAIRSHRINK_TFJS_BACKEND: campaign.backend },
    },
  );
  const marker = child.stdout.lastIndexOf(RUN_MARKER);
  if (child.status !== 0 || marker < 0)
    throw new Error(`${campaign.file}: exit ${child.status}: ${child.stdout.slice(-2000)}`);
  return JSON.parse(child.stdout.slice(marker + RUN_MARKER.length)) as ExampleCampaignRun;
}

const orMissing = (value: number | null | undefined): number => value ?? Number.NaN;
const four = (value: number | null | undefined) => (value === null || value === undefined ? 'n/a' : value.toFixed(4));

function rowsOf(campaign: ExampleCampaign, run: ExampleCampaignRun): BenchRow[] {
  const name = (measure: string) => `${campaign.key}: ${measure}`;
  const on = `${run.split} split, ${run.rows} rows`;
  const worst = run.final.worstGroupAccuracy;
  const denseWorst = run.dense.worstGroup;
  const psi = run.maxPsi;
  const rows: BenchRow[] = [
    {
      suite: SUITE,
      name: name('campaign through Temporal (wall)'),
      value: run.wallSeconds,
      unit: 's',
      target: `< ${campaign.wallGoalSeconds} s on 2 cores`,
      met: run.wallSeconds < campaign.wallGoalSeconds,
      notes: `${campaign.about}; ${run.backend} backend; ${run.status} (${run.reason}); ${run.attempts} attempts over ${run.milestones} milestones`,
    },
    {
      suite: SUITE,
      name: name('final sparsity'),
      value: run.finalSparsity,
      unit: 'fraction',
      target: `${run.targetSparsity}`,
      // Within pruning's rounding to whole weights, as the campaign's own headline judges it.
      met: reachesTarget(run.finalSparsity, run.targetSparsity),
      notes: `precision ${run.precision}`,
    },
    {
      suite: SUITE,
      name: name('accuracy'),
      value: orMissing(run.final.accuracy),
      unit: 'accuracy',
      notes: `${on}; dense baseline ${four(run.dense.accuracy)}`,
    },
    {
      suite: SUITE,
      name: name('worst-group accuracy'),
      value: orMissing(worst?.value),
      unit: 'accuracy',
      notes: `${on}; ${worst ? `${worst.attribute}=${worst.group}` : 'no group'}; dense baseline ${four(denseWorst?.value)}${denseWorst ? ` (${denseWorst.attribute}=${denseWorst.group})` : ''}`,
    },
    {
      suite: SUITE,
      name: name('max ψ'),
      value: orMissing(psi?.value),
      unit: 'accuracy gap',
      notes: `${on}; vs the dense baseline; ${psi ? `${psi.attribute}; 95% paired bootstrap CI ${psi.ci ? `[${psi.ci[0].toFixed(4)}, ${psi.ci[1].toFixed(4)}]` : `none (${psi.reason ?? 'no bootstrap'})`}` : 'no report'}`,
    },
  ];
  if (psi?.ci) {
    rows.push(
      { suite: SUITE, name: name('max ψ CI low'), value: psi.ci[0], unit: 'accuracy gap' },
      { suite: SUITE, name: name('max ψ CI high'), value: psi.ci[1], unit: 'accuracy gap' },
    );
  }
  for (const f of run.formats) {
    rows.push({
      suite: SUITE,
      name: name(`stored bytes (${f.format})`),
      value: f.bytes,
      unit: 'bytes',
      notes: `as stored in S3; gzip ${f.gzipBytes} bytes; ${f.ratioVsDense.toFixed(2)}× smaller than dense${f.format === run.shipped ? `; shipped, export gate ${run.exportGate}` : ''}`,
    });
  }
  if (run.denseBytes !== undefined)
    rows.push({
      suite: SUITE,
      name: name('stored bytes (dense float32)'),
      value: run.denseBytes,
      unit: 'bytes',
      notes: 'the dense baseline as tfjs stores it (model.json + weights)',
    });
  return rows;
}

const suite: BenchSuite = {
  name: SUITE,
  needsStack: true,
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = [];
    for (const campaign of EXAMPLE_CAMPAIGNS) rows.push(...rowsOf(campaign, runCampaign(campaign)));
    return rows;
  },
};

export default suite;
