// tfjs-backend-wasm 4.22 has no UnsortedSegmentSum kernel, which an Embedding's gradient (a gather's) needs: training
// an Embedding model on WASM refuses before the first step, naming the kernel and the backends that have it, and
// `fairshrink run` of the Adult-embedding example refuses in its pre-flight; on the cpu backend the same model trains.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCampaignFile } from '../../../core/config/campaign-file.ts';
import { preflightProblems } from '../../../core/config/preflight.ts';
import { initBackend, missingGradientKernels, trainModel } from '../../../core/model/index.ts';
import { projectRoot } from '../../../infra/paths.ts';
import { loadKerasFixture } from '../../helpers/keras-fixtures.ts';

afterAll(async () => {
  await initBackend('cpu');
});

describe('an Embedding model on the WASM backend', () => {
  it('WASM really lacks the kernel, and training refuses before the first step, saying what to do', async () => {
    await initBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeUndefined();
    const { model, sample } = await loadKerasFixture('tabular-embedding');
    expect(missingGradientKernels(model)).toEqual(['UnsortedSegmentSum']);
    await expect(
      trainModel(model, { x: sample.x, y: sample.labels }, { seed: 1, spec: { epochs: 1 } }),
    ).rejects.toThrow(
      /needs the tfjs gradient kernels UnsortedSegmentSum, .*'wasm' does not have.*FAIRSHRINK_TFJS_BACKEND=cpu/,
    );
    model.dispose();
  });

  it('trains on the cpu backend, which has the kernel', async () => {
    await initBackend('cpu');
    const { model, sample } = await loadKerasFixture('tabular-embedding');
    expect(missingGradientKernels(model)).toEqual([]);
    const before = model.getWeights()[0]!.dataSync().slice();
    const result = await trainModel(model, { x: sample.x, y: sample.labels }, { seed: 1, spec: { epochs: 1 } });
    expect(result.history).toHaveLength(1);
    const after = model.getWeights()[0]!.dataSync();
    expect(after.some((v, i) => v !== before[i])).toBe(true); // the embedding table itself trained
    model.dispose();
  });

  it('`fairshrink run` of the Adult-embedding example refuses on WASM in its pre-flight', async () => {
    await initBackend('wasm');
    expect(process.env.FAIRSHRINK_TFJS_BACKEND ?? 'wasm').toBe('wasm');
    const loaded = await loadCampaignFile(`${projectRoot}/examples/campaigns/adult-embedding.yaml`);
    const { problems } = await preflightProblems(loaded);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^model\.modelJson: .*UnsortedSegmentSum.*'wasm' backend/);
    expect(problems[0]).toContain('FAIRSHRINK_TFJS_BACKEND=cpu');
    expect(problems[0]).toContain('docs/data-and-models.md#backends-for-convolutional-and-embedding-models');
  });
});
