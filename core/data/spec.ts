// The data set spec: everything needed to turn CSV files into an EncodedDataset, so a new CSV data
// set needs only a new spec (YAML or JSON), no code. Types are inferred from the schemas; parse
// errors name the path of the bad field and the spec file.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DataError } from './errors.ts';
import { parseFileNamePattern } from './images/pattern.ts';

export const SourceRole = z.enum(['train', 'test', 'data']);
export type SourceRole = z.infer<typeof SourceRole>;

export const SourceSpec = z
  .strictObject({
    /** Your own CSV file, relative to the spec file. Gzip input is detected by its magic bytes. */
    path: z.string().min(1).optional(),
    /** A pinned public data set (infra/tools.json "datasets"), installed on first use: its name and one of its files. */
    dataset: z.string().min(1).optional(),
    file: z.string().min(1).optional(),
    /** 'train' / 'test' for given splits; 'data' for files that a stratified split divides. */
    role: SourceRole.default('data'),
    /** Lines to skip at the top of this file (e.g. 1 for adult.test's `|1x3 Cross validator` banner). */
    skipLines: z.int().min(0).default(0),
  })
  .superRefine((source, ctx) => {
    const registry = source.dataset !== undefined || source.file !== undefined;
    if (source.path !== undefined && registry) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'give either `path` or `dataset` + `file`, not both' });
    } else if (source.path === undefined && !registry) {
      ctx.addIssue({
        code: 'custom',
        path: ['path'],
        message:
          'give `path` (your own CSV file) or `dataset` + `file` (a pinned data set, e.g. dataset: adult, file: adult.data)',
      });
    } else if (registry && (source.dataset === undefined || source.file === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [source.dataset === undefined ? 'dataset' : 'file'],
        message: 'a pinned data set source needs both `dataset` and `file`',
      });
    }
  });
export type SourceSpec = z.infer<typeof SourceSpec>;

/**
 * How a source is named in digests, uploads and `sourceBytes`: its path, or `dataset:<name>/<file>` for a pinned data
 * set (a prefix no relative path of a user's file starts with by accident).
 */
export function sourceKey(source: Pick<SourceSpec, 'path' | 'dataset' | 'file'>): string {
  return source.path ?? `dataset:${source.dataset}/${source.file}`;
}

export const DialectSpec = z.strictObject({
  delimiter: z.string().length(1).default(','),
  quote: z.string().length(1).default('"'),
  header: z.boolean().default(true),
  /**
   * Column names in file order; required when header is false. With a header they replace its names (the way to
   * name repeated header names yourself; otherwise they are renamed `<name>_2`, `<name>_3`, ...).
   */
  columns: z.array(z.string().min(1)).optional(),
  /** Tokens (after trimming) that mean "missing", e.g. ['?'] for the UCI files. */
  missing: z.array(z.string()).default(['']),
  trim: z.boolean().default(true),
});
export type DialectSpec = z.infer<typeof DialectSpec>;

export const LabelSpec = z
  .strictObject({
    column: z.string().min(1),
    /** Values that mean the positive (favourable) class, e.g. ['>50K'] or ['1']. */
    positive: z.array(z.string()).min(1).optional(),
    /** Values that mean the negative class; with `positive`, any other value is an error. Omit to treat every other value as negative. */
    negative: z.array(z.string()).min(1).optional(),
    /** Numeric label: positive when the value is above `threshold` (or at/above, see `positiveWhen`). */
    threshold: z.number().optional(),
    positiveWhen: z.enum(['above', 'atOrAbove']).default('above'),
    /** Strip one trailing '.' from label values (adult.test writes `>50K.`). */
    stripTrailingPeriod: z.boolean().default(false),
  })
  .refine((l) => (l.positive === undefined) !== (l.threshold === undefined), {
    message: 'give exactly one of `positive` (categorical label) or `threshold` (numeric label)',
  });
export type LabelSpec = z.infer<typeof LabelSpec>;

