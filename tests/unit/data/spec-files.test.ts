import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { datasetSpecJsonSchema, loadDataset, loadDatasetSpec } from '../../../core/data/index.ts';
import { tinyCsv, tinySpec } from './fixtures.ts';

describe('spec files', () => {
  it('loads YAML and JSON specs with paths relative to the spec file, to the same DatasetId', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fairshrink-spec-'));
    await writeFile(join(dir, 'tiny.csv'), tinyCsv());
    await writeFile(join(dir, 'tiny.yaml'), stringify(tinySpec()));
    await writeFile(join(dir, 'tiny.json'), JSON.stringify(tinySpec()));
    const fromYaml = await loadDataset(join(dir, 'tiny.yaml'));
    const fromJson = await loadDataset(join(dir, 'tiny.json'));
    expect(fromYaml.datasetId).toBe(fromJson.datasetId);
    expect((await loadDatasetSpec(join(dir, 'tiny.yaml'))).baseDir).toBe(dir);
  });

  it('reports a bad field with the spec file and the field path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fairshrink-spec-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      stringify({ ...tinySpec(), sensitive: [{ name: 'g', column: 'group', derive: { kind: 'buckets' } }] }),
    );
    await expect(loadDatasetSpec(file)).rejects.toThrow(
      new RegExp(`${file}: invalid dataset spec: sensitive\\.0\\.derive\\.edges`),
    );
  });

  it('exports a JSON Schema for editors', () => {
    const schema = datasetSpecJsonSchema();
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties as object)).toEqual(
      expect.arrayContaining(['sources', 'dialect', 'label', 'sensitive', 'features', 'drop', 'split']),
    );
  });
});
