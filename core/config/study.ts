// The study file: a compression study (data sets × final sparsities × arms × seeds) as one document. Each cell is a
// single-seed campaign derived from its data set's base campaign file; the study workflow (workflows/study.ts) runs
// every cell as a child campaign and records what each ended with (docs/architecture.md#studies).
import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { formatIssuePath, readConfigFile } from './config-file.ts';
import type { CampaignInput } from '../campaign/contracts.ts';
import type { StudyCell, StudyInput } from '../campaign/study.ts';
import { CampaignConfig, Criterion, StoragePrefix, singleSeedConfig, type SchedulePlan } from './campaign.ts';
import type { ArtifactStore } from '../storage/index.ts';
import {
  canonicalJson,
  CampaignFileError,
  datasetIdOfCampaign,
  loadCampaignFile,
  prepareCampaignInput,
  type LoadedCampaign,
} from './campaign-file.ts';

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'lower-case letters, digits and "-", at most 31 characters, e.g. adult');

/** An arm: what differs between the arms of a study, as overrides of the base campaign's compression section. */
export const StudyArm = z.strictObject({
  name: slug.describe('Names the arm in cell ids and in the table, e.g. magnitude-plain.'),
  criterion: Criterion.optional().describe(
    "Pruning criterion: magnitude-global (magnitude) or group-saliency (group-aware); default the base campaign's.",
  ),
  finetune: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      "Fields of compression.finetune to override, e.g. { constrained: true, epsilon: 0.01 } for CEAG's ψ constraints; checked as the campaign file checks them.",
    ),
});
export type StudyArm = z.infer<typeof StudyArm>;

export const StudyDataset = z.strictObject({
  name: slug.describe('Names the data set in cell ids and in the table, e.g. adult.'),
  campaign: z.string().min(1).describe('Base campaign file (YAML/JSON), relative to the study file.'),
  excludeSensitive: z
    .boolean()
    .optional()
    .describe(
      "Sets the base campaign's data set spec's features.excludeSensitive: true leaves the sensitive attributes out of the model's inputs (the groups stay), to compare with the same data set listed without it; default the spec's.",
    ),
});

const sparsityTarget = z.number().gt(0).lt(1);

export const StudyConfig = z.strictObject({
  version: z.literal(1),
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and "-", at most 63 characters')
    .describe('Study name; the study id derives from it and the cells.'),
  description: z.string().optional(),
  datasets: z
    .array(StudyDataset)
    .min(1)
    .refine((d) => new Set(d.map((x) => x.name)).size === d.length, 'give each data set a different name'),
  sparsities: z
    .array(sparsityTarget)
    .min(1)
    .refine((s) => new Set(s.map(sparsityLabel)).size === s.length, 'list each target once (to 0.01%)')
    .describe("Final sparsity targets, each set as the last milestone of every base campaign's schedule."),
  quantize: z
    .enum(['int8', 'none'])
    .describe('int8: every cell ends with int8 quantization; none: no quantization step.'),
  arms: z
    .array(StudyArm)
    .min(1)
    .refine((a) => new Set(a.map((x) => x.name)).size === a.length, 'give each arm a different name'),
  seeds: z
    .array(
      z
        .int()
        .min(0)
        .max(2 ** 31 - 1),
    )
    .min(1)
    .max(32)
    .refine((s) => new Set(s).size === s.length, 'list each seed once'),
  concurrency: z.int().min(1).max(64).default(1).describe('Cells running at once (default 1: a 2-core machine).'),
  storage: z.strictObject({ prefix: StoragePrefix.default('studies') }).prefault({}),
});
export type StudyConfig = z.infer<typeof StudyConfig>;

/** JSON Schema of the study file, for editors (examples/study.schema.json is this, committed). */
export function studyJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(StudyConfig, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>),
    title: 'fairshrink study',
  };
}

/** A sparsity as it appears in cell ids: percent with up to two decimals, "." as "p" (0.9 → 90, 0.955 → 95p5). */
export function sparsityLabel(sparsity: number): string {
  return String(Math.round(sparsity * 10000) / 100).replace('.', 'p');
}

/**
 * The base schedule with `target` as its final sparsity: polynomial → finalSparsity, constant → sparsity, list → the
 * last milestone. Throws a one-line reason when the schedule cannot end there (it would have to go down: a polynomial
 * starting above the target, or a list whose earlier milestone is above it).
 */
