// The campaign file: one YAML/JSON document that says what to compress, how, under which fairness
// rubric, and what to do when a gate fails. Pure (zod only), so workflow code can import its types.
import { z } from 'zod';
import { MlpSpec, TrainSpec } from '../model/spec.ts';
import { RubricSchema } from './rubric.ts';

const fraction = z.number().min(0).lt(1);
const duration = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, 'a duration such as "30s", "10m", "24h"')
  .describe('Duration: a number and a unit (ms, s, m, h, d).');

export const ModelPlan = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('train').describe('Train the dense baseline from this spec.'),
    mlp: MlpSpec.prefault({ hidden: [{ units: 64 }, { units: 32 }] }),
    train: TrainSpec.prefault({}),
  }),
  z.strictObject({
    kind: z.literal('import').describe('Use a tfjs LayersModel the user trained (model.json + weights).'),
    modelJson: z.string().min(1).describe('Path to model.json, relative to the campaign file.'),
    weights: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Weight files named in the manifest; default: every path the manifest lists, beside model.json.'),
  }),
]);
export type ModelPlan = z.infer<typeof ModelPlan>;

export const Criterion = z.enum(['magnitude-global', 'magnitude-layerwise', 'random', 'group-saliency', 'structured']);
export type Criterion = z.infer<typeof Criterion>;

export const SchedulePlan = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('polynomial').describe('Cubic polynomial decay (Zhu & Gupta 2017), as TF-MOT PolynomialDecay.'),
    initialSparsity: fraction.default(0),
    finalSparsity: fraction,
    milestones: z.int().min(1).max(50),
    power: z.number().positive().default(3),
  }),
  z.strictObject({
    kind: z.literal('constant'),
    sparsity: fraction,
    milestones: z.int().min(1).max(50).default(1),
  }),
  z.strictObject({
    kind: z.literal('list').describe('Explicit target sparsity per milestone, non-decreasing.'),
    sparsities: z.array(fraction).min(1).max(50),
  }),
]);
export type SchedulePlan = z.infer<typeof SchedulePlan>;

export const FinetunePlan = z.strictObject({
  epochs: z.int().min(0).default(3),
  batchSize: z.int().positive().default(256),
  learningRate: z.number().positive().default(5e-4),
  /** Fairness-constrained fine-tuning (CEAG, Hashemizadeh et al. 2024) from the first attempt on. */
  constrained: z.boolean().default(false),
  /** Tolerance ε on the excess accuracy gap ψ_g (CEAG's examples: 0.01). */
  epsilon: z.number().min(0).max(1).default(0.01),
  dualLearningRate: z.number().positive().default(0.5),
  /**
   * What constrained fine-tuning bounds by ε: 'excess-gap' (CEAG's ψ_g, the default) or 'no-harm' (each group's own
   * accuracy drop against the dense model, so levelling every group down cannot meet it). Optional without a
   * default, so campaign files written before it keep their config hash.
   */
  constraint: z.enum(['excess-gap', 'no-harm']).optional(),
});
export type FinetunePlan = z.infer<typeof FinetunePlan>;

export const QuantizePlan = z.strictObject({
  enabled: z.boolean().default(true),
  precision: z.enum(['int8', 'float16']).default('int8'),
  activations: z.boolean().default(false).describe('Also fake-quantize activations, calibrated on a seeded subset.'),
  biasCorrection: z.boolean().default(true).describe('Empirical bias correction (Nagel et al. 2019).'),
  calibrationRows: z.int().positive().default(2048),
});
export type QuantizePlan = z.infer<typeof QuantizePlan>;

export const ExportFormat = z.enum(['sparse-int8', 'tfjs-standard', 'structured']);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** The formats a campaign exports when its file names none (docs/export.md); the first is shipped. */
export function defaultExportFormats(criterion: Criterion): ExportFormat[] {
  return criterion === 'structured' ? ['structured', 'sparse-int8', 'tfjs-standard'] : ['sparse-int8', 'tfjs-standard'];
}

