// Schemas for the model architecture and the training run. The types are inferred from the schemas
// (one source of truth); parse errors name the path of the bad field.
import { z } from 'zod';

export const Activation = z.enum(['relu', 'tanh', 'elu', 'selu', 'sigmoid', 'linear']);
export type Activation = z.infer<typeof Activation>;

export const HiddenLayerSpec = z.strictObject({
  units: z.int().positive(),
  activation: Activation.default('relu'),
  /** Fraction of this layer's outputs dropped during training (0 = no dropout layer). */
  dropout: z.number().min(0).lt(1).default(0),
});
export type HiddenLayerSpec = z.infer<typeof HiddenLayerSpec>;

export const MlpSpec = z.strictObject({
  hidden: z.array(HiddenLayerSpec).default([]),
  /** Binary classification: one sigmoid unit. */
  output: z.strictObject({ activation: z.literal('sigmoid').default('sigmoid') }).default({ activation: 'sigmoid' }),
  kernelInitializer: z.enum(['glorotUniform', 'heNormal', 'heUniform', 'glorotNormal']).default('glorotUniform'),
  /** L2 penalty on kernels, added to the training loss (0 = none). */
  l2: z.number().min(0).default(0),
});
export type MlpSpec = z.infer<typeof MlpSpec>;
export type MlpSpecInput = z.input<typeof MlpSpec>;

export const TrainSpec = z.strictObject({
  epochs: z.int().positive().default(20),
  batchSize: z.int().positive().default(256),
  learningRate: z.number().positive().default(1e-3),
  /** Epochs without a validation-loss improvement before stopping; 0 disables early stopping. */
  patience: z.int().min(0).default(5),
  /** An improvement must lower the validation loss by more than this. */
  minDelta: z.number().min(0).default(0),
  /** Restore the weights of the best validation epoch when training ends (Keras `restore_best_weights`). */
  restoreBestWeights: z.boolean().default(true),
});
export type TrainSpec = z.infer<typeof TrainSpec>;
export type TrainSpecInput = z.input<typeof TrainSpec>;