export const GroupDerivation = z.discriminatedUnion('kind', [
  /** The column's value is the group. */
  z.strictObject({ kind: z.literal('identity') }),
  /** Map raw values to group names (e.g. A92 → female); unmapped values take `default` or are an error. */
  z.strictObject({ kind: z.literal('map'), map: z.record(z.string(), z.string()), default: z.string().optional() }),
  /** Numeric buckets: bucket i holds edges[i-1] <= v < edges[i]. `labels` has edges.length + 1 names. */
  z.strictObject({
    kind: z.literal('buckets'),
    edges: z.array(z.number()).min(1),
    labels: z.array(z.string()).optional(),
  }),
  /** Numeric threshold: v > threshold → `above`, else `atOrBelow`. */
  z.strictObject({ kind: z.literal('threshold'), threshold: z.number(), above: z.string(), atOrBelow: z.string() }),
]);
export type GroupDerivation = z.infer<typeof GroupDerivation>;

export const SensitiveSpec = z.strictObject({
  name: z.string().min(1),
  column: z.string().min(1),
  derive: GroupDerivation.default({ kind: 'identity' }),
});
export type SensitiveSpec = z.infer<typeof SensitiveSpec>;

export const FeaturesSpec = z.strictObject({
  /** One-hot encoded (categories from the training split, sorted, plus one unseen-category column). */
  categorical: z.array(z.string()).default([]),
  /** Standardised with training mean and standard deviation. 'rest' = every column not categorical, excluded or the label. */
  numeric: z.union([z.array(z.string()), z.literal('rest')]).default([]),
  exclude: z.array(z.string()).default([]),
  /** What a missing numeric value becomes: an error (default) or the training mean (0 after standardising). */
  numericMissing: z.enum(['error', 'mean']).default('error'),
  /**
   * true: no column a sensitive attribute is read from is a model input (whatever else the column carries), while the
   * attributes still define the groups fairness is evaluated on (docs/datasets.md#sensitive-attributes-as-inputs).
   * Optional without a default, so specs that leave it out keep their bytes and data set ids.
   */
  excludeSensitive: z.boolean().optional(),
  /**
   * How categorical columns become inputs: 'one-hot' (the default) or 'codes', one value per column, its level's index
   * offset into one vocabulary shared by all columns, for a model whose input is one Embedding
   * (docs/datasets.md#categorical-codes). Optional without a default, so specs that leave it out keep their ids.
   */
  categoricalEncoding: z.enum(['one-hot', 'codes']).optional(),
});
export type FeaturesSpec = z.infer<typeof FeaturesSpec>;

export const DropSpec = z.strictObject({
  /** Drop rows with a missing value in these columns ('any' = in any column). */
  missingIn: z.union([z.array(z.string()), z.literal('any')]).default([]),
});
export type DropSpec = z.infer<typeof DropSpec>;

/** A value to compare with: text compares with the field's text, a number with the field's numeric value. */
export type FilterValue = string | number;

/**
 * A row filter (docs/datasets.md#filters). A missing value (a dialect.missing token) satisfies no comparison
 * (range, in, notIn, equals), as in SQL and R's dplyr, so `notMissing` is only needed on its own.
 */
export type FilterPredicate =
  | { column: string; range: { min?: number | undefined; max?: number | undefined } }
  | { column: string; in: FilterValue[] }
  | { column: string; notIn: FilterValue[] }
  | { column: string; equals: FilterValue }
  | { column: string; notMissing: true }
  | { all: FilterPredicate[] }
  | { any: FilterPredicate[] };

const filterValue = z.union([z.string(), z.number()]);
const filterColumn = z.string().min(1);

export const FilterSpec: z.ZodType<FilterPredicate> = z.lazy(() =>
  z.union([
    z.strictObject({
      column: filterColumn,
      /** Inclusive bounds on the field's numeric value; give min, max or both. */
      range: z
        .strictObject({ min: z.number().optional(), max: z.number().optional() })
        .refine((r) => r.min !== undefined || r.max !== undefined, { message: 'give min, max or both' })
        .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
          message: 'min must not exceed max',
        }),
    }),
    z.strictObject({ column: filterColumn, in: z.array(filterValue).min(1) }),
    z.strictObject({ column: filterColumn, notIn: z.array(filterValue).min(1) }),
    z.strictObject({ column: filterColumn, equals: filterValue }),
    z.strictObject({ column: filterColumn, notMissing: z.literal(true) }),
    z.strictObject({ all: z.array(FilterSpec).min(1) }),
    z.strictObject({ any: z.array(FilterSpec).min(1) }),
  ]),
);

const fraction = z.number().gt(0).lt(1);