export const EvaluationPlan = z.strictObject({
  split: z.enum(['validation', 'test']).default('validation').describe('Rows the gates judge on.'),
  attributes: z.array(z.string().min(1)).optional().describe('Sensitive attributes to report; default all.'),
  intersections: z.boolean().default(false),
  bootstrap: z.int().min(0).default(500),
  // Optional rather than defaulted, so configs written without it keep their hash (and campaign id).
  ciMethod: z
    .enum(['simultaneous', 'percentile', 'bias-corrected'])
    .optional()
    .describe(
      'How CIs are read off the bootstrap resamples: simultaneous (default: percentile, and a Bonferroni bound for ' +
        'max/min-over-groups disparities), percentile or bias-corrected (Efron BC).',
    ),
  threshold: z.number().gt(0).lt(1).default(0.5),
  minGroupSize: z.int().positive().default(30),
});
export type EvaluationPlan = z.infer<typeof EvaluationPlan>;

/** Where a campaign's final held-out verdict is judged: the split no gate, retry or review sees (docs/fairness.md). */
export const HeldOutSplit = z.enum(['test', 'none']);
export type HeldOutSplit = z.infer<typeof HeldOutSplit>;

/**
 * A campaign's evaluation: gates decide on `split`; the test split is kept back for the held-out verdict, so gating
 * on it is refused unless the campaign gives up that verdict (`heldOut: none`).
 */
export const CampaignEvaluationPlan = EvaluationPlan.extend({
  // Optional rather than defaulted, so configs written without it keep their hash (and campaign id).
  heldOut: HeldOutSplit.optional().describe(
    'Split of the final held-out verdict, which no gate, retry or review sees: test (default) or none (no held-out verdict).',
  ),
}).superRefine((plan, ctx) => {
  if (plan.split === 'test' && plan.heldOut !== 'none')
    ctx.addIssue({
      code: 'custom',
      path: ['split'],
      message:
        'the test split is held out for the final verdict and no gate may decide on it; remove evaluation.split (gates judge on validation), or set evaluation.heldOut: none to gate on test rows and give up the held-out verdict',
    });
});
export type CampaignEvaluationPlan = z.infer<typeof CampaignEvaluationPlan>;

/** The split a campaign's held-out verdict is judged on, or null when the campaign has none. */
export const heldOutSplit = (plan: { heldOut?: HeldOutSplit }): 'test' | null =>
  (plan.heldOut ?? 'test') === 'none' ? null : 'test';

export const RetryStrategy = z.enum(['constrained', 'bisect', 'regrow', 'review']);
export type RetryStrategy = z.infer<typeof RetryStrategy>;

export const FailurePolicy = z.strictObject({
  /** Strategies tried in order after a failed gate, one per retry. */
  onFail: z.array(RetryStrategy).min(1).default(['constrained', 'bisect', 'bisect']),
  retriesPerMilestone: z.int().min(0).max(10).default(3),
  /** Pause between a failed attempt and the next (back-off). */
  backoff: duration.default('1s'),
  /** Fraction of the pruned weights restored by the 'regrow' strategy. */
  regrowFraction: z.number().gt(0).lt(1).default(0.1),
  /** Stop at the last good model instead of failing when a milestone's retries run out. */
  stopAtLastGood: z.boolean().default(true),
  review: z
    .strictObject({
      timeout: duration.default('24h'),
      /** What happens when nobody reviews in time. */
      onTimeout: z.enum(['reject', 'approve']).default('reject'),
    })
    .prefault({}),
});
export type FailurePolicy = z.infer<typeof FailurePolicy>;

/** Top-level storage areas other than campaigns: a campaign's prefix must never write into them. */
export const RESERVED_STORAGE_AREAS = ['datasets', 'deployments'] as const;

/** A campaign storage prefix: lower-case path segments, outside the reserved areas (docs/architecture.md, storage). */
export const StoragePrefix = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9/_-]*[a-z0-9])?$/, 'use lower-case letters, digits, "/", "_" and "-", e.g. campaigns')
  .refine((prefix) => !prefix.split('/').includes('..') && !prefix.includes('//'), 'no empty or ".." segments')
  .refine(
    (prefix) => !(RESERVED_STORAGE_AREAS as readonly string[]).includes(prefix.split('/')[0]!),
    `must not start with a reserved area (${RESERVED_STORAGE_AREAS.join(', ')}): those hold data sets and deployments; use e.g. campaigns or campaigns/team-a`,
  );

const seedValue = z
  .int()
  .min(0)
  .max(2 ** 31 - 1);

/** A campaign run once per seed (docs/architecture.md#seeds): two or more distinct seeds. */
export const SeedList = z
  .array(seedValue)
  .min(2, 'give two or more seeds (one seed is the `seed` field)')
  .max(32)
  .refine((seeds) => new Set(seeds).size === seeds.length, 'list each seed once');

