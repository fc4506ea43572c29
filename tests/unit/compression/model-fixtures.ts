// A trained tiny MLP on the minority-group data, shared by the tests that need a real tfjs model.
import type * as tf from '@tensorflow/tfjs';
import { buildMlp, initBackend, trainModel } from '../../../core/model/index.ts';
import type { GroupedData } from '../../../core/compression/criteria.ts';
import { minorityGroupData } from './fixtures.ts';

export const TINY_SPEC = { hidden: [{ units: 16 }] };

export interface TrainedFixture {
  data: GroupedData;
  model: tf.LayersModel;
  /** A fresh copy of the trained model. */
  copy(): tf.LayersModel;
}

export async function trainedMinorityModel(): Promise<TrainedFixture> {
  await initBackend('cpu');
  const data = minorityGroupData(2000, 11, 0.1);
  const model = buildMlp(TINY_SPEC, { inputDim: 5, seed: 1 });
  await trainModel(
    model,
    { x: data.x, y: data.y },
    { seed: 2, spec: { epochs: 20, batchSize: 64, learningRate: 0.01, patience: 0 } },
  );
  return {
    data,
    model,
    copy: () => {
      const m = buildMlp(TINY_SPEC, { inputDim: 5, seed: 1 });
      m.setWeights(model.getWeights());
      return m;
    },
  };
}