export function scheduleWithTarget(schedule: SchedulePlan, target: number): SchedulePlan {
  if (schedule.kind === 'polynomial') {
    if (target <= schedule.initialSparsity)
      throw new Error(
        `the base schedule starts at initialSparsity ${schedule.initialSparsity}, so it cannot end at ${target}; lower its initialSparsity or drop the target`,
      );
    return { ...schedule, finalSparsity: target };
  }
  if (schedule.kind === 'constant') return { ...schedule, sparsity: target };
  const earlier = schedule.sparsities.slice(0, -1);
  const above = earlier.findIndex((s) => s > target);
  if (above >= 0)
    throw new Error(
      `the base schedule's milestone ${above + 1} is at ${earlier[above]}, above ${target}, and a schedule never lowers sparsity; use a polynomial schedule or drop the target`,
    );
  return { ...schedule, sparsities: [...earlier, target] };
}

export class StudyFileError extends CampaignFileError {
  override name = 'StudyFileError';
}

export interface LoadedStudy {
  file: string;
  config: StudyConfig;
  /** One loaded base campaign per data set, in the file's order. */
  bases: { name: string; loaded: LoadedCampaign }[];
  /** Every cell's config, in the order data set, sparsity, arm, seed. */
  cells: { cell: Omit<StudyCell, 'campaignId'>; config: CampaignConfig; configSha256: string }[];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The config of one cell: the base campaign's, at one seed (without seeds/seedRule), its schedule ending at the
 * target, the arm's criterion and fine-tuning overrides, int8 on or off; parsed again as a campaign file is, so a bad
 * override is found here. Returns the config, or problems naming the study field that caused each.
 */
export function cellConfig(
  base: CampaignConfig,
  cell: { sparsity: number; arm: StudyArm; seed: number; quantize: StudyConfig['quantize'] },
  where: { sparsity: string; arm: string },
): { config: CampaignConfig } | { problems: string[] } {
  let schedule: SchedulePlan;
  try {
    schedule = scheduleWithTarget(base.compression.schedule, cell.sparsity);
  } catch (err) {
    return { problems: [`${where.sparsity}: ${(err as Error).message}`] };
  }
  const single = singleSeedConfig(base, cell.seed);
  const compression = {
    ...single.compression,
    criterion: cell.arm.criterion ?? single.compression.criterion,
    schedule,
    finetune: { ...single.compression.finetune, ...(cell.arm.finetune ?? {}) },
    quantize:
      cell.quantize === 'int8'
        ? { ...single.compression.quantize, enabled: true, precision: 'int8' as const }
        : { ...single.compression.quantize, enabled: false },
  };
  const parsed = CampaignConfig.safeParse({ ...single, compression });
  if (parsed.success) return { config: parsed.data };
  return {
    problems: parsed.error.issues.map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [];
      const full = [...issue.path, ...keys];
      // An arm's field is the study's to fix; anything else comes from the base campaign file.
      if (full[0] === 'compression' && full[1] === 'finetune')
        return `${where.arm}.finetune${full.length > 2 ? `.${formatIssuePath(full.slice(2))}` : ''}: ${issue.message}`;
      return `${where.arm}: makes the base campaign's ${formatIssuePath(full)} invalid: ${issue.message}`;
    }),
  };
}

/**
 * The base campaign with its data set spec's features.excludeSensitive set, when the study names it: the spec is what
 * the data set id, the upload and the encoder are derived from, so the cells get a data set of their own.
 */
function withExcludeSensitive(loaded: LoadedCampaign, excludeSensitive: boolean | undefined): LoadedCampaign {
  if (excludeSensitive === undefined) return loaded;
  const { spec } = loaded.dataset;
  return {
    ...loaded,
    dataset: { ...loaded.dataset, spec: { ...spec, features: { ...spec.features, excludeSensitive } } },
  };
}

