// The campaign id covers the data's contents: the same file over the same data keeps its id (so `run` attaches),
// fixed data gets a new one (so `run` does not re-attach to the campaign that failed on the bad data). Own data
// (a `path:` source) in a temporary folder; no network, no Temporal.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCommand } from '../../../cli/commands/run.ts';
import type { CliIo } from '../../../cli/io.ts';
import { campaignIdOf, datasetIdOfCampaign, loadCampaignFile } from '../../../core/config/campaign-file.ts';
import { loadDataset } from '../../../core/data/index.ts';

function loansCsv(badRow = false): string {
  const lines = ['income,region,sex,repaid'];
  for (let i = 0; i < 60; i++)
    lines.push(
      `${20 + (i % 13) * 3},${['north', 'south'][i % 2]},${i % 4 < 2 ? 'F' : 'M'},${i % 5 < 3 ? 'yes' : 'no'}`,
    );
  if (badRow) lines[7] = '99999,north,F,yes'; // the data fix: one row's value changes
  return `${lines.join('\n')}\n`;
}

const spec = (file: string) => ({
  name: 'loans',
  sources: [{ path: file }],
  label: { column: 'repaid', positive: ['yes'], negative: ['no'] },
  sensitive: [{ name: 'sex', column: 'sex' }],
  features: { categorical: ['region'], numeric: ['income'] },
  split: { kind: 'stratified', fractions: { train: 0.5, validation: 0.25, test: 0.25 } },
});

const campaign = {
  version: 1,
  name: 'loans',
  seed: 0,
  dataset: 'loans.yaml',
  model: { kind: 'train', mlp: { hidden: [{ units: 4 }] }, train: { epochs: 1 } },
  compression: { criterion: 'magnitude-global', schedule: { kind: 'list', sparsities: [0.5] } },
  evaluation: { split: 'validation', bootstrap: 10, minGroupSize: 5 },
  rubric: {
    version: 1,
    name: 'loans',
    constraints: [{ id: 'floor', metric: 'accuracy', comparator: '>=', threshold: 0.5 }],
  },
};

/** A campaign folder with the data as given; returns the campaign file. */
async function writeCampaign(data: string | Uint8Array, dataFile = 'loans.csv'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fairshrink-campaign-id-'));
  await writeFile(join(dir, dataFile), data);
  await writeFile(join(dir, 'loans.yaml'), stringify(spec(dataFile)));
  const file = join(dir, 'campaign.yaml');
  await writeFile(file, stringify(campaign));
  return file;
}

async function idOf(file: string): Promise<string> {
  const loaded = await loadCampaignFile(file);
  return campaignIdOf(loaded, await datasetIdOfCampaign(loaded));
}

describe('the campaign id covers the data', () => {
  it('is the data set id prepareDataset derives (spec hash and decompressed source bytes)', async () => {
    const loaded = await loadCampaignFile(await writeCampaign(loansCsv()));
    const encoded = await loadDataset(loaded.dataset);
    expect(await datasetIdOfCampaign(loaded)).toBe(encoded.datasetId);
  });

  it('stays for the same data (anywhere, gzipped or not) and changes when the data changes', async () => {
    const id = await idOf(await writeCampaign(loansCsv()));
    expect(id).toMatch(/^loans-[0-9a-f]{12}$/);
    expect(await idOf(await writeCampaign(loansCsv()))).toBe(id);
    expect(await idOf(await writeCampaign(gzipSync(loansCsv()), 'loans.csv.gz'))).toBe(id);
    expect(await idOf(await writeCampaign(loansCsv(true)))).not.toBe(id);
  });

  it('run --dry-run prints the id of the data it read', async () => {
    const printed = async (file: string) => {
      const out: string[] = [];
      const io = { stdout: (t: string) => void out.push(t), stderr: () => undefined } as unknown as CliIo;
      expect(await runCommand([file, '--dry-run', '--json'], io)).toBe(0);
      return (JSON.parse(out.join('')) as { campaignId: string }).campaignId;
    };
    const before = await writeCampaign(loansCsv(true));
    expect(await printed(before)).toBe(await idOf(before));
    expect(await printed(await writeCampaign(loansCsv()))).not.toBe(await printed(before));
  });
});
