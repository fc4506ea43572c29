// What `fairshrink run` checks after the campaign file parses and before anything is uploaded or started: the
// dry run's checks on a sample (names, labels, groups, rubric metrics; see data-check.ts), then every row of the data
// set through the loader a worker runs, then an imported model against the width of that encoding. A problem found
// here costs a second; the same problem found by the prepare step costs a campaign that fails minutes later.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DataError } from '../data/errors.ts';
import type { EncodedDataset } from '../data/dataset.ts';
import { loadDataset } from '../data/load.ts';
import type { LoadedCampaign } from './campaign-file.ts';
import { checkCampaignData } from './data-check.ts';

/**
 * One line per problem (`<field>: <problem>`), empty when the campaign can start, and the data set as loaded (for the
 * feasibility check, so the data is read once). Errors other than bad input (a failing disk, a bug) are thrown.
 */
export async function preflightProblems(
  loaded: LoadedCampaign,
): Promise<{ problems: string[]; dataset?: EncodedDataset }> {
  const sampled = await checkCampaignData(loaded);
  if (sampled.length > 0) return { problems: sampled };
  const where = loaded.dataset.file ?? 'dataset spec';
  let dataset: EncodedDataset;
  try {
    dataset = await loadDataset(loaded.dataset);
  } catch (err) {
    if (err instanceof DataError) return { problems: [`dataset (${where}): ${err.message}`] };
    throw err;
  }
  const model = loaded.config.model;
  const problems =
    model.kind === 'import'
      ? await importedModelProblems(loaded.file, model, {
          features: dataset.featureNames.length,
          inputShape: dataset.inputShape,
        })
      : [];
  return { problems, dataset };
}

/** tfjs builds the imported model (as the prepare step will) and its input width must equal the encoding's. */
async function importedModelProblems(
  campaignFile: string,
  model: { modelJson: string; weights?: string[] | undefined },
  data: { features: number; inputShape?: number[] | undefined },
): Promise<string[]> {
  // tfjs is loaded only for campaigns that import a model (start-up budget, docs/cli.md), on the backend a worker uses.
  const { backendSummary, ensureBackend } = await import('../model/backend.ts');
  const { importLayersModel } = await import('../model/io.ts');
  const { describeInputRow, inputRowShape, inputShapeMismatch } = await import('../model/input-shape.ts');
  await ensureBackend();
  const modelFile = path.resolve(path.dirname(campaignFile), model.modelJson);
  const modelJson = new Uint8Array(await readFile(modelFile));
  const manifest = JSON.parse(new TextDecoder().decode(modelJson)) as { weightsManifest: { paths: string[] }[] };
  const weights: Record<string, Uint8Array> = {};
  for (const weightPath of model.weights ?? manifest.weightsManifest.flatMap((group) => group.paths)) {
    weights[weightPath] = new Uint8Array(await readFile(path.resolve(path.dirname(modelFile), weightPath)));
  }
  let built;
  try {
    built = await importLayersModel({ modelJson, weights, source: model.modelJson }, { requireBinaryClassifier: true });
  } catch (err) {
    return [`model.modelJson: ${(err as Error).message}`];
  }
  // importLayersModel has checked that every dimension after the batch axis is known.
  const rowShape = inputRowShape(built)!;
  // A campaign fine-tunes the model; WASM has no conv-filter, pooling or Embedding gradients, and switching backends per campaign inside a
  // shared worker would change every other campaign's backend too, so the worker must run on one that can train it.
  const { missingGradientKernels } = await import('../model/train.ts');
  const missing = missingGradientKernels(built);
  built.dispose();
  const problems: string[] = [];
  if (missing.length > 0)
    problems.push(
      `model.modelJson: ${model.modelJson} has layers whose training needs the tfjs kernels ${missing.join(', ')}, which the ` +
        `'${backendSummary().backend}' backend (FAIRSHRINK_TFJS_BACKEND=${process.env.FAIRSHRINK_TFJS_BACKEND ?? 'wasm, the default'}) does not have; ` +
        'start the worker and run this command with FAIRSHRINK_TFJS_BACKEND=cpu (or tensorflow after `fairshrink setup --backend tensorflow`) ' +
        '(docs/data-and-models.md#backends-for-convolutional-and-embedding-models)',
    );
  const mismatch = inputShapeMismatch(rowShape, data);
  if (mismatch === undefined) return problems;
  return [
    ...problems,
    `model.modelJson: ${model.modelJson} takes ${describeInputRow(rowShape)} but the data set ${mismatch} ` +
      "(one-hot categories + standardised numerics, one code per categorical column with categoricalEncoding: codes, or an image spec's pixels, docs/data-and-models.md); train the model on this encoding or change the spec",
  ];
}
