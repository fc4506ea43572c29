/**
 * core/model: tfjs models for fairshrink. The public API (keep it stable; core/compression builds on it):
 *
 * Backend (call once per process before building models)
 * - `initBackend(preference = 'wasm')` picks 'wasm' (falls back to 'cpu'), 'cpu', 'tensorflow'
 *   (tfjs-node[-gpu], only if installed) or 'auto'; `backendInfo()` → { backend, tfjsVersion, threads, simd }.
 *
 * Building and training
 * - `buildMlp(spec, { inputDim, seed })` → tf.Sequential with fixed layer names (`dense_<i>`,
 *   `dropout_<i>`, `output`) and seeded initialisers.
 * - `trainModel(model, { x, y }, { seed, spec, validation, startEpoch, resumeState, lossFn, extraLoss,
 *   afterStep, onEpochEnd, signal })` → { history, bestEpoch, stopReason, state }. Seeded shuffles and
 *   dropout, Adam with plain-array state, early stopping with best-weight restore.
 *   `afterStep` runs after every optimizer step (re-apply masks there via getDenseVariables);
 *   `extraLoss(yTrue, yPred, batchIndices)` is added to the objective inside the gradient tape;
 *   `lossFn` replaces binary cross-entropy.
 *
 * Inference
 * - `predictProba(model, x, { batchSize = 8192 })` → Float32Array of P(y = 1).
 *
 * Weights
 * - `getDenseWeights(model)` / `setDenseWeights(model, weights)`: kernels [in, out] and biases as Float32Arrays.
 * - `getDenseVariables(model)`: the live tf.Variables (for in-place `assign` inside a step).
 * - `getWeightValues` / `setWeightValues`: every weight, named as in model.json.
 *
 * Serialisation (standard tfjs LayersModel format)
 * - `saveModelToBytes(model)` → { modelJson, weightsBin } (Uint8Arrays); `loadModelFromBytes(bytes)`.
 * - `saveModelToDir(model, dir)` / `loadModelFromDir(dir)`.
 * - `importLayersModel({ modelJson, weights, source }, { inputDim, requireBinaryClassifier })` for
 *   user models (tfjs-saved or converted from Keras), with clear errors for invalid files and for layers outside
 *   `SUPPORTED_LAYER_CLASSES` (layers.ts).
 * - `inputRowShape(model)` / `inputRowSize(model)`: one input row's dimensions ([features], [h, w, c]) and size;
 *   data stays flat (rows × size) and is reshaped to the input shape on the way in.
 *
 * Determinism: same spec + data + seed on one backend and machine → byte-identical weights.bin.
 * See docs/data-and-models.md.
 */
export type { FeatureMatrix } from '../data/matrix.ts';
export {
  backendInfo,
  initBackend,
  type BackendInfo,
  type BackendName,
  type BackendPreference,
  type InitBackendOptions,
} from './backend.ts';
export { forward, layerChain, supportsSeededDropout } from './forward.ts';
export { describeInputRow, inputRowShape, inputRowSize, inputShapeMismatch, toModelInput } from './input-shape.ts';
export {
  importLayersModel,
  loadModelFromBytes,
  loadModelFromDir,
  MODEL_JSON_FILE,
  saveModelToBytes,
  saveModelToDir,
  WEIGHTS_FILE,
  type ImportOptions,
  type LayersModelFiles,
  type ModelArtifactsBytes,
} from './io.ts';
export {
  normaliseKerasTopology,
  SUPPORTED_LAYER_CLASSES,
  topologyLayerClasses,
  unsupportedLayersProblem,
  type SupportedLayerClass,
} from './layers.ts';
export { buildMlp, MLP_MODEL_NAME, type BuildMlpOptions } from './mlp.ts';
export { binaryCrossEntropyOf, DEFAULT_PREDICT_BATCH, predictProba, type PredictOptions } from './predict.ts';
export { Activation, HiddenLayerSpec, MlpSpec, TrainSpec, type MlpSpecInput, type TrainSpecInput } from './spec.ts';
export {
  binaryCrossEntropy,
  missingGradientKernels,
  trainModel,
  type AdamState,
  type EpochContext,
  type EpochReport,
  type LabelledData,
  type LossFn,
  type StepInfo,
  type TrainOptions,
  type TrainResult,
  type TrainState,
} from './train.ts';
export {
  countParameters,
  getDenseVariables,
  getDenseWeights,
  getWeightValues,
  setDenseWeights,
  setWeightValues,
  type DenseVariables,
  type DenseWeights,
  type NamedWeight,
  type WeightTensor,
} from './weights.ts';
