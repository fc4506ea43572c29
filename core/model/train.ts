// The training loop: seeded shuffling per epoch, seeded dropout per step, Adam written out here
// (its state is plain arrays, so a resumed run continues bit for bit), early stopping on the
// validation loss, and hooks for masked and fairness-constrained fine-tuning (afterStep, lossFn,
// extraLoss). model.fit is not used: it shuffles with Math.random.
import * as tf from '@tensorflow/tfjs';
import { assertMatrix, type FeatureMatrix } from '../data/matrix.ts';
import { deriveSeed } from '../lineage/seeds.ts';
import { createRng, shuffleInPlace } from '../random/rng.ts';
import { forward, supportsSeededDropout } from './forward.ts';
import { inputRowShape } from './input-shape.ts';
import { binaryCrossEntropyOf, predictProba } from './predict.ts';
import { TrainSpec, type TrainSpecInput } from './spec.ts';
import { getWeightValues, setWeightValues, type NamedWeight } from './weights.ts';

/** Rows and 0/1 labels. */
export interface LabelledData {
  x: FeatureMatrix;
  y: Uint8Array;
}

/** Loss over one batch: `yTrue` and `yPred` are [batch, 1]; `batchIndices` are the rows of the training set in this batch. */
export type LossFn = (yTrue: tf.Tensor2D, yPred: tf.Tensor2D, batchIndices: Int32Array) => tf.Scalar;

export interface StepInfo {
  epoch: number;
  /** Step within the epoch (0-based). */
  step: number;
  /** Optimizer steps taken so far, including this one and any before a resume. */
  globalStep: number;
  batchIndices: Int32Array;
  loss: number;
  model: tf.LayersModel;
}

export interface EpochReport {
  epoch: number;
  /** Mean training objective over the epoch's batches (weighted by batch size), including extra loss and regularisation. */
  loss: number;
  /** Mean binary cross-entropy on the validation data (no dropout, no extra terms); undefined without validation data. */
  valLoss: number | undefined;
  improved: boolean;
  bestEpoch: number | undefined;
}

/** Adam moments as plain arrays, one per trainable variable in model order. */
export interface AdamState {
  step: number;
  m: NamedWeight[];
  v: NamedWeight[];
}

/** Everything a resumed run needs besides the model weights; plain data (no tfjs objects). */
export interface TrainState {
  /** The epoch a resumed run starts at. */
  nextEpoch: number;
  bestValLoss: number | undefined;
  bestEpoch: number | undefined;
  epochsWithoutImprovement: number;
  bestWeights: NamedWeight[] | undefined;
  optimizer: AdamState;
}

export interface TrainOptions {
  /** Root of every random choice in this run (shuffles, dropout masks). */
  seed: number;
  spec?: TrainSpecInput;
  validation?: LabelledData;
  /** First epoch to run (0-based). Shuffles and dropout masks depend on the epoch index, so a resumed run draws what the uninterrupted run would have. Defaults to resumeState.nextEpoch or 0. */
  startEpoch?: number;
  /** State from a previous TrainResult; without it Adam starts from zero moments. */
  resumeState?: TrainState;
  /** Replaces the default binary cross-entropy for the training objective. */
  lossFn?: LossFn;
  /** Added to the objective (e.g. a Lagrangian fairness term); computed inside the gradient tape. */
  extraLoss?: LossFn;
  /** Called after every optimizer step, e.g. to re-apply pruning masks. */
  afterStep?: (info: StepInfo) => void | Promise<void>;
  /**
   * Called after every epoch (heartbeats, logging, checkpoints). `context.state()` is the state to
   * resume from after this epoch, together with the model's current weights.
   */
  onEpochEnd?: (report: EpochReport, context: EpochContext) => void | Promise<void>;
  /** Checked between steps; an aborted run returns with stopReason 'aborted'. */
  signal?: AbortSignal;
}

