// Shared set-up for the campaign step tests: an in-memory store holding the German credit fixture (1,000 rows,
// minority groups female and age <= 25), tiny models, few epochs, small bootstraps.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ArtifactRef, DatasetRef, StepIdentity } from './types.ts';
import { ensureDatasetFile } from '../../../infra/datasets.ts';
import { EvaluationPlan, FinetunePlan, ModelPlan } from '../../../core/config/campaign.ts';
import { prepareDataset } from '../../../core/campaign/index.ts';
import { MemoryStore } from './memory-store.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export const SPEC_FILE = here('./fixtures/german-small.yaml');

export async function uploadFixture(
  store: MemoryStore,
): Promise<{ spec: ArtifactRef; sources: { path: string; ref: ArtifactRef }[] }> {
  const spec = await store.put('uploads/spec/german-small.yaml', new Uint8Array(await readFile(SPEC_FILE)));
  const data = await store.put(
    'uploads/data/german.data',
    new Uint8Array(await readFile(await ensureDatasetFile('german-credit', 'german.data'))),
  );
  return { spec, sources: [{ path: 'german.data', ref: data }] };
}

export function identity(campaignId: string, stepKey: string, seed = 7): StepIdentity {
  return { campaignId, prefix: 'campaigns', stepKey, seed };
}

export async function preparedFixture(store: MemoryStore, campaignId = 'c1'): Promise<DatasetRef> {
  const files = await uploadFixture(store);
  return prepareDataset({ ...identity(campaignId, 'prepare'), ...files }, { store });
}

export const TINY_MODEL = ModelPlan.parse({
  kind: 'train',
  mlp: { hidden: [{ units: 8 }] },
  train: { epochs: 3, batchSize: 64, learningRate: 0.01, patience: 0 },
});

export const FINETUNE_PLAN = FinetunePlan.parse({ epochs: 3, batchSize: 64, learningRate: 0.005 });

export const EVAL_PLAN = EvaluationPlan.parse({ split: 'validation', bootstrap: 20, minGroupSize: 10 });

/** Float32 view of a weights.bin. */
export function floats(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
