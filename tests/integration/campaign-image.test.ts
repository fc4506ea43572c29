// The image campaign through the real Temporal server and real S3: examples/campaigns/colour-shift.yaml made small
// (300 SYNTHETIC images generated in the test, one milestone at 0.5 with one bisect retry, one fine-tuning epoch of
// some 10 s on the cpu backend of a busy 2-core machine), with the Keras fixture CNN and the example's rubric. The worker
// trains convolutions, which WASM cannot, so it runs on the cpu backend as docs/data-and-models.md tells users to.
process.env.FAIRSHRINK_TFJS_BACKEND = 'cpu';

import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArtifactRef } from '../../core/campaign/contracts.ts';
import { writeColourShiftDataset } from '../../scripts/synthetic-images/generate.ts';
import { tempFolder } from '../unit/data/images-fixtures.ts';
import { campaignInput, campaignWorker, projectPath, readDecisions, startCampaign } from '../helpers/campaign.ts';
import { replayAndMaybeRecord } from '../helpers/replay.ts';
import { uniqueId, useTemporalAndStore, workflowBundle } from '../helpers/services.ts';

const { temporal: connection, store } = useTemporalAndStore();

/** Every { uri, sha256, bytes } object inside a JSON value. */
function refsIn(value: unknown, out: ArtifactRef[] = []): ArtifactRef[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.uri === 'string' && typeof record.sha256 === 'string' && typeof record.bytes === 'number')
      out.push(record as unknown as ArtifactRef);
    else for (const v of Object.values(record)) refsIn(v, out);
  }
  return out;
}

/** The example campaign and data set spec rewritten into `dir`, over 600 images generated there. */
async function smallColourShiftCampaign(dir: string): Promise<string> {
  await writeColourShiftDataset(join(dir, 'images'), 300, 20240617);
  await writeFile(
    join(dir, 'colour-shift.yaml'),
    [
      'name: colour-shift-small',
      'images: { folder: images, manifest: manifest.csv, size: [16, 16], channels: 3 }',
      "label: { column: label, positive: ['1'], negative: ['0'] }",
      'sensitive: [{ name: colour, column: group }]',
      'split: { kind: stratified, fractions: { train: 0.6, validation: 0.2, test: 0.2 }, seed: 0 }',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'campaign.yaml'),
    [
      'version: 1',
      'name: colour-shift-small',
      'seed: 0',
      'dataset: colour-shift.yaml',
      // The fixture CNN (905 parameters): on the cpu backend the example's wider CNN trains several times slower.
      `model: { kind: import, modelJson: ${JSON.stringify(projectPath('tests/fixtures/keras/cnn-colour-shift/model.json'))} }`,
      'compression:',
      '  criterion: magnitude-layerwise',
      '  schedule: { kind: list, sparsities: [0.5] }',
      '  finetune: { epochs: 1, batchSize: 64, learningRate: 0.005 }',
      '  quantize: { enabled: true, precision: int8 }',
      'evaluation: { split: validation, bootstrap: 20, minGroupSize: 5 }',
      'export: [structured, tfjs-standard]',
      'rubric: colour-shift-rubric.yaml',
      'policy: { onFail: [bisect], retriesPerMilestone: 1, backoff: 10ms, stopAtLastGood: true }',
    ].join('\n'),
  );
  // The example's rubric, with min_group_size scaled to 300 images (about 7 shifted ones in the validation split).
  const rubric = await readFile(projectPath('examples/rubrics/colour-shift.yaml'), 'utf8');
  expect(rubric).toContain('min_group_size: 20');
  await writeFile(join(dir, 'colour-shift-rubric.yaml'), rubric.replace('min_group_size: 20', 'min_group_size: 5'));
  return join(dir, 'campaign.yaml');
}

describe('image campaign', () => {
  it('completes on a Keras CNN over uploaded images, gated per colour group, with verified checkpoints', async () => {
    const dir = await tempFolder('campaign-image');
    try {
      const id = uniqueId('colour-shift');
      const taskQueue = uniqueId('colour-shift-q');
      const input = await campaignInput(await smallColourShiftCampaign(dir), store, id);
      // The worker reads the data set from S3 only.
      await rm(join(dir, 'images'), { recursive: true });
      expect(input.datasetSources.map((s) => s.path)).toEqual(['images']);

      const worker = await campaignWorker(connection().nativeConnection, taskQueue, store);
      const handle = await startCampaign(connection().client, input, taskQueue);
      const result = await worker.runUntil(handle.result());

      const decisions = await readDecisions(store, id);
      expect(result.status, decisions.map((d) => `${d.kind}: ${d.message}`).join('\n')).toBe('completed');
      // At 50% the per-group gates fail on these 300 images (deterministic for this seed and backend); the bisect retry
      // at 25% passes, and the campaign completes with that milestone.
      expect(result.milestones.map((m) => [m.milestone, m.status])).toEqual([
        [1, 'fail'],
        [1, 'pass'],
      ]);
      expect(result.final.checkpoint.sparsity).toBeGreaterThanOrEqual(0.25 - 1e-9);
      // Completed, but short of the target: the result and the final decision say so (SHORT_OF_TARGET_PATCH), where
      // campaigns before it gave only "all 1 milestones passed".
      expect(result.reason).toMatch(
        /^all 1 milestones passed, short of the target: 25\.\d% of 50\.0% \(milestone 1 failed at 50\.0%; the campaign went on with a lower target\)$/,
      );
      expect(decisions.find((d) => d.kind === 'finalize')?.message).toContain(`completed: ${result.reason}.`);
      // Int8 (BatchNorm folded, per-channel kernels) and the two formats that hold a CNN, gated as stored.
      expect(result.final.checkpoint.stepKey).toBe('quantize');
      const exported = result.export!;
      expect(exported.formats.map((f) => f.format)).toEqual(['structured', 'tfjs-standard']);
      expect(exported.format).toBe('structured');
      expect(exported.gate).toBe('pass');
      const [structured, standard] = exported.formats;
      expect(standard!.bytes).toBeLessThan(structured!.bytes);

      // Gates judged per colour group: the no-harm floor reports a value for the group it found worst.
      const gate = decisions.find((d) => d.kind === 'gate')?.gate;
      expect(gate).toBeDefined();
      const noHarm = gate!.constraints.find((c) => c.id === 'no-harm-accuracy-colour');
      expect(noHarm?.status).toMatch(/^(pass|fail)$/);
      expect(noHarm?.reason).toMatch(/shifted|standard/);

      const lineage = JSON.parse(Buffer.from(await store.get(result.lineage)).toString()) as {
        data: { inputShape: number[]; sources: { path: string }[] };
        environment: { backend: string };
      };
      expect(lineage.data.inputShape).toEqual([16, 16, 3]);
      expect(lineage.environment.backend).toBe('cpu');
      const checkpoints = refsIn(result).concat(refsIn(lineage));
      expect(checkpoints.length).toBeGreaterThan(5);
      for (const ref of checkpoints) {
        const bytes = await store.get(ref); // throws on any sha256 or size mismatch
        expect(bytes.byteLength).toBe(ref.bytes);
      }
      await replayAndMaybeRecord(handle, { workflowBundle: workflowBundle() }, 'campaign-image-short-of-target');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