/**
 * How the seeds of a multi-seed campaign decide its verdict (core/campaign/seeds.ts). There is no `mean`: a rubric
 * gate judges CIs and paired tests of one evaluation, and averaging those across seeds is not a gate.
 */
export const SeedRule = z.enum(['all', 'worst', 'majority'], {
  error: (issue) =>
    issue.input === 'mean'
      ? 'mean is not a seed rule: a rubric gate judges the CIs and paired tests of one evaluation, and a mean of those across seeds is not a gate; use majority (more than half of the seeds pass), all or worst'
      : 'use all, worst or majority',
});
export type SeedRule = z.infer<typeof SeedRule>;

export const CampaignConfig = z
  .strictObject({
    version: z.literal(1),
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and "-", at most 63 characters')
      .describe('Campaign name; the campaign id derives from it and the config hash.'),
    description: z.string().optional(),
    seed: seedValue.default(0),
    // Optional rather than defaulted, so configs written without them keep their hash (and campaign id).
    seeds: SeedList.optional().describe(
      'Run the campaign once per seed, as child workflows in parallel, and judge the seeds together by seedRule (docs/architecture.md#seeds). Replaces seed: give one or the other.',
    ),
    seedRule: SeedRule.optional().describe(
      'How the seeds of `seeds` decide: all (default; every seed must pass), worst (the seed with the lowest worst-group accuracy decides) or majority (more than half of the seeds pass).',
    ),
    dataset: z.string().min(1).describe('Path to the data set spec (YAML/JSON), relative to the campaign file.'),
    model: ModelPlan,
    compression: z.strictObject({
      criterion: Criterion.default('magnitude-global'),
      schedule: SchedulePlan,
      finetune: FinetunePlan.prefault({}),
      quantize: QuantizePlan.prefault({}),
    }),
    evaluation: CampaignEvaluationPlan.prefault({}),
    // Optional rather than defaulted, so configs written without it keep their hash (and campaign id).
    export: z
      .array(ExportFormat)
      .refine((formats) => new Set(formats).size === formats.length, 'list each format once')
      .optional()
      .describe(
        'Deployable formats written after quantization (docs/export.md); the first is shipped (promoted, monitored) and the final gate judges it on its re-loaded bytes. Default: [sparse-int8, tfjs-standard], with structured first when the criterion is structured. [] writes none (models the formats cannot hold yet, such as convolutional ones): the accepted checkpoint is the result.',
      ),
    rubric: z.union([z.string().min(1), RubricSchema]).describe('Path to a rubric file, or the rubric inline.'),
    policy: FailurePolicy.prefault({}),
    storage: z
      .strictObject({
        prefix: StoragePrefix.default('campaigns'),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    if (config.seedRule !== undefined && config.seeds === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['seedRule'],
        message: 'seedRule judges the seeds of `seeds`; add seeds: [0, 1, 2] or remove seedRule',
      });
  });
export type CampaignConfig = z.infer<typeof CampaignConfig>;
export type CampaignConfigInput = z.input<typeof CampaignConfig>;

/**
 * `seed` and `seeds` given together, found on the file as written: `seed` defaults to 0 once parsed, so only the raw
 * document says whether the user wrote it. One line per problem, as CampaignFileError lists them.
 */
export function seedFieldProblems(raw: unknown): string[] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const written = raw as Record<string, unknown>;
  if (written['seed'] === undefined || written['seeds'] === undefined) return [];
  return [
    "seeds: given together with seed; a multi-seed campaign sets each child's seed from seeds, so remove seed (or remove seeds to run one seed)",
  ];
}

/** The config a child of a multi-seed campaign runs: a single-seed campaign at `seed`, without seeds and seedRule. */
export function singleSeedConfig(config: CampaignConfig, seed: number): CampaignConfig {
  const { seeds: _seeds, seedRule: _seedRule, ...single } = config;
  return { ...single, seed };
}

/** JSON Schema of the campaign file, for editors. */
export function campaignJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(CampaignConfig, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>),
    title: 'fairshrink campaign',
  };
}

/** Duration string ("30s", "24h") to milliseconds. */
export function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new Error(`not a duration: "${text}" (use e.g. "30s", "10m", "24h")`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
