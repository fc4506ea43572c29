// `fairshrink export verify | inspect`: check an export package with the loaders the product uses (core/export
// package.ts) and say what it holds. A damaged package exits 2 naming the file, what is wrong and the fix.
import { EXIT, parseCommandArgs, UsageError, type CliIo } from '../io.ts';
import type { ExportInspection, ExportPackage } from '../../core/export/package.ts';

export const exportHelp = `fairshrink export verify <path> [--json]
fairshrink export inspect <path> [--json]
fairshrink export verify|inspect --campaign <campaignId> [--prefix <prefix>] [--json]

Check an export package (docs/export.md) exactly as fairshrink loads it: the sparse-int8 header (magic, format
version, content length, sha256 of the content), tfjs model.json markers, versions and shard lengths, every layer's
shape, finite weights, and each file's sha256 against sizes.json when the package comes with one.

<path> is the export folder (sizes.json + one folder per format, as copied from S3), one format's folder, a
model.fss8 file or a model.json file. --campaign reads <prefix>/<campaignId>/export/ from S3 instead.

  verify    one line per format: what was checked, bytes on disk and gzip bytes
  inspect   also every file and every layer: shape, activation, nonzero weights, sparsity
  --json    print the inspection(s) as JSON: [{ format, location, version, files, bytes, gzipBytes,
            checksums, layers, parameters, nonzeros, sparsity, activationRanges }]
  --prefix  storage prefix of the campaign (default "campaigns")

Exit codes: 0 every package checked out, 1 S3 unreachable, 2 a package is damaged, missing, of an unsupported
version or not an export at all (the message names the file and the fix), or bad usage.

Examples:
  fairshrink export verify export/sparse-int8/model.fss8
  fairshrink export inspect ./export
  fairshrink export verify --campaign adult-demo-3f2a9c1b --json`;

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

function checkedLine(i: ExportInspection): string {
  const checks =
    i.checksums.length === 0
      ? 'no sha256 recorded (no sizes.json next to it)'
      : `sha256 ok (${i.checksums.join(', ')})`;
  const shape = [i.layers[0]?.inputs ?? 0, ...i.layers.map((l) => l.units)].join('→');
  return (
    `ok  ${i.format} v${i.version}  ${i.location}\n` +
    `    ${checks}; ${i.layers.length} layers ${shape}; ${i.bytes} bytes on disk (${kb(i.bytes)}), ` +
    `gzip ${i.gzipBytes} bytes; sparsity ${percent(i.sparsity)} (${i.nonzeros} of ${i.layers.reduce((n, l) => n + l.weights, 0)} kernel weights nonzero)`
  );
}

function details(i: ExportInspection): string {
  const lines = ['    files:'];
  for (const f of i.files)
    lines.push(
      `      ${f.name.padEnd(22)} ${String(f.bytes).padStart(9)} B  gzip ${String(f.gzipBytes).padStart(9)} B  sha256 ${f.sha256}`,
    );
  const width = Math.max(5, ...i.layers.map((l) => l.name.length));
  lines.push(
    `    layers:  ${'name'.padEnd(width)}  ${'shape'.padStart(11)}  ${'activation'.padEnd(10)}  ${'nonzero'.padStart(9)}  sparsity  bias`,
  );
  for (const l of i.layers)
    lines.push(
      `             ${l.name.padEnd(width)}  ${`${l.inputs}×${l.units}`.padStart(11)}  ${l.activation.padEnd(10)}  ${String(l.nonzeros).padStart(9)}  ${percent(l.sparsity).padStart(8)}  ${l.bias ? 'yes' : 'no'}`,
    );
  lines.push(`    parameters ${i.parameters}; activation fake-quant ranges: ${i.activationRanges ? 'yes' : 'no'}`);
  return lines.join('\n');
}

export async function exportCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('export', argv, {
    campaign: { type: 'string' },
    prefix: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(exportHelp);
    return EXIT.ok;
  }
  const [action, target, ...extra] = positionals;
  if (action !== 'verify' && action !== 'inspect')
    throw new UsageError(
      action === undefined ? 'export needs verify or inspect' : `unknown export action "${action}"`,
      'fairshrink export verify <path>, or fairshrink export inspect <path>',
    );
  if (extra.length > 0 || (target === undefined) === (values.campaign === undefined))
    throw new UsageError(
      `export ${action} needs exactly one package: a path, or --campaign <campaignId>`,
      `fairshrink export ${action} export/sparse-int8/model.fss8`,
    );

  const { ExportPackageError, inspectExportPackage, readExportPackages } = await import('../../core/export/package.ts');
  let packages: ExportPackage[];
  try {
    if (values.campaign !== undefined) {
      const stored = await readFromS3(values.campaign, values.prefix ?? 'campaigns', io);
      if (stored === undefined) return EXIT.failed;
      packages = stored;
    } else packages = await readExportPackages(target!);
    // The worker's backend (FAIRSHRINK_TFJS_BACKEND, default wasm): the package loads here as it loads there.
    const { ensureBackend } = await import('../../core/model/backend.ts');
    await ensureBackend();
    const inspections: ExportInspection[] = [];
    for (const pkg of packages) inspections.push(await inspectExportPackage(pkg));
    if (values.json) io.stdout(JSON.stringify(inspections, null, 2));
    else
      for (const i of inspections)
        io.stdout(action === 'inspect' ? `${checkedLine(i)}\n${details(i)}` : checkedLine(i));
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ExportPackageError)
      throw new UsageError(`export ${action}: ${err.problem}: ${err.message}`, err.fix);
    throw err;
  }
}

/** The campaign's export from S3, or undefined (said on stderr) when S3 cannot be read. */
async function readFromS3(campaignId: string, prefix: string, io: CliIo): Promise<ExportPackage[] | undefined> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(campaignId))
    throw new UsageError(
      `--campaign "${campaignId}" is not a campaign id`,
      'campaign ids use letters, digits, ".", "_" and "-"',
    );
  const { StoragePrefix } = await import('../../core/config/campaign.ts');
  const prefixCheck = StoragePrefix.safeParse(prefix);
  if (!prefixCheck.success)
    throw new UsageError(
      `--prefix "${prefix}" is not a campaign storage prefix: ${prefixCheck.error.issues[0]!.message}`,
      'e.g. --prefix campaigns',
    );
  const [{ connectionSettings }, { ArtifactStore }, { readStoredExportPackages }] = await Promise.all([
    import('../../core/config/connection.ts'),
    import('../../core/storage/index.ts'),
    import('../../core/export/package.ts'),
  ]);
  const store = new ArtifactStore(connectionSettings(process.env).s3);
  try {
    return await readStoredExportPackages(store, prefix, campaignId);
  } catch (err) {
    if ((err as Error).name === 'ExportPackageError') throw err;
    io.stderr(`error: could not read the export of ${campaignId} from S3: ${(err as Error).message.split('\n')[0]}`);
    io.stderr('hint: is S3 reachable? `fairshrink status` checks the local stack');
    return undefined;
  } finally {
    store.destroy();
  }
}