export interface EpochContext {
  model: tf.LayersModel;
  state(): TrainState;
}

export interface TrainResult {
  history: EpochReport[];
  bestEpoch: number | undefined;
  stopReason: 'epochs' | 'early-stopping' | 'aborted';
  /** Whether Dropout layers were applied (false for non-chain imported models, see forward.ts). */
  dropoutApplied: boolean;
  state: TrainState;
}

const BCE_EPSILON = 1e-7;
// Adam defaults as in Kingma & Ba 2015 (Algorithm 1); epsilon 1e-7 as tf.keras and tfjs use.
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-7;

/** Mean binary cross-entropy with probabilities clipped to [1e-7, 1 - 1e-7] (Keras `binary_crossentropy`). */
export function binaryCrossEntropy(yTrue: tf.Tensor2D, yPred: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.clipByValue(yPred, BCE_EPSILON, 1 - BCE_EPSILON);
    const perRow = tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p))));
    return tf.neg(tf.mean(perRow)) as tf.Scalar;
  });
}

function checkData(data: LabelledData, what: string, cols: number): void {
  assertMatrix(data.x, `${what}.x`);
  if (data.y.length !== data.x.rows) throw new Error(`${what}: ${data.x.rows} rows but ${data.y.length} labels`);
  if (data.x.cols !== cols)
    throw new Error(`${what}: the model expects ${cols} features but the data has ${data.x.cols}`);
  for (let i = 0; i < data.y.length; i++) {
    if (data.y[i] !== 0 && data.y[i] !== 1)
      throw new Error(`${what}: label at row ${i} is ${data.y[i]}; labels must be 0 or 1`);
  }
}

function zerosLike(weights: readonly NamedWeight[]): NamedWeight[] {
  return weights.map((w) => ({ name: w.name, shape: w.shape.slice(), values: new Float32Array(w.values.length) }));
}

// The backward kernels each layer's gradient runs, where a backend may lack them (checked before the first step, so
// a campaign fails with what to do rather than tfjs's "Kernel ... not registered" halfway through an epoch).
const GRADIENT_KERNELS: Readonly<Record<string, readonly string[]>> = {
  Conv1D: ['Conv2DBackpropFilter', 'Conv2DBackpropInput'],
  Conv2D: ['Conv2DBackpropFilter', 'Conv2DBackpropInput'],
  DepthwiseConv2D: ['DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'],
  SeparableConv2D: [
    'DepthwiseConv2dNativeBackpropFilter',
    'DepthwiseConv2dNativeBackpropInput',
    'Conv2DBackpropFilter',
    'Conv2DBackpropInput',
  ],
  MaxPooling1D: ['MaxPoolGrad'],
  MaxPooling2D: ['MaxPoolGrad'],
  AveragePooling1D: ['AvgPoolGrad'],
  AveragePooling2D: ['AvgPoolGrad'],
  // An Embedding is a gather; tfjs-core's gather gradient scatters rows back with unsortedSegmentSum.
  Embedding: ['UnsortedSegmentSum'],
};

/** Gradient kernels the model's layers need that the current backend does not register (sorted, deduplicated). */
export function missingGradientKernels(model: tf.LayersModel): string[] {
  const backend = tf.getBackend();
  const needed = new Set(model.layers.flatMap((layer) => GRADIENT_KERNELS[layer.getClassName()] ?? []));
  return [...needed].filter((kernel) => tf.getKernel(kernel, backend) === undefined).sort();
}

/**
 * Trains `model` in place (binary classification, one sigmoid output) and returns the history and a
 * resumable state. Same model weights + data + options on one backend give byte-identical weights.
 */