/** Parse a study file and every base campaign it names; throws StudyFileError listing every problem. */
export async function loadStudyFile(file: string): Promise<LoadedStudy> {
  const { abs, config } = await readConfigFile(file, StudyConfig, (problems) => new StudyFileError(file, problems));
  const problems: string[] = [];
  const bases: LoadedStudy['bases'] = [];
  for (const [i, dataset] of config.datasets.entries()) {
    try {
      const loaded = await loadCampaignFile(path.resolve(path.dirname(abs), dataset.campaign));
      bases.push({ name: dataset.name, loaded: withExcludeSensitive(loaded, dataset.excludeSensitive) });
    } catch (err) {
      const lines = err instanceof CampaignFileError ? err.problems : [(err as Error).message];
      problems.push(...lines.map((line) => `datasets[${i}].campaign (${dataset.campaign}): ${line}`));
    }
  }
  const cells: LoadedStudy['cells'] = [];
  const reported = new Set<string>();
  for (const base of bases) {
    for (const [s, sparsity] of config.sparsities.entries()) {
      for (const [a, arm] of config.arms.entries()) {
        for (const seed of config.seeds) {
          const result = cellConfig(
            base.loaded.config,
            { sparsity, arm, seed, quantize: config.quantize },
            { sparsity: `sparsities[${s}] (data set ${base.name})`, arm: `arms[${a}] (${arm.name})` },
          );
          if ('problems' in result) {
            // The same problem for every seed (and data set, for an arm's field) is one line.
            for (const p of result.problems) if (!reported.has(p) && reported.add(p)) problems.push(p);
            continue;
          }
          cells.push({
            cell: { dataset: base.name, sparsity, arm: arm.name, seed, quantize: config.quantize },
            config: result.config,
            configSha256: sha256(canonicalJson(result.config)),
          });
        }
      }
    }
  }
  if (problems.length > 0) throw new StudyFileError(file, problems);
  return { file: abs, config, bases, cells };
}

/** `<dataset>-<sparsity>[-int8]-<arm>-seed-<seed>`: a cell's place in the study, unique within it. */
export const cellName = (cell: Omit<StudyCell, 'campaignId'>): string =>
  `${cell.dataset}-${sparsityLabel(cell.sparsity)}${cell.quantize === 'int8' ? '-int8' : ''}-${cell.arm}-seed-${cell.seed}`;

/**
 * `<name>-<first 12 hex digits of sha256 over every cell's config hash and its data set's id>`: the same study file
 * over the same data gives the same study id, and so the same cell ids (running it again attaches to it).
 */
export function studyIdOf(study: LoadedStudy, datasetIds: Record<string, string>): string {
  const cells = study.cells.map((c) => ({
    name: cellName(c.cell),
    config: c.configSha256,
    data: datasetIds[c.cell.dataset],
  }));
  return `${study.config.name}-${sha256(`fairshrink-study\u0000${canonicalJson(cells)}`).slice(0, 12)}`;
}

/** The campaign id of a cell: `<study id>-<cell name>`. */
export const cellCampaignId = (studyId: string, cell: Omit<StudyCell, 'campaignId'>): string =>
  `${studyId}-${cellName(cell)}`;

/**
 * The study workflow's input: each data set's base campaign input once (its files already in S3), and per cell its
 * coordinates, campaign id and config, which the workflow lays over its data set's input.
 */
export function studyInputOf(
  study: LoadedStudy,
  studyId: string,
  baseInputs: Record<string, CampaignInput>,
): StudyInput {
  return {
    studyId,
    configSha256: sha256(canonicalJson(study.config)),
    prefix: study.config.storage.prefix,
    concurrency: study.config.concurrency,
    datasets: baseInputs,
    cells: study.cells.map((c) => ({
      cell: { ...c.cell, campaignId: cellCampaignId(studyId, c.cell) },
      config: c.config,
      configSha256: c.configSha256,
    })),
  };
}

/** Each data set's content id (core/config/campaign-file.ts datasetIdOfCampaign), by the data set's name. */
export async function studyDatasetIds(study: LoadedStudy): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const base of study.bases) ids[base.name] = await datasetIdOfCampaign(base.loaded);
  return ids;
}

/** Upload each data set's files once (content-addressed, as `fairshrink run` does) and build the workflow input. */
export async function prepareStudyInput(
  study: LoadedStudy,
  store: ArtifactStore,
  opts: { projectRoot: string; studyId?: string },
): Promise<StudyInput> {
  const baseInputs: Record<string, CampaignInput> = {};
  for (const base of study.bases)
    baseInputs[base.name] = await prepareCampaignInput(base.loaded, store, { projectRoot: opts.projectRoot });
  const studyId = opts.studyId ?? studyIdOf(study, await studyDatasetIds(study));
  return studyInputOf(study, studyId, baseInputs);
}
