// `fairshrink run --dry-run` reads the data: a misspelt column, group (sensitive attribute) or rubric metric ends
// with exit code 2 and a message naming the field and the closest known name. Own data (a `path:` source), no
// network, no Temporal.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCommand } from '../../../cli/commands/run.ts';
import type { CliIo } from '../../../cli/io.ts';
import { CampaignFileError, loadCampaignFile } from '../../../core/config/campaign-file.ts';
import { checkCampaignData, didYouMean } from '../../../core/config/data-check.ts';

function loansCsv(): string {
  const lines = ['id,income,prior_defaults,region,sex,repaid'];
  for (let i = 0; i < 80; i++) {
    lines.push(
      `${i},${20 + (i % 13) * 3},${i % 3},${['north', 'south'][i % 2]},${i % 4 < 2 ? 'F' : 'M'},${i % 5 < 3 ? 'yes' : 'no'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const spec = {
  name: 'loans',
  sources: [{ path: 'loans.csv' }],
  label: { column: 'repaid', positive: ['yes'], negative: ['no'] },
  sensitive: [{ name: 'sex', column: 'sex' }],
  features: { categorical: ['region'], numeric: ['income', 'prior_defaults'] },
  split: { kind: 'stratified', fractions: { train: 0.5, validation: 0.25, test: 0.25 } },
};

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
    constraints: [
      { id: 'floor', metric: 'accuracy', comparator: '>=', threshold: 0.5 },
      { id: 'eod', metric: 'equalized_odds_difference', attribute: 'sex', comparator: '<=', threshold: 0.3 },
      { id: 'gap', metric: 'max_excess_accuracy_gap', attribute: 'sex', comparator: '<=', threshold: 0.05 },
    ],
  },
};

/** Writes the campaign, its spec and data (each changed as given) to a fresh folder; returns the campaign file. */
async function writeCampaign(
  edit: { spec?: (s: typeof spec) => unknown; campaign?: (c: typeof campaign) => unknown; csv?: string } = {},
) {
  const dir = await mkdtemp(join(tmpdir(), 'fairshrink-dry-run-'));
  await writeFile(join(dir, 'loans.csv'), edit.csv ?? loansCsv());
  await writeFile(join(dir, 'loans.yaml'), stringify(edit.spec ? edit.spec(structuredClone(spec)) : spec));
  const file = join(dir, 'campaign.yaml');
  await writeFile(file, stringify(edit.campaign ? edit.campaign(structuredClone(campaign)) : campaign));
  return file;
}

async function dryRun(file: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) } as CliIo;
  const code = await runCommand([file, '--dry-run'], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('run --dry-run reads the data', () => {
  it('passes a campaign whose columns, attributes and metrics all exist', async () => {
    const file = await writeCampaign();
    expect(await checkCampaignData(await loadCampaignFile(file))).toEqual([]);
    const r = await dryRun(file);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^valid: .*campaign\.yaml → campaign loans-[0-9a-f]{12}$/);
  });

  it('a misspelt column: exit 2, names the spec field and suggests the column', async () => {
    const file = await writeCampaign({
      spec: (s) => ({ ...s, features: { ...s.features, numeric: ['income', 'prior_default'] } }),
    });
    const r = await dryRun(file);
    expect(r.code).toBe(2);
    expect(r.err).toContain('dataset.features.numeric[1] (');
    expect(r.err).toMatch(/column "prior_default" is not in the data \(did you mean "prior_defaults"\?\)/);
    expect(r.err).toMatch(/the columns of loans\.csv are: id, income, prior_defaults, region, sex, repaid/);
  });

  it('a misspelt group (sensitive attribute) in the rubric: exit 2 with the constraint and a suggestion', async () => {
    const file = await writeCampaign({
      campaign: (c) => {
        c.rubric.constraints[1]!.attribute = 'sx';
        return c;
      },
    });
    await expect(loadCampaignFile(file)).rejects.toThrow(CampaignFileError);
    const r = await dryRun(file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /rubric\.constraints\[1\] \(eod\): attribute "sx" is not a sensitive attribute of the data set \(did you mean "sex"\?\)/,
    );
  });

  it('a misspelt metric: exit 2 with the constraint and a suggestion', async () => {
    const file = await writeCampaign({
      campaign: (c) => {
        c.rubric.constraints[1]!.metric = 'equalised_odds_difference';
        return c;
      },
    });
    const r = await dryRun(file);
    expect(r.code).toBe(2);
    // Refused when the rubric is parsed, before the data is read.
    expect(r.err).toMatch(
      /rubric\.constraints\[1\]\.metric: unknown disparity "equalised_odds_difference" \(did you mean "equalized_odds_difference"\?\)/,
    );
  });

  it('a label value the spec does not know, found in the sample: exit 2 with file, line and column', async () => {
    const file = await writeCampaign({ csv: loansCsv().replace(/\n(5,[^\n]*),yes\n/, '\n$1,maybe\n') });
    const r = await dryRun(file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /loans\.csv, line \d+, column 'repaid': label 'maybe' is neither positive \[yes\] nor negative \[no\]/,
    );
  });

  it('suggests only near names', () => {
    expect(didYouMean('decile_scor', ['decile_score', 'priors_count'])).toBe(' (did you mean "decile_score"?)');
    expect(didYouMean('Race', ['race', 'sex'])).toBe(' (did you mean "race"?)');
    expect(didYouMean('income', ['race', 'sex'])).toBe('');
  });
});
