// Access to a model's weights as plain typed arrays (for pruning criteria, masks, quantization and
// snapshots) and as live tfjs variables (for in-place updates inside a training step).
import * as tf from '@tensorflow/tfjs';

export interface WeightTensor {
  shape: number[];
  values: Float32Array;
}

/** One Dense layer: kernel shape is [inputs, units] (row-major, input-major); bias shape [units]. */
export interface DenseWeights {
  name: string;
  kernel: WeightTensor;
  bias?: WeightTensor;
}

/** The live variables of one Dense layer, e.g. to re-apply a mask after an optimizer step. */
export interface DenseVariables {
  name: string;
  kernel: tf.Variable;
  bias?: tf.Variable;
}

/** A named weight of any layer, keyed by its name as stored in model.json (e.g. `dense_0/kernel`). */
export interface NamedWeight extends WeightTensor {
  name: string;
}

function denseLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.filter((layer) => layer.getClassName() === 'Dense');
}

/** The Dense layers of `model` in order, as copies of their kernel and bias values. */
export function getDenseWeights(model: tf.LayersModel): DenseWeights[] {
  return denseLayers(model).map((layer) => {
    const [kernel, bias] = layer.getWeights();
    if (kernel === undefined)
      throw new Error(`getDenseWeights: layer '${layer.name}' has no kernel (was the model built?)`);
    const entry: DenseWeights = {
      name: layer.name,
      kernel: { shape: kernel.shape.slice(), values: Float32Array.from(kernel.dataSync()) },
    };
    if (bias !== undefined) entry.bias = { shape: bias.shape.slice(), values: Float32Array.from(bias.dataSync()) };
    return entry;
  });
}

function assertShape(what: string, expected: readonly number[], got: WeightTensor): void {
  const size = expected.reduce((a, b) => a * b, 1);
  if (
    got.shape.length !== expected.length ||
    got.shape.some((d, i) => d !== expected[i]) ||
    got.values.length !== size
  ) {
    throw new Error(
      `${what}: expected shape [${expected.join(', ')}] (${size} values), got shape [${got.shape.join(', ')}] with ${got.values.length} values`,
    );
  }
}

/**
 * Writes kernel (and bias, when given) values into the Dense layers named in `weights`.
 * Every entry must name an existing Dense layer and match its shapes exactly; layers not listed are left alone.
 */
export function setDenseWeights(model: tf.LayersModel, weights: readonly DenseWeights[]): void {
  const byName = new Map(denseLayers(model).map((layer) => [layer.name, layer]));
  for (const entry of weights) {
    const layer = byName.get(entry.name);
    if (layer === undefined) {
      throw new Error(
        `setDenseWeights: no Dense layer named '${entry.name}'; the model has [${[...byName.keys()].join(', ')}]`,
      );
    }
    const current = layer.getWeights();
    const kernel = current[0]!;
    assertShape(`setDenseWeights: ${entry.name}/kernel`, kernel.shape, entry.kernel);
    const next: tf.Tensor[] = [tf.tensor(entry.kernel.values, kernel.shape, 'float32')];
    if (current[1] !== undefined) {
      if (entry.bias !== undefined) {
        assertShape(`setDenseWeights: ${entry.name}/bias`, current[1].shape, entry.bias);
        next.push(tf.tensor(entry.bias.values, current[1].shape, 'float32'));
      } else {
        next.push(current[1]);
      }
    } else if (entry.bias !== undefined) {
      throw new Error(`setDenseWeights: layer '${entry.name}' has no bias (useBias: false) but a bias was given`);
    }
    layer.setWeights(next);
    for (const t of next) if (!current.includes(t)) t.dispose();
  }
}

/** The live kernel/bias variables of each Dense layer (no copies). */
export function getDenseVariables(model: tf.LayersModel): DenseVariables[] {
  return denseLayers(model).map((layer) => {
    const [kernel, bias] = layer.weights;
    if (kernel === undefined)
      throw new Error(`getDenseVariables: layer '${layer.name}' has no kernel (was the model built?)`);
    const entry: DenseVariables = { name: layer.name, kernel: kernel.read() as tf.Variable };
    if (bias !== undefined) entry.bias = bias.read() as tf.Variable;
    return entry;
  });
}

/** Copies of every weight of the model (trainable or not), in model order, named as in model.json. */
export function getWeightValues(model: tf.LayersModel): NamedWeight[] {
  return model.weights.map((w) => {
    const value = w.read();
    return { name: w.originalName, shape: value.shape.slice(), values: Float32Array.from(value.dataSync()) };
  });
}

/** Restores weights captured by getWeightValues (same model architecture; matched by position and checked by name and shape). */
export function setWeightValues(model: tf.LayersModel, values: readonly NamedWeight[]): void {
  const weights = model.weights;
  if (weights.length !== values.length) {
    throw new Error(`setWeightValues: the model has ${weights.length} weights but ${values.length} were given`);
  }
  weights.forEach((w, i) => {
    const v = values[i]!;
    if (v.name !== w.originalName)
      throw new Error(`setWeightValues: weight ${i} is '${w.originalName}' but '${v.name}' was given`);
    assertShape(`setWeightValues: ${v.name}`, w.shape as number[], v);
    const value = tf.tensor(v.values, v.shape, 'float32');
    (w.read() as tf.Variable).assign(value);
    value.dispose(); // the variable keeps its own reference to the data
  });
}

/** Number of scalar weights (all layers). */
export function countParameters(model: tf.LayersModel): number {
  return model.weights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}
