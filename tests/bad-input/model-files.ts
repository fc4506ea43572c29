// Model files of a campaign that imports its model (model.kind: import): not JSON, not a LayersModel, weight files
// outside model.json's folder or missing, weights of another model, and models that do not fit the data set.
import { campaign, RUN, type BadInputCase, type CorpusFixtures, type FileSpec } from './corpus.ts';

const importing = (change: (model: Record<string, unknown>) => void = () => {}) =>
  campaign((c) => {
    c.model = { kind: 'import', modelJson: 'model/model.json' };
    change(c.model);
  });

/** The campaign importing `model/model.json`, and model files made from one of the fixture models. */
function modelCase(
  pick: (models: CorpusFixtures['models']) => { modelJson: string; weightsBin: Uint8Array },
  editJson: (json: Record<string, unknown>) => void = () => {},
): Record<string, FileSpec> {
  return {
    'campaign.yaml': importing(),
    'model/model.json': (fx) => {
      const json = JSON.parse(pick(fx.models).modelJson) as Record<string, unknown>;
      editJson(json);
      return JSON.stringify(json);
    },
    'model/weights.bin': (fx) => pick(fx.models).weightsBin,
  };
}

export const modelFileCases: BadInputCase[] = [
  {
    name: 'model.json is not JSON',
    argv: RUN,
    files: { 'campaign.yaml': importing(), 'model/model.json': '<html>not a model</html>' },
    messages: ['model.modelJson: model/model.json is not JSON', "the model.json that tfjs's model.save() wrote"],
  },
  {
    name: 'model.json is a JSON list',
    argv: RUN,
    files: { 'campaign.yaml': importing(), 'model/model.json': '[1, 2, 3]' },
    messages: ['model.modelJson: model/model.json is not a tfjs LayersModel file'],
  },
  {
    name: 'model.json has no modelTopology',
    argv: RUN,
    files: modelCase(
      (m) => m.goodWidth,
      (json) => delete json.modelTopology,
    ),
    messages: ['model.modelJson: model/model.json is not a tfjs LayersModel file (modelTopology'],
  },
  {
    name: 'model.json has no weightsManifest',
    argv: RUN,
    files: modelCase(
      (m) => m.goodWidth,
      (json) => delete json.weightsManifest,
    ),
    messages: ['model.modelJson: model/model.json is not a tfjs LayersModel file (weightsManifest'],
  },
  {
    name: 'a tfjs graph model',
    argv: RUN,
    files: modelCase(
      (m) => m.goodWidth,
      (json) => (json.format = 'graph-model'),
    ),
    messages: ['model.modelJson: model/model.json is a tfjs graph model', '--output_format=tfjs_layers_model'],
  },
  {
    name: 'a topology tfjs cannot build',
    argv: RUN,
    files: modelCase(
      (m) => m.goodWidth,
      (json) => (json.modelTopology = { class_name: 'NoSuchModel', config: {} }),
    ),
    messages: ['model.modelJson: model/model.json: tfjs could not build the model'],
  },
  {
    name: 'a layer fairshrink does not support',
    argv: RUN,
    files: modelCase(
      (m) => m.goodWidth,
      (json) => {
        const layers = (json.modelTopology as { config: { layers: { class_name: string }[] } }).config.layers;
        layers[0]!.class_name = 'LocallyConnected2D';
      },
    ),
    messages: [
      'model.modelJson: model/model.json: the model has layers fairshrink does not support: LocallyConnected2D.',
      'Supported: InputLayer, Dense, Conv1D',
    ],
  },
  {
    name: 'a manifest weight path climbing out of the model folder',
    argv: RUN,
    files: modelCase(
      (m) => m.goodWidth,
      (json) => ((json.weightsManifest as { paths: string[] }[])[0]!.paths = ['../../../../../../etc/passwd']),
    ),
    messages: ['model.modelJson: weight file "../../../../../../etc/passwd"', 'is outside the folder of model.json'],
  },
  {
    name: 'model.weights naming an absolute path',
    argv: RUN,
    files: { ...modelCase((m) => m.goodWidth), 'campaign.yaml': importing((m) => (m.weights = ['/etc/passwd'])) },
    messages: ['model.weights: weight file "/etc/passwd" in model.weights is outside the folder of model.json'],
  },
  {
    name: 'the weight file is missing',
    argv: RUN,
    files: { ...modelCase((m) => m.goodWidth), 'model/weights.bin': null },
    messages: ['model.modelJson: cannot read weight file weights.bin', '(ENOENT)', 'copy it beside model.json'],
  },
  {
    name: "the weights of another model (sizes don't add up)",
    argv: RUN,
    files: { ...modelCase((m) => m.goodWidth), 'model/weights.bin': (fx) => fx.models.wrongWidth.weightsBin },
    messages: [
      'model.modelJson: model/model.json: the manifest describes',
      'the weights do not belong to this model.json',
    ],
  },
  {
    name: 'a model one input feature wider than the data set',
    argv: RUN,
    files: modelCase((m) => m.wrongWidth),
    messages: ['model.modelJson: model/model.json takes 7 input features but the data set encodes 6'],
  },
  {
    name: 'a model with two output units',
    argv: RUN,
    files: modelCase((m) => m.twoOutputs),
    messages: ['model.modelJson: model/model.json: fairshrink needs a binary classifier with one sigmoid output unit'],
  },
];
