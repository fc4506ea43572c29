// `fairshrink evaluate` on temporary CSV files: exit codes 0 / 1 / 2 and the messages users see.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateCommand } from '../../../cli/commands/evaluate.ts';
import type { FairnessReport } from '../../../core/fairness/report-types.ts';
import { HAND_GROUP, HAND_LABEL, HAND_REFERENCE_SCORE, HAND_SCORE } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'fairshrink-evaluate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const handCsv = (mutate: (row: string[], i: number) => string[] = (r) => r): string =>
  [
    'y,p,p_ref,group',
    ...HAND_LABEL.map((y, i) =>
      mutate([String(y), String(HAND_SCORE[i]), String(HAND_REFERENCE_SCORE[i]), HAND_GROUP[i]!], i).join(','),
    ),
  ].join('\n') + '\n';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await evaluateCommand(argv, {
    stdout: (t) => (stdout += `${t}\n`),
    stderr: (t) => (stderr += `${t}\n`),
  });
  return { code, stdout, stderr };
}

const data = file('preds.csv', handCsv());
const base = (out: string) => [
  '--data',
  data,
  '--label',
  'y',
  '--score',
  'p',
  '--sensitive',
  'group',
  '--out',
  join(dir, out),
  '--bootstrap',
  '50',
];

const rubric = (threshold: number) =>
  file(
    `rubric-${threshold}.yaml`,
    `version: 1\nname: cli-test\nmin_group_size: 3\nuncertainty: point_estimate\nconstraints:\n  - id: dpd\n    metric: demographic_parity_difference\n    attribute: group\n    comparator: "<="\n    threshold: ${threshold}\n`,
  );