export async function trainModel(
  model: tf.LayersModel,
  train: LabelledData,
  options: TrainOptions,
): Promise<TrainResult> {
  const spec = TrainSpec.parse(options.spec ?? {});
  const rowShape = inputRowShape(model);
  if (rowShape === undefined)
    throw new Error('trainModel: the model input must be [batch, ...] with every other dimension known');
  const cols = rowShape.reduce((a, b) => a * b, 1);
  checkData(train, 'trainModel: train', cols);
  if (options.validation) checkData(options.validation, 'trainModel: validation', cols);
  if (train.x.rows === 0) throw new Error('trainModel: the training set is empty');
  const missing = missingGradientKernels(model);
  if (missing.length > 0) {
    throw new Error(
      `trainModel: training this model needs the tfjs gradient kernels ${missing.join(', ')}, which backend '${tf.getBackend()}' does not have ` +
        '(tfjs-backend-wasm 4.22 has no convolution-filter, pooling or Embedding gradients); train it on the cpu backend (FAIRSHRINK_TFJS_BACKEND=cpu) ' +
        'or the native one (fairshrink setup --backend tensorflow, then FAIRSHRINK_TFJS_BACKEND=tensorflow)',
    );
  }

  const layerVars = model.trainableWeights;
  const variables = layerVars.map((w) => w.read() as tf.Variable);
  const resume = options.resumeState;
  const trainableNames = layerVars.map((w) => w.originalName);
  const snapshot = getWeightValues(model).filter((w) => trainableNames.includes(w.name));
  const adam = resume?.optimizer ?? { step: 0, m: zerosLike(snapshot), v: zerosLike(snapshot) };
  if (adam.m.length !== variables.length || adam.m.some((m, i) => m.name !== trainableNames[i])) {
    throw new Error(
      `trainModel: resumeState.optimizer is for weights [${adam.m.map((m) => m.name).join(', ')}], the model has [${trainableNames.join(', ')}]`,
    );
  }
  // A variable shares its initial tensor's data (reference-counted): dispose the initial tensor so
  // only the variable holds it, or every call leaks two tensors per trainable weight.
  const variableFrom = (w: NamedWeight) => {
    const initial = tf.tensor(w.values, w.shape, 'float32');
    const variable = tf.variable(initial, false);
    initial.dispose();
    return variable;
  };
  const mVars = adam.m.map(variableFrom);
  const vVars = adam.v.map(variableFrom);
  let globalStep = adam.step;

  const xAll = tf.tensor2d(train.x.values, [train.x.rows, train.x.cols], 'float32');
  const yAll = tf.tensor2d(Float32Array.from(train.y), [train.y.length, 1], 'float32');
  const dropoutApplied = supportsSeededDropout(model);
  const baseLoss: LossFn = options.lossFn ?? ((yTrue, yPred) => binaryCrossEntropy(yTrue, yPred));

  let bestValLoss = resume?.bestValLoss;
  let bestEpoch = resume?.bestEpoch;
  let bestWeights = resume?.bestWeights;
  let wait = resume?.epochsWithoutImprovement ?? 0;
  const history: EpochReport[] = [];
  let stopReason: TrainResult['stopReason'] = 'epochs';
  const startEpoch = options.startEpoch ?? resume?.nextEpoch ?? 0;
  let nextEpoch = startEpoch;

  const captureState = (): TrainState => ({
    nextEpoch,
    bestValLoss,
    bestEpoch,
    epochsWithoutImprovement: wait,
    bestWeights,
    optimizer: {
      step: globalStep,
      m: mVars.map((t, i) => ({
        name: trainableNames[i]!,
        shape: t.shape.slice(),
        values: Float32Array.from(t.dataSync()),
      })),
      v: vVars.map((t, i) => ({
        name: trainableNames[i]!,
        shape: t.shape.slice(),
        values: Float32Array.from(t.dataSync()),
      })),
    },
  });

  try {
    epochs: for (let epoch = startEpoch; epoch < spec.epochs; epoch++) {
      const order = new Int32Array(train.x.rows);
      for (let i = 0; i < order.length; i++) order[i] = i;
      shuffleInPlace(order, createRng(deriveSeed(options.seed, 'shuffle', epoch)));
      let lossSum = 0;
      const steps = Math.ceil(order.length / spec.batchSize);
      for (let step = 0; step < steps; step++) {
        if (options.signal?.aborted) {
          stopReason = 'aborted';
          break epochs;
        }
        const batchIndices = order.subarray(step * spec.batchSize, Math.min((step + 1) * spec.batchSize, order.length));
        const dropoutSeed = deriveSeed(options.seed, 'dropout', epoch, step);
        globalStep++;
        const stepLoss = tf.tidy(() => {
          const idx = tf.tensor1d(batchIndices, 'int32');
          const xb = tf.gather(xAll, idx) as tf.Tensor2D;
          const yb = tf.gather(yAll, idx) as tf.Tensor2D;
          const { value, grads } = tf.variableGrads(() => {
            const yPred = forward(model, xb, dropoutSeed);
            let loss = baseLoss(yb, yPred, batchIndices);
            if (options.extraLoss) loss = tf.add(loss, options.extraLoss(yb, yPred, batchIndices));
            for (const reg of model.calculateLosses()) loss = tf.add(loss, reg);
            return loss;
          }, variables);
          // Adam (Kingma & Ba 2015, Alg. 1, with the "epsilon hat" form): the bias corrections are computed in float64 JS.
          const lrT = (spec.learningRate * Math.sqrt(1 - ADAM_BETA2 ** globalStep)) / (1 - ADAM_BETA1 ** globalStep);
          variables.forEach((variable, i) => {
            const g = grads[variable.name];
            if (g === undefined) return;
            const m = tf.add(tf.mul(mVars[i]!, ADAM_BETA1), tf.mul(g, 1 - ADAM_BETA1));
            const v = tf.add(tf.mul(vVars[i]!, ADAM_BETA2), tf.mul(tf.square(g), 1 - ADAM_BETA2));
            mVars[i]!.assign(m);
            vVars[i]!.assign(v);
            variable.assign(tf.sub(variable, tf.div(tf.mul(m, lrT), tf.add(tf.sqrt(v), ADAM_EPSILON))));
          });
          return value.dataSync()[0]!;
        });
        if (!Number.isFinite(stepLoss))
          throw new Error(`trainModel: the loss became ${stepLoss} at epoch ${epoch}, step ${step}`);
        lossSum += stepLoss * batchIndices.length;
        if (options.afterStep)
          await options.afterStep({ epoch, step, globalStep, batchIndices, loss: stepLoss, model });
      }

      let valLoss: number | undefined;
      let improved = false;
      if (options.validation) {
        valLoss = binaryCrossEntropyOf(predictProba(model, options.validation.x), options.validation.y);
        if (bestValLoss === undefined || valLoss < bestValLoss - spec.minDelta) {
          bestValLoss = valLoss;
          bestEpoch = epoch;
          bestWeights = spec.restoreBestWeights ? getWeightValues(model) : undefined;
          wait = 0;
          improved = true;
        } else {
          wait++;
        }
      }
      const report: EpochReport = { epoch, loss: lossSum / order.length, valLoss, improved, bestEpoch };
      history.push(report);
      nextEpoch = epoch + 1;
      if (options.onEpochEnd) await options.onEpochEnd(report, { model, state: captureState });
      if (options.validation && spec.patience > 0 && wait >= spec.patience) {
        stopReason = 'early-stopping';
        break;
      }
    }

    const state = captureState();
    // Restore the best epoch's weights at the end of a finished run (also when it ran out of epochs; Keras 3 behaviour).
    if (stopReason !== 'aborted' && spec.restoreBestWeights && bestWeights !== undefined)
      setWeightValues(model, bestWeights);
    return { history, bestEpoch, stopReason, dropoutApplied, state };
  } finally {
    xAll.dispose();
    yAll.dispose();
    for (const t of [...mVars, ...vVars]) t.dispose();
  }
}
