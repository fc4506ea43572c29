// `export verify --campaign <id>` reads <prefix>/<id>/export/ from S3: sizes.json names the files and their sha256,
// every read is checked against it, and a campaign without an export is said to have none.
import { describe, expect, it } from 'vitest';
import { encodeExport, type ExportFormat } from '../../../core/export/index.ts';
import { ExportPackageError, inspectExportPackage, readStoredExportPackages } from '../../../core/export/package.ts';
import { MemoryStore } from '../campaign/memory-store.ts';
import { quantizedModel } from './fixtures.ts';

async function storedExport(): Promise<MemoryStore> {
  const { model, source } = await quantizedModel(0.9);
  const store = new MemoryStore();
  const formats = [];
  for (const format of ['sparse-int8', 'tfjs-standard'] as ExportFormat[]) {
    const files = [];
    for (const f of (await encodeExport(format, source)).files)
      files.push({ name: f.name, ref: await store.put(`campaigns/c1/export/${format}/${f.name}`, f.bytes) });
    formats.push({ format, files });
  }
  const sizes = { format: 'fairshrink.export-sizes', version: 1, shipped: 'sparse-int8', formats };
  await store.put('campaigns/c1/export/sizes.json', new TextEncoder().encode(JSON.stringify(sizes)));
  model.dispose();
  return store;
}

describe('readStoredExportPackages', () => {
  it('reads every format sizes.json lists and checks it like a local package', async () => {
    const store = await storedExport();
    const packages = await readStoredExportPackages(store, 'campaigns', 'c1');
    expect(packages.map((p) => [p.format, p.location])).toEqual([
      ['sparse-int8', 's3://test-bucket/campaigns/c1/export/sparse-int8'],
      ['tfjs-standard', 's3://test-bucket/campaigns/c1/export/tfjs-standard'],
    ]);
    const inspected = await Promise.all(packages.map((p) => inspectExportPackage(p)));
    expect(inspected.map((i) => i.checksums)).toEqual([['header', 'sizes.json'], ['sizes.json']]);
    expect(inspected[0]!.bytes).toBe(store.bytesAt('campaigns/c1/export/sparse-int8/model.fss8').length);
  });

  it('refuses an object whose bytes changed, naming its URI', async () => {
    const store = await storedExport();
    store.bytesAt('campaigns/c1/export/tfjs-standard/group1-shard1of1.bin')[3]! ^= 0x04;
    const err = await readStoredExportPackages(store, 'campaigns', 'c1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportPackageError);
    expect(err).toMatchObject({
      problem: 'checksum-mismatch',
      file: 's3://test-bucket/campaigns/c1/export/tfjs-standard/group1-shard1of1.bin',
    });
  });

  it('says a campaign has no export when there is no sizes.json', async () => {
    const store = await storedExport();
    const err = await readStoredExportPackages(store, 'campaigns', 'other').catch((e: unknown) => e);
    expect(err).toMatchObject({
      problem: 'not-an-export',
      message: expect.stringMatching(/campaign other has no export/),
    });
    expect((err as ExportPackageError).fix).toMatch(/fairshrink list/);
  });
});