describe('fairshrink evaluate: success', () => {
  it('--help prints usage with an example and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Example:\n\s+fairshrink evaluate --data/);
  });

  it('writes the JSON report and a summary; exit 0 without a rubric', async () => {
    const r = await run([...base('report.json'), '--reference-score', 'p_ref', '--seed', '7']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as FairnessReport;
    expect(report.format).toBe('fairshrink.fairness-report');
    expect(report.config).toMatchObject({ bootstrap: 50, seed: 7, threshold: 0.5 });
    expect(report.attributes['group']!.groups['A']!['selection_rate']!.value).toBeCloseTo(0.6, 12);
    expect(report.attributes['group']!.disparities['demographic_parity_difference']!.ci).toHaveLength(2);
    expect(report.delta!.overall['accuracy']!.value).toBeCloseTo(-1 / 3, 12);
    expect(r.stdout).toMatch(/^fairshrink evaluate: 12 rows, threshold 0.5, 50 bootstrap resamples \(seed 7\)/);
    // No --ci-method: percentile CIs, and the simultaneous bound for max/min-over-groups disparities.
    expect(report.config.ci_method).toBe('simultaneous');
    expect(r.stdout).toMatch(/95% percentile CIs \(simultaneous for max\/min over groups\)/);
    expect(r.stdout).toMatch(/demographic_parity_difference: 0\.417 \[/);
  });

  it('--ci-method bias-corrected is recorded in the report and the summary', async () => {
    const r = await run([...base('bc.json'), '--ci-method', 'bias-corrected']);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'bc.json'), 'utf8')) as FairnessReport;
    expect(report.config.ci_method).toBe('bias-corrected');
    expect(r.stdout).toMatch(/95% bias-corrected CIs/);
  });

  it('exit 0 when the gate passes, 1 when it fails, with the reason in the summary and the JSON', async () => {
    const pass = await run([...base('pass.json'), '--rubric', rubric(0.5)]);
    expect(pass.code).toBe(0);
    expect(pass.stdout).toMatch(/gate "cli-test": PASS: all 1 constraints pass/);
    const fail = await run([...base('fail.json'), '--rubric', rubric(0.4)]);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toMatch(/FAIL\s+dpd: demographic_parity_difference on group = 0\.4167 .*violates <= 0\.4/);
    const report = JSON.parse(readFileSync(join(dir, 'fail.json'), 'utf8')) as FairnessReport;
    expect(report.gate!.status).toBe('fail');
  });

  it('labels and predictions written as 0.0 / 1.0 (pandas float columns) read as 0 and 1; 1e-1 is a score', async () => {
    const floats = file(
      'floats.csv',
      handCsv((r, i) => [`${r[0]}.0`, i === 0 ? '1e-1' : r[1]!, r[2]!, r[3]!]),
    );
    const plain = await run([...base('plain.json'), '--bootstrap', '0']);
    const r = await run([...base('floats.json'), '--data', floats, '--bootstrap', '0']);
    expect(r.code).toBe(0);
    const a = JSON.parse(readFileSync(join(dir, 'plain.json'), 'utf8')) as FairnessReport;
    const b = JSON.parse(readFileSync(join(dir, 'floats.json'), 'utf8')) as FairnessReport;
    expect(plain.code).toBe(0);
    expect(b.overall['base_rate']).toEqual(a.overall['base_rate']);
  });

  it('the summary table header keeps its columns apart', async () => {
    const r = await run([...base('cols.json'), '--bootstrap', '0']);
    expect(r.stdout).toMatch(/group\s+rows\s+accuracy\s+selection\s+TPR\s+FPR/);
    expect(r.stdout).not.toMatch(/accuracyselection/);
  });

  it('an attribute with a single group warns on stderr and its rubric constraints lack evidence', async () => {
    const one = file(
      'one-group.csv',
      handCsv((r) => [...r.slice(0, 3), 'A']),
    );
    const r = await run([...base('one.json'), '--data', one, '--rubric', rubric(0.5)]);
    expect(r.stderr).toMatch(/warning: group: every row is in one group \(A\)/);
    expect(r.code).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, 'one.json'), 'utf8')) as FairnessReport;
    expect(report.gate!.status).toBe('insufficient-evidence');
    expect(report.gate!.constraints[0]!.reason).toMatch(/"group" has a single group \(A\)/);
  });

  it('--json prints the report to stdout', async () => {
    const r = await run([...base('j.json'), '--json', '--bootstrap', '0']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as FairnessReport).config.bootstrap).toBe(0);
  });
});