export const SplitSpec = z.discriminatedUnion('kind', [
  /** Use the 'train' and 'test' sources as given, and carve a seeded, stratified validation set out of train. */
  z.strictObject({
    kind: z.literal('given'),
    validationFraction: fraction.default(0.1),
    seed: z.int().default(0),
    /** Sensitive attributes to stratify by (with the label); default all. */
    stratifyBy: z.array(z.string()).optional(),
  }),
  /** Pool all sources and split them seeded and stratified by group × label. */
  z.strictObject({
    kind: z.literal('stratified'),
    fractions: z.strictObject({ train: fraction, validation: fraction, test: fraction }),
    seed: z.int().default(0),
    stratifyBy: z.array(z.string()).optional(),
  }),
]);
export type SplitSpec = z.infer<typeof SplitSpec>;

/**
 * A folder of images as the data set (docs/datasets.md#image-data): a manifest CSV or a file-name pattern gives each
 * image's fields, which `label`, `sensitive`, `filter` and `drop` use like CSV columns; the pixels are the features.
 */
export const ImagesSpec = z
  .strictObject({
    /** The folder, relative to the spec file. */
    folder: z.string().min(1),
    /** A CSV file (relative to `folder`, read with the spec's `dialect`) with one row per image: its file and fields. */
    manifest: z.string().min(1).optional(),
    /** Or the fields from each file name, e.g. '{age}_{gender}_{race}_{_}.jpg' ({_} skips a field). */
    pattern: z.string().min(1).optional(),
    /** The manifest column holding each image's path relative to `folder` (with `pattern`: the name of the path field). */
    fileColumn: z.string().min(1).default('file'),
    /** Resize target [height, width] in pixels. */
    size: z.tuple([z.int().min(1).max(4096), z.int().min(1).max(4096)]),
    /** 1 = grey (ITU-R BT.601 luma), 3 = RGB. */
    channels: z.union([z.literal(1), z.literal(3)]),
    /** Image files (.png, .jpg, .jpeg) in the folder that the manifest does not list or the pattern does not match. */
    unlisted: z.enum(['error', 'ignore']).default('error'),
  })
  .superRefine((images, ctx) => {
    if ((images.manifest === undefined) === (images.pattern === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['manifest'],
        message:
          "give either `manifest` (a CSV listing each image's file and fields) or `pattern` (fields from file names)",
      });
    }
    if (images.pattern !== undefined) {
      const parsed = parseFileNamePattern(images.pattern);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', path: ['pattern'], message: parsed });
      else if (parsed.fields.includes(images.fileColumn))
        ctx.addIssue({
          code: 'custom',
          path: ['fileColumn'],
          message: `the pattern has a field named '${images.fileColumn}'; rename the field or set another fileColumn`,
        });
    }
  });
export type ImagesSpec = z.infer<typeof ImagesSpec>;

export const DatasetSpec = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    /** CSV sources; an image data set has `images` instead. */
    sources: z.array(SourceSpec).default([]),
    images: ImagesSpec.optional(),
    dialect: DialectSpec.default({ delimiter: ',', quote: '"', header: true, missing: [''], trim: true }),
    /** Rows to keep, checked before drop and split (e.g. ProPublica's COMPAS selection); counted in the lineage. */
    filter: FilterSpec.optional(),
    label: LabelSpec,
    sensitive: z.array(SensitiveSpec).min(1),
    /** Required for CSV sources; an image data set's features are its pixels, so it leaves this out. */
    features: FeaturesSpec.default({ categorical: [], numeric: [], exclude: [], numericMissing: 'error' }),
    drop: DropSpec.default({ missingIn: [] }),
    split: SplitSpec,
  })
  .superRefine((spec, ctx) => {
    if (spec.images === undefined && spec.sources.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['sources'],
        message: 'give at least one CSV source, or `images` for a folder of images',
      });
    }
    if (spec.images !== undefined) imageSpecIssues(spec, ctx);
    if (spec.split.kind === 'given') {
      for (const role of ['train', 'test'] as const) {
        if (!spec.sources.some((s) => s.role === role)) {
          ctx.addIssue({
            code: 'custom',
            path: ['sources'],
            message: `split.kind 'given' needs a source with role '${role}'`,
          });
        }
      }
    } else {
      const f = spec.split.fractions;
      if (Math.abs(f.train + f.validation + f.test - 1) > 1e-9) {
        ctx.addIssue({
          code: 'custom',
          path: ['split', 'fractions'],
          message: `fractions must sum to 1, got ${f.train + f.validation + f.test}`,
        });
      }
    }
    const names = new Set<string>();
    spec.sensitive.forEach((s, i) => {
      if (names.has(s.name))
        ctx.addIssue({
          code: 'custom',
          path: ['sensitive', i, 'name'],
          message: `duplicate sensitive attribute '${s.name}'`,
        });
      names.add(s.name);
    });
    for (const name of spec.split.stratifyBy ?? []) {
      if (!names.has(name))
        ctx.addIssue({
          code: 'custom',
          path: ['split', 'stratifyBy'],
          message: `'${name}' is not a sensitive attribute name`,
        });
    }
    if (spec.features.categoricalEncoding === 'codes') codesSpecIssues(spec.features, ctx);
    if (!spec.dialect.header && spec.dialect.columns === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['dialect', 'columns'],
        message: 'without a header row, list the column names',
      });
    }
  });
