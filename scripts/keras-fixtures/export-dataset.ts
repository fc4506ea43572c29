// Writes a data set exactly as fairshrink encodes it, for generate.py to train a Keras model on (README.md beside
// this file):
//
//   node --import tsx scripts/keras-fixtures/export-dataset.ts <spec.yaml> --out <folder>
//
// <folder>/{train,validation,test}.csv: one row per encoded row, header = the feature names, then `label` (1 = the
// positive class) and per sensitive attribute a column `group.<name>` holding the group's index into dataset.json's
// groups. Every
// value is the float32 fairshrink computes, written so that parsing it as float64 and rounding to float32 gives it
// back exactly. <folder>/dataset.json: the data set's ids, feature names, groups, row counts and, with
// categoricalEncoding: codes, the vocabulary (each column's offset and levels).
// The files are data: keep them out of the repository (the default place, under .fairshrink/, is git-ignored).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DataError, loadDataset, SPLIT_NAMES, type EncodedDataset, type SplitName } from '../../core/data/index.ts';

/** One split as CSV text: features, label, then each sensitive attribute's group index. */
export function splitCsv(dataset: EncodedDataset, split: SplitName): string {
  const { x, y, groups } = dataset.splits[split];
  const attributes = dataset.sensitive.map((s) => s.name);
  const header = [...dataset.featureNames, 'label', ...attributes.map((a) => `group.${a}`)];
  const lines = [header.map(csvField).join(',')];
  for (let r = 0; r < x.rows; r++) {
    const features = Array.from(x.values.subarray(r * x.cols, (r + 1) * x.cols), String);
    lines.push([...features, String(y[r]), ...attributes.map((a) => String(groups[a]![r]))].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** A header field, quoted when it holds a comma, quote or line break (RFC 4180). */
function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** What Python needs beside the matrices to train and to report per group. */
export function datasetSummary(dataset: EncodedDataset): Record<string, unknown> {
  return {
    name: dataset.name,
    datasetId: dataset.datasetId,
    specSha256: dataset.specSha256,
    rawSha256: dataset.rawSha256,
    featureNames: dataset.featureNames,
    sensitive: dataset.sensitive,
    rows: Object.fromEntries(SPLIT_NAMES.map((s) => [s, dataset.splits[s].x.rows])),
    ...(dataset.encoder.codes === undefined ? {} : { vocabulary: dataset.encoder.codes }),
  };
}

async function main(args: string[]): Promise<number> {
  const outAt = args.indexOf('--out');
  const out = outAt < 0 ? undefined : args[outAt + 1];
  const spec = args.find((a, i) => !a.startsWith('--') && i !== outAt + 1);
  if (spec === undefined || out === undefined) {
    console.error('usage: node --import tsx scripts/keras-fixtures/export-dataset.ts <spec.yaml> --out <folder>');
    return 2;
  }
  let dataset: EncodedDataset;
  try {
    dataset = await loadDataset(spec);
  } catch (err) {
    if (err instanceof DataError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  if (dataset.inputShape !== undefined) {
    console.error(`${spec}: an image data set; this script writes tabular (CSV) data sets only`);
    return 2;
  }
  await mkdir(out, { recursive: true });
  for (const split of SPLIT_NAMES) await writeFile(join(out, `${split}.csv`), splitCsv(dataset, split));
  await writeFile(join(out, 'dataset.json'), `${JSON.stringify(datasetSummary(dataset), null, 1)}\n`);
  const rows = SPLIT_NAMES.map((s) => `${dataset.splits[s].x.rows} ${s}`).join(', ');
  console.log(
    `${dataset.name} (${dataset.datasetId.slice(0, 12)}): ${rows} rows, ${dataset.featureNames.length} features → ${out}`,
  );
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main(process.argv.slice(2));