describe('fairshrink evaluate: bad input exits 2 with one clear line', () => {
  const expectBad = async (argv: string[], pattern: RegExp) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).toMatch(/Fix: /);
    expect(r.stdout).toBe('');
  };

  it('missing column, naming the flag and the columns there are', async () => {
    await expectBad(
      ['--data', data, '--label', 'y', '--score', 'prob', '--sensitive', 'group', '--out', join(dir, 'x.json')],
      /--score: column "prob" is not in .*preds\.csv \(columns: y, p, p_ref, group\)/,
    );
    await expectBad(
      [...base('x.json').slice(0, 6), '--sensitive', 'sex', '--out', join(dir, 'x.json')],
      /--sensitive: column "sex"/,
    );
  });

  it('label not 0/1, naming the first bad row and line', async () => {
    const bad = file(
      'bad-label.csv',
      handCsv((r, i) => (i === 2 ? ['2', ...r.slice(1)] : r)),
    );
    await expectBad(
      [...base('x.json'), '--data', bad],
      /column "y" \(--label\), row 3 \(line 4\): "2" is not 0 or 1\. Fix: encode the label as 0 or 1/,
    );
  });

  it('score outside [0, 1], NaN, or empty', async () => {
    const high = file(
      'high.csv',
      handCsv((r, i) => (i === 4 ? [r[0]!, '1.5', r[2]!, r[3]!] : r)),
    );
    await expectBad(
      [...base('x.json'), '--data', high],
      /column "p" \(--score\), row 5 \(line 6\): "1\.5" is not a probability in \[0, 1\]/,
    );
    const nan = file(
      'nan.csv',
      handCsv((r, i) => (i === 1 ? [r[0]!, 'NaN', r[2]!, r[3]!] : r)),
    );
    await expectBad([...base('x.json'), '--data', nan], /row 2 \(line 3\): "NaN" is not a plain decimal number/);
    const empty = file(
      'empty-field.csv',
      handCsv((r, i) => (i === 0 ? [r[0]!, '', r[2]!, r[3]!] : r)),
    );
    await expectBad([...base('x.json'), '--data', empty], /row 1 \(line 2\): empty is not a plain decimal number/);
  });

  it('numbers follow the strict decimal grammar: no hex, no spaces around, no Infinity', async () => {
    const cases: [number, number, string, RegExp][] = [
      [0, 2, '0x1', /column "y" \(--label\), row 3 \(line 4\): "0x1" is not a plain decimal number/],
      [1, 0, '0x0', /column "p" \(--score\), row 1 \(line 2\): "0x0" is not a plain decimal number/],
      [1, 3, ' 0.5 ', /column "p" \(--score\), row 4 \(line 5\): " 0\.5 " is not a plain decimal number/],
      [0, 5, '+1', /column "y" \(--label\), row 6 \(line 7\): "\+1" is not a plain decimal number/],
      [2, 1, 'Infinity', /column "p_ref" \(--reference-score\), row 2 \(line 3\): "Infinity" is not/],
    ];
    for (const [column, row, cell, pattern] of cases) {
      const bad = file(
        `grammar-${column}-${row}.csv`,
        handCsv((r, i) => (i === row ? r.map((v, c) => (c === column ? cell : v)) : r)),
      );
      await expectBad([...base('x.json'), '--data', bad, '--reference-score', 'p_ref'], pattern);
    }
    await expectBad([...base('x.json'), '--threshold', '0x0'], /--threshold: "0x0" is not a number in \[0, 1\]/);
  });

  it('empty file, header only, and a row with the wrong number of fields', async () => {
    await expectBad([...base('x.json'), '--data', file('empty.csv', '')], /--data: .*empty\.csv is empty/);
    await expectBad([...base('x.json'), '--data', file('header.csv', 'y,p,group\n')], /has a header but no rows/);
    await expectBad(
      [...base('x.json'), '--data', file('ragged.csv', 'y,p,group\n1,0.5,A\n0,0.2\n')],
      /line 3: 2 fields, but the header has 3/,
    );
  });

  it('unknown flag, missing required flag, bad flag value', async () => {
    await expectBad([...base('x.json'), '--treshold', '0.4'], /unknown flag --treshold/);
    await expectBad(base('x.json').slice(0, 8), /missing --out/);
    await expectBad([...base('x.json'), '--threshold', 'high'], /--threshold: "high" is not a number in \[0, 1\]/);
    await expectBad([...base('x.json'), '--ci-method', 'bca'], /--ci-method: "bca" is not a CI method/);
  });

  it('a bad rubric names the path of the field; a rubric that does not fit the data names the constraint', async () => {
    const badRubric = file(
      'bad.yaml',
      'version: 1\nname: b\nconstraints:\n  - id: a\n    metric: accuracy\n    comparator: le\n    threshold: 0.1\n',
    );
    await expectBad(
      [...base('x.json'), '--rubric', badRubric],
      /--rubric: .*bad\.yaml: constraints\[0\]\.comparator: /,
    );
    const other = file(
      'other.yaml',
      'version: 1\nname: o\nconstraints:\n  - id: eod-sex\n    metric: equalized_odds_difference\n    attribute: sex\n    comparator: "<="\n    threshold: 0.1\n',
    );
    await expectBad(
      [...base('x.json'), '--rubric', other],
      /constraints\[0\] \(eod-sex\): attribute "sex" is not in the report/,
    );
  });
});
