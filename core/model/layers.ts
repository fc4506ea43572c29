// Which Keras/tfjs layers an imported model may contain, read from model.json before tfjs builds anything (no tfjs
// import here, so the campaign-file check can use it without loading TensorFlow.js).

/** Layer classes fairshrink imports, compresses and exports (class names as Keras and tfjs write them in model.json). */
export const SUPPORTED_LAYER_CLASSES = [
  'InputLayer',
  'Dense',
  'Conv1D',
  'Conv2D',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'BatchNormalization',
  'Embedding',
  'Dropout',
  'Flatten',
  'MaxPooling1D',
  'MaxPooling2D',
  'AveragePooling1D',
  'AveragePooling2D',
  'GlobalMaxPooling1D',
  'GlobalMaxPooling2D',
  'GlobalAveragePooling1D',
  'GlobalAveragePooling2D',
  'Activation',
  'ReLU',
] as const;

export type SupportedLayerClass = (typeof SUPPORTED_LAYER_CLASSES)[number];

const SUPPORTED: ReadonlySet<string> = new Set(SUPPORTED_LAYER_CLASSES);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The model config inside a modelTopology: Keras's converter nests it under `model_config`; tfjs's model.save() writes
 * it at the top level. Undefined when neither holds a `{ class_name, config }` object.
 */
function modelConfigOf(topology: Record<string, unknown>): Record<string, unknown> | undefined {
  const nested = topology.model_config;
  if (isRecord(nested) && typeof nested.class_name === 'string') return nested;
  if (typeof topology.class_name === 'string') return topology;
  return undefined;
}

/** The layer entries of a Sequential or functional model config (old Keras wrote a Sequential's config as the array). */
function layerEntries(modelConfig: Record<string, unknown>): unknown[] {
  const config = modelConfig.config;
  if (Array.isArray(config)) return config;
  if (isRecord(config) && Array.isArray(config.layers)) return config.layers;
  return [];
}

/** Class name of every layer in model.json's topology, in file order (a nested model counts as one layer of its class). */
export function topologyLayerClasses(topology: Record<string, unknown>): string[] {
  const modelConfig = modelConfigOf(topology);
  if (modelConfig === undefined) return [];
  return layerEntries(modelConfig).map((entry) =>
    isRecord(entry) && typeof entry.class_name === 'string' ? entry.class_name : '(a layer without class_name)',
  );
}

/**
 * The message that refuses the import when a layer is not supported: which layers are not (class and count) and the
 * list that is. Undefined when every layer is supported, and when no layer list is found at all (tfjs then says what
 * is wrong with the topology).
 */
export function unsupportedLayersProblem(topology: Record<string, unknown>): string | undefined {
  const counts = new Map<string, number>();
  for (const name of topologyLayerClasses(topology))
    if (!SUPPORTED.has(name)) counts.set(name, (counts.get(name) ?? 0) + 1);
  if (counts.size === 0) return undefined;
  const found = [...counts].map(([name, n]) => (n === 1 ? name : `${name} ×${n}`)).join(', ');
  return (
    `the model has layers fairshrink does not support: ${found}. Supported: ${SUPPORTED_LAYER_CLASSES.join(', ')} ` +
    '(Sequential or single-input single-output functional models). Rebuild the model from these layers, or remove the others before converting.'
  );
}

/**
 * Fixes the one known difference between what Keras 2 writes and what tfjs 4 accepts for supported layers, on a copy:
 * Keras's SeparableConv config carries the `kernel_*` fields of its Conv base class, which Keras never uses for that
 * layer (its weights are `depthwise_kernel` and `pointwise_kernel`), and tfjs refuses them. Dropping them changes no
 * weight and no output.
 */
export function normaliseKerasTopology(topology: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(topology);
  const modelConfig = modelConfigOf(copy);
  if (modelConfig === undefined) return copy;
  for (const entry of layerEntries(modelConfig)) {
    if (!isRecord(entry) || !isRecord(entry.config)) continue;
    if (entry.class_name !== 'SeparableConv1D' && entry.class_name !== 'SeparableConv2D') continue;
    const config = entry.config;
    delete config.kernel_initializer;
    delete config.kernel_regularizer;
    delete config.kernel_constraint;
  }
  return copy;
}