export type DatasetSpec = z.infer<typeof DatasetSpec>;

/**
 * Codes feed one Embedding, whose input is nothing but vocabulary indices: a standardised numeric value cannot sit in
 * it, so numeric columns are refused rather than silently dropped or bucketed.
 */
function codesSpecIssues(features: FeaturesSpec, ctx: z.RefinementCtx): void {
  if (features.numeric === 'rest' || features.numeric.length > 0)
    ctx.addIssue({
      code: 'custom',
      path: ['features', 'numeric'],
      message:
        "categoricalEncoding 'codes' makes every input a vocabulary index for one Embedding, which has no place for " +
        'numeric values; list each such column under features.categorical (every distinct value becomes a level) ' +
        "or remove it from features.numeric ('rest' included), or use categoricalEncoding: 'one-hot'",
    });
  if (features.categorical.length === 0)
    ctx.addIssue({
      code: 'custom',
      path: ['features', 'categorical'],
      message: "categoricalEncoding 'codes' encodes categorical columns; list them in features.categorical",
    });
}

/** What an image data set cannot have: CSV sources, a feature selection (the pixels are the features), given splits. */
function imageSpecIssues(spec: DatasetSpec, ctx: z.RefinementCtx): void {
  if (spec.sources.length > 0)
    ctx.addIssue({
      code: 'custom',
      path: ['sources'],
      message: 'an image data set reads `images`; remove `sources` (or `images` for a CSV data set)',
    });
  const f = spec.features;
  if (f.categorical.length > 0 || f.exclude.length > 0 || f.numeric === 'rest' || f.numeric.length > 0)
    ctx.addIssue({
      code: 'custom',
      path: ['features'],
      message: "an image data set's features are its pixels; remove `features`",
    });
  if (spec.split.kind !== 'stratified')
    ctx.addIssue({
      code: 'custom',
      path: ['split', 'kind'],
      message: "an image data set is one pool of images; use split.kind 'stratified' with fractions",
    });
}
export type DatasetSpecInput = z.input<typeof DatasetSpec>;

/** A parsed spec with the directory its relative source paths resolve against. */
export interface LoadedDatasetSpec {
  spec: DatasetSpec;
  baseDir: string;
  /** The spec file, when it came from one. */
  file?: string;
}

function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/** Validates a spec object; `where` names it in errors. */
export function parseDatasetSpec(input: unknown, where = 'dataset spec'): DatasetSpec {
  const result = DatasetSpec.safeParse(input);
  if (!result.success) throw new DataError(`invalid dataset spec: ${formatIssues(result.error)}.`, { file: where });
  return result.data;
}

/** Reads a YAML or JSON spec file; source paths resolve relative to the file's directory. */
export async function loadDatasetSpec(file: string): Promise<LoadedDatasetSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new DataError(`cannot read the spec: ${err instanceof Error ? err.message : String(err)}.`, { file });
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new DataError(
      `the spec is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${err instanceof Error ? err.message : String(err)}.`,
      { file },
    );
  }
  return { spec: parseDatasetSpec(raw, file), baseDir: dirname(resolve(file)), file };
}

/** JSON Schema of the spec file format (input side: defaults are optional), for editors. */
export function datasetSpecJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(DatasetSpec, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
