/**
 * core/compression: pruning, schedules, masked and fairness-constrained fine-tuning, int8 quantization and
 * calibration for models built or imported by core/model. Unstructured pruning, masked fine-tuning, BatchNormalization
 * folding and per-channel int8 weights take every supported layer (Dense, Conv1D/2D, DepthwiseConv2D,
 * SeparableConv2D, Embedding); structured pruning, activation calibration, bias correction, recalibration and the
 * export formats are Dense-only and refuse other models (readDenseLayers). Pure functions on plain typed arrays where possible;
 * tfjs only for gradients, training and inference. See docs/compression.md.
 */
export {
  denseLayersFromWeights,
  isPrunable,
  tensorSize,
  weightsFromDenseLayers,
  cloneWeights,
  type DenseActivation,
  type DenseLayerWeights,
  type NamedWeight,
} from './weights.ts';
export { readDenseLayers, readWeights, writeWeights } from './model-adapter.ts';
export {
  applyMasksToModel,
  applyMasksToWeights,
  createModelMasker,
  denseMasks,
  deserializeMasks,
  maskSparsity,
  serializeMasks,
  sparsityStats,
  validateMasks,
  type MaskSet,
  type ModelMasker,
  type SparsityStats,
  type TensorSparsity,
} from './masks.ts';
export {
  globalMagnitudeMasks,
  groupLossGradients,
  groupSaliency,
  groupSaliencyMasks,
  layerwiseMagnitudeMasks,
  magnitudeScores,
  masksFromScores,
  prunedCount,
  randomMasks,
  randomScores,
  regrow,
  regrowthScores,
  rowsByGroup,
  type GroupGradients,
  type GroupSaliency,
  type GroupedData,
  type PruneScope,
  type RegrowthResult,
  type ScoreSet,
  type SelectionOptions,
} from './criteria.ts';
export {
  buildShrunkModel,
  neuronL2Scores,
  neuronSaliencyScores,
  selectUnits,
  shrinkLayers,
  shrinkMasks,
  structuredMasks,
} from './structured.ts';
export {
  milestoneSparsities,
  polynomialDecaySparsity,
  type MilestoneScheduleSpec,
  type PolynomialDecaySpec,
} from './schedule.ts';
export {
  constrainedFinetune,
  evaluateGroups,
  excessAccuracyGaps,
  groupPerformance,
  maskedFinetune,
  maxExcessGap,
  type ConstrainedFinetuneOptions,
  type FinetuneCheckpoint,
  type FinetuneProgress,
  type FinetuneResult,
  type GapEstimate,
  type GroupPerformance,
  type MaskedFinetuneOptions,
} from './finetune.ts';
export {
  activationRange,
  biasCorrection,
  calibrateActivations,
  dequantizePerChannel,
  exportInt8,
  fakeQuantActivations,
  fakeQuantize,
  float16RoundTrip,
  forwardFakeQuant,
  importInt8,
  isDepthwiseKernel,
  kernelChannels,
  meanLayerInputs,
  quantizePerChannel,
  quantizeWeights,
  roundToFloat16,
  type ActivationRange,
  type CalibrationOptions,
  type FakeQuantModel,
  type FakeQuantOptions,
  type PerChannelInt8,
  type QuantizedModel,
  type WeightPrecision,
} from './quantize.ts';
export {
  applyPlatt,
  applyTemperature,
  calibrationBin,
  expectedCalibrationError,
  fitPlatt,
  fitTemperature,
  groupEce,
  logitNll,
  logitsFromProbabilities,
  modelLogits,
  recalibrate,
  type CalibrationEstimate,
  type PlattFit,
  type RecalibrationReport,
  type TemperatureFit,
} from './calibrate.ts';
export { columnMeans, forwardDense, type ForwardOptions } from './forward.ts';
export { foldBatchNormalization, type BatchNormFold, type FoldedModel } from './fold.ts';
export {
  kernelUsesPerRow,
  measureLatencyPer1000Rows,
  modelSize,
  type LatencyOptions,
  type LayerSize,
  type ModelSize,
} from './size.ts';
