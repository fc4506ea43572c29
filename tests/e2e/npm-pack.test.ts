// The package as a user gets it: `npm pack` (its prepack script builds dist/), the tarball installed
// into an empty folder (dependencies from the npm registry, or npm's cache when it has them), then
// `npx fairshrink --help` and `npx fairshrink evaluate` there. The installed package holds compiled
// JavaScript only, so this also proves nothing at run time needs the TypeScript sources or tsx.
// Slow: the install unpacks tfjs and Temporal's native bridge (~630 MB). Measured on 2 shared cores at a
// load average near 20: npm install 1 min 51 s, pack + install about 5 min. `npx --no --` runs the
// installed bin (never a download) and passes flags like --help to it rather than to npx.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FairnessReport } from '../../core/fairness/report-types.ts';
import { projectRoot } from '../../infra/paths.ts';

const INSTALL_TIMEOUT_MS = 420_000;
const scratch = mkdtempSync(path.join(tmpdir(), 'fairshrink-pack-'));
const app = path.join(scratch, 'app');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: INSTALL_TIMEOUT_MS,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const expectOk = (r: { code: number | null; stdout: string; stderr: string }, what: string) =>
  expect(r.code, `${what} failed:\n${r.stdout}\n${r.stderr}`).toBe(0);

beforeAll(() => {
  const packed = run(npm, ['pack', '--pack-destination', scratch, '--loglevel=error'], projectRoot);
  expectOk(packed, 'npm pack');
  const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
  expect(tarball, `npm pack wrote no tarball:\n${packed.stdout}`).toBeDefined();
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), '{ "name": "uses-fairshrink", "private": true }\n');
  const installed = run(
    npm,
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', path.join(scratch, tarball!)],
    app,
  );
  expectOk(installed, 'npm install <tarball>');
}, INSTALL_TIMEOUT_MS * 2);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('npm pack → npm install <tarball> → npx fairshrink', () => {
  it('installs compiled JavaScript only, with the prebuilt workflow bundle', () => {
    const pkg = path.join(app, 'node_modules', 'fairshrink');
    expect(existsSync(path.join(pkg, 'dist', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(path.join(pkg, 'dist', 'workflow-bundle.js'))).toBe(true);
    expect(existsSync(path.join(pkg, 'cli', 'main.ts'))).toBe(false);
  });

  it('npx fairshrink --help lists the commands', () => {
    const r = run(npx, ['--no', '--', 'fairshrink', '--help'], app);
    expectOk(r, 'npx fairshrink --help');
    expect(r.stdout).toMatch(/^fairshrink: compression campaigns/);
    expect(r.stdout).toMatch(/evaluate\s+fairness report/);
    expect(r.stderr).toBe('');
  });

  it('npx fairshrink evaluate writes a report for a predictions file', () => {
    const rows = ['y,p,sex'];
    for (let i = 0; i < 40; i++) rows.push(`${i % 2},${((i * 37) % 100) / 100},${i % 3 === 0 ? 'F' : 'M'}`);
    writeFileSync(path.join(app, 'preds.csv'), `${rows.join('\n')}\n`);
    const r = run(
      npx,
      [
        '--no',
        '--',
        'fairshrink',
        'evaluate',
        '--data',
        'preds.csv',
        '--label',
        'y',
        '--score',
        'p',
        '--sensitive',
        'sex',
        '--bootstrap',
        '200',
        '--out',
        'report.json',
      ],
      app,
    );
    expectOk(r, 'npx fairshrink evaluate');
    expect(r.stdout).toMatch(/^fairshrink evaluate: 40 rows/);
    const report = JSON.parse(readFileSync(path.join(app, 'report.json'), 'utf8')) as FairnessReport;
    expect(report.rows).toBe(40);
    expect(Object.keys(report.attributes['sex']!.groups).sort()).toEqual(['F', 'M']);
    expect(report.attributes['sex']!.disparities['demographic_parity_difference']!.ci).toHaveLength(2);
  });
});
