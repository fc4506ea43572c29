// MLP construction with explicit, derived seeds for every initializer so the initial weights are a
// function of (spec, inputDim, seed) alone. Layer and model names are fixed (not tfjs's global
// counters) so model.json is byte-identical between runs and processes.
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../lineage/seeds.ts';
import { MlpSpec, type MlpSpecInput } from './spec.ts';

export const MLP_MODEL_NAME = 'fairshrink_mlp';

export interface BuildMlpOptions {
  inputDim: number;
  seed: number;
}

function kernelInitializer(
  kind: MlpSpec['kernelInitializer'],
  seed: number,
): ReturnType<typeof tf.initializers.glorotUniform> {
  switch (kind) {
    case 'glorotUniform':
      return tf.initializers.glorotUniform({ seed });
    case 'glorotNormal':
      return tf.initializers.glorotNormal({ seed });
    case 'heNormal':
      return tf.initializers.heNormal({ seed });
    case 'heUniform':
      return tf.initializers.heUniform({ seed });
  }
}

/** Hidden layer i is named `dense_<i>` (its dropout `dropout_<i>`); the output layer is `output`. */
export function buildMlp(specInput: MlpSpecInput | MlpSpec, options: BuildMlpOptions): tf.Sequential {
  const spec = MlpSpec.parse(specInput);
  const { inputDim, seed } = options;
  if (!Number.isInteger(inputDim) || inputDim <= 0)
    throw new Error(`buildMlp: inputDim must be a positive integer, got ${inputDim}`);
  const regularizer = spec.l2 > 0 ? tf.regularizers.l2({ l2: spec.l2 }) : undefined;
  const model = tf.sequential({ name: MLP_MODEL_NAME });
  spec.hidden.forEach((layer, i) => {
    model.add(
      tf.layers.dense({
        name: `dense_${i}`,
        units: layer.units,
        activation: layer.activation,
        ...(i === 0 ? { inputShape: [inputDim] } : {}),
        kernelInitializer: kernelInitializer(spec.kernelInitializer, deriveSeed(seed, 'init', i, 'kernel')),
        biasInitializer: 'zeros',
        ...(regularizer ? { kernelRegularizer: regularizer } : {}),
      }),
    );
    // The seed here is only recorded in model.json; training draws a fresh seeded mask per step (see forward.ts).
    if (layer.dropout > 0)
      model.add(tf.layers.dropout({ name: `dropout_${i}`, rate: layer.dropout, seed: deriveSeed(seed, 'dropout', i) }));
  });
  model.add(
    tf.layers.dense({
      name: 'output',
      units: 1,
      activation: spec.output.activation,
      ...(spec.hidden.length === 0 ? { inputShape: [inputDim] } : {}),
      kernelInitializer: kernelInitializer(spec.kernelInitializer, deriveSeed(seed, 'init', 'output', 'kernel')),
      biasInitializer: 'zeros',
      ...(regularizer ? { kernelRegularizer: regularizer } : {}),
    }),
  );
  return model;
}
