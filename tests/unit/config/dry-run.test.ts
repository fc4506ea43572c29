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
import { checkCampaignData, didYouMean, gatedSplitRows } from '../../../core/config/data-check.ts';
import { loadDataset } from '../../../core/data/index.ts';

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

async function dryRun(file: string, ...flags: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) } as CliIo;
  const code = await runCommand([file, '--dry-run', ...flags], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('run --dry-run reads the data', () => {
  it('passes a campaign whose columns, attributes and metrics all exist', async () => {
    const file = await writeCampaign();
    expect(await checkCampaignData(await loadCampaignFile(file))).toEqual([]);
    const r = await dryRun(file);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^valid: .*campaign\.yaml → campaign loans-[0-9a-f]{12}$/m);
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

// The loans data: 80 rows, 20 in validation, 10 per sex. The rubric's ψ ≤ 0.05 cannot be resolved there
// (MDE = 2.80 · √(0.05 · 0.5 / 10) ≈ 0.14), equalized odds ≤ 0.3 between 10-row groups neither.
describe('run checks each constraint can pass at the planned sample size', () => {
  const gap =
    /rubric\.constraints\[2\] \(gap\): max_excess_accuracy_gap on sex <= 0\.05 cannot pass on the validation split: .*F \(10 rows: MDE 0\.14\d, needs ~\d+\)/;

  it('--dry-run prints the table and warns, naming the groups and the rows they would need; exit 0', async () => {
    const r = await dryRun(await writeCampaign());
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^feasibility on the validation split \(20 rows\): 95% CI, power 80%/m);
    expect(r.out).toMatch(
      /^gap\s+max_excess_accuracy_gap on sex\s+<= 0\.05\s+F\s+10\s+0\.14\d\s+0\.050\s+cannot pass: needs ~\d+ rows$/m,
    );
    expect(r.err).toMatch(new RegExp(`^warning: ${gap.source}`, 'm'));
    expect(r.err).toMatch(/^hint: relax the threshold/m);
  });

  it('--strict makes it an error: exit 2 before anything starts', async () => {
    const file = await writeCampaign();
    const r = await dryRun(file, '--strict');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^error: ${gap.source}`, 'm'));
    expect(r.out).toBe('');
    // Without --dry-run too: the check runs before any connection is made (there is no server here).
    const err: string[] = [];
    const io = { stdout: () => undefined, stderr: (t: string) => void err.push(t) } as unknown as CliIo;
    expect(await runCommand([file, '--strict'], io)).toBe(2);
    expect(err.join('\n')).toMatch(new RegExp(`^error: ${gap.source}`, 'm'));
  });

  it('--strict passes a rubric every group can resolve', async () => {
    const file = await writeCampaign({
      campaign: (c) => ({ ...c, rubric: { ...c.rubric, constraints: [c.rubric.constraints[0]!] } }),
    });
    const r = await dryRun(file, '--strict');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^floor\s+accuracy\s+>= 0\.5\s+overall\s+20\s+0\.\d+\s+0\.500\s+ok$/m);
  });

  it('counts the rows a worker will put in the gated split', async () => {
    const loaded = await loadCampaignFile(await writeCampaign());
    const dataset = await loadDataset(loaded.dataset);
    const rows = gatedSplitRows(loaded, dataset);
    expect(rows.split).toBe('validation');
    expect(rows.labels).toEqual(dataset.splits.validation.y);
    const sex = dataset.sensitive[0]!;
    expect(rows.groups['sex']).toEqual(Array.from(dataset.splits.validation.groups['sex']!, (c) => sex.groups[c]));
  });

  it('--json carries the report', async () => {
    const r = await dryRun(await writeCampaign(), '--json');
    expect(r.code, r.err).toBe(0);
    const json = JSON.parse(r.out) as {
      valid: boolean;
      feasibility: {
        split: string;
        rows: number;
        constraints: { id: string; status: string; groups: { group: string; rows: number }[] }[];
      };
    };
    expect(json.valid).toBe(true);
    expect(json.feasibility).toMatchObject({ split: 'validation', rows: 20 });
    expect(json.feasibility.constraints.map((c) => [c.id, c.status])).toEqual([
      ['floor', 'feasible'],
      ['eod', 'infeasible'],
      ['gap', 'infeasible'],
    ]);
    expect(json.feasibility.constraints[2]!.groups.map((g) => [g.group, g.rows])).toEqual([
      ['F', 10],
      ['M', 10],
    ]);
  });
});
