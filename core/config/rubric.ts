// The rubric: fairness constraints a gate checks against a fairness report (docs/fairness.md).
// Pure (zod + yaml, no Node built-ins): workflow code may import the schema and types.
import YAML from 'yaml';
import { z } from 'zod';
import { didYouMean } from '../fairness/gate.ts';
import { metricNames, type MetricPlace } from '../fairness/metric-names.ts';

export const COMPARATORS = ['<=', '<', '>=', '>'] as const;
export type Comparator = (typeof COMPARATORS)[number];

export const UNCERTAINTY_MODES = ['point_estimate', 'ci_bound', 'ci_interval'] as const;
export type UncertaintyMode = (typeof UNCERTAINTY_MODES)[number];

export const SMALL_GROUP_POLICIES = ['insufficient', 'exclude', 'pool'] as const;
export type SmallGroupPolicy = (typeof SMALL_GROUP_POLICIES)[number];

const snakeCase = /^[a-z][a-z0-9_]*$/;

const smallGroups = z
  .enum(SMALL_GROUP_POLICIES)
  .optional()
  .describe(
    'Groups below min_group_size: "insufficient" (default: judge the others, fail if any of them fails, else insufficient-evidence naming the small groups), "exclude" (judge without them; they are listed as excluded) or "pool" (merge them into one group, judged if it reaches the minimum).',
  );

export const RubricConstraintSchema = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, "_", "." or "-"')
      .describe('Unique name of the constraint, used in decisions and logs.'),
    description: z.string().optional().describe('What the constraint protects, in words.'),
    metric: z
      .string()
      .regex(snakeCase, 'metric names are snake_case, e.g. equalized_odds_difference')
      .describe(
        'Report key: a disparity (with attribute/intersection, aggregation "value"), a group metric (aggregation max/min), or an overall metric (no attribute).',
      ),
    attribute: z.string().min(1).optional().describe('Sensitive attribute, e.g. "sex".'),
    intersection: z
      .array(z.string().min(1))
      .min(2)
      .optional()
      .describe('Intersection of attributes, e.g. ["sex", "race"] (needs --intersections).'),
    aggregation: z
      .enum(['value', 'max', 'min'])
      .default('value')
      .describe(
        '"value": the disparity (or overall metric) itself; "max"/"min": the largest/smallest value of a group metric over the groups.',
      ),
    comparator: z.enum(COMPARATORS).describe('The constraint holds when <observed> <comparator> <threshold>.'),
    threshold: z.number().finite().describe('Bound the metric must satisfy.'),
    relative_to: z
      .enum(['absolute', 'reference'])
      .default('absolute')
      .describe(
        '"reference": compare candidate − reference (the report\'s delta section) instead of the candidate value.',
      ),
    uncertainty: z
      .enum(UNCERTAINTY_MODES)
      .optional()
      .describe(
        'How uncertainty counts: "point_estimate"; "ci_bound" (the CI bound on the unfavourable side must satisfy the constraint); "ci_interval" (pass if the whole CI satisfies it, fail if none of it does, else insufficient-evidence). Default: the rubric\'s uncertainty.',
      ),
    min_group_size: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("Override of the rubric's min_group_size for this constraint."),
    small_groups: smallGroups.describe("Override of the rubric's small_groups for this constraint."),
    undefined_groups: z
      .enum(['insufficient-evidence', 'ignore'])
      .default('insufficient-evidence')
      .describe(
        'When a group\'s metric is undefined (e.g. no positives) and it drops out of a disparity: "insufficient-evidence" (default) or "ignore" (decide on the other groups, as Fairlearn does).',
      ),
  })
  .strict()
  .refine((c) => !(c.attribute !== undefined && c.intersection !== undefined), {
    message: 'give either attribute or intersection, not both',
    path: ['intersection'],
  })
  .refine((c) => c.aggregation === 'value' || c.attribute !== undefined || c.intersection !== undefined, {
    message: 'aggregation "max"/"min" runs over groups: give an attribute or intersection',
    path: ['aggregation'],
  });

const RubricObject = z
  .object({
    version: z.literal(1).describe('Rubric format version.'),
    name: z.string().min(1).describe('Name of the rubric, shown in gate decisions.'),
    description: z.string().optional(),
    min_group_size: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "Groups with fewer rows are not judged on their own (see small_groups). Default: the report's min_group_size.",
      ),
    small_groups: smallGroups,
    uncertainty: z.enum(UNCERTAINTY_MODES).default('ci_bound').describe('Default for constraints that do not set it.'),
    constraints: z.array(RubricConstraintSchema).min(1).describe('Every constraint must pass for the gate to pass.'),
  })
  .strict();

const PLACE_NAMES: Record<MetricPlace, string> = {
  group: 'group metric',
  overall: 'overall metric',
  disparity: 'disparity',
};

/** Where a constraint reads its metric: a disparity, a group metric (max/min over groups) or an overall metric. */
const placeOf = (c: z.output<typeof RubricConstraintSchema>): MetricPlace =>
  c.attribute === undefined && c.intersection === undefined
    ? 'overall'
    : c.aggregation === 'value'
      ? 'disparity'
      : 'group';

/**
 * The rubric schema, knowing the built-in metric names plus `customMetrics` (report keys of registered custom
 * metrics): an unknown metric is refused here, with a "did you mean", so a misspelt rubric never starts a run.
 */
export function rubricSchema(customMetrics: readonly string[] = []) {
  const known: Record<MetricPlace, string[]> = {
    group: metricNames('group', customMetrics),
    overall: metricNames('overall', customMetrics),
    disparity: metricNames('disparity', customMetrics),
  };
  return RubricObject.superRefine((rubric, ctx) => {
    const seen = new Map<string, number>();
    rubric.constraints.forEach((c, i) => {
      const first = seen.get(c.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `duplicate id "${c.id}" (also constraints[${first}].id); ids must be unique`,
          path: ['constraints', i, 'id'],
        });
      } else seen.set(c.id, i);
      const place = placeOf(c);
      if (known[place].includes(c.metric)) return;
      const elsewhere = (['disparity', 'group', 'overall'] as const).find((p) => known[p].includes(c.metric));
      const hint =
        elsewhere === 'group'
          ? ' (it is a group metric: give an attribute and aggregation: max or min)'
          : elsewhere === 'disparity'
            ? ' (it is a disparity: give an attribute or intersection)'
            : elsewhere === 'overall'
              ? ' (it is an overall metric: leave out attribute and intersection)'
              : didYouMean(c.metric, known[place]);
      ctx.addIssue({
        code: 'custom',
        message: `unknown ${PLACE_NAMES[place]} "${c.metric}"${hint}`,
        path: ['constraints', i, 'metric'],
      });
    });
  });
}

export const RubricSchema = rubricSchema();

export type Rubric = z.output<typeof RubricSchema>;
export type RubricInput = z.input<typeof RubricSchema>;
export type RubricConstraint = z.output<typeof RubricConstraintSchema>;

/** JSON Schema of the rubric file, for editors (examples/rubric.schema.json is this, committed). */
export function rubricJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(RubricSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...schema, title: 'fairshrink rubric' };
}

export class RubricError extends Error {
  constructor(
    message: string,
    /** One line per problem: "<source>: <path>: <problem>. Fix: <hint>". */
    readonly problems: string[],
  ) {
    super(message);
    this.name = 'RubricError';
  }
}

const FIX_HINTS: Record<string, string> = {
  version: 'set `version: 1`',
  name: 'give the rubric a name, e.g. `name: adult-income-fairness`',
  constraints: 'list at least one constraint under `constraints:`',
  comparator: 'use one of "<=", "<", ">=", ">" (quote it in YAML: comparator: "<=")',
  aggregation: 'use "value" for a disparity or overall metric, "max" or "min" over a group metric',
  uncertainty: 'use "point_estimate", "ci_bound" or "ci_interval"',
  relative_to: 'use "absolute" or "reference"',
  threshold: 'give a number, e.g. threshold: 0.1',
  metric: 'use a report metric key such as equalized_odds_difference (see docs/fairness.md)',
  intersection: 'list two or more attributes, e.g. intersection: [sex, race]; or use attribute: instead',
  min_group_size: 'give a positive integer, e.g. min_group_size: 30',
  id: 'give each constraint a unique id such as eod-sex',
  undefined_groups: 'use "insufficient-evidence" or "ignore"',
  small_groups: 'use "insufficient", "exclude" or "pool"',
};

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

function fixFor(path: readonly PropertyKey[], code: string, message: string): string {
  const last = [...path].reverse().find((p) => typeof p === 'string');
  if (code === 'unrecognized_keys')
    return `remove it or check its spelling (${message.replace(/^Unrecognized keys?: /, '')})`;
  return (last !== undefined && FIX_HINTS[last]) || 'see docs/fairness.md for the rubric format';
}

export interface RubricParseOptions {
  /** Report keys of custom metrics the rubric may name (core/fairness/registry.ts). */
  customMetrics?: readonly string[];
}

/** Validates an already parsed object; throws RubricError naming each bad field's path and the fix. */
export function parseRubric(data: unknown, source = 'rubric', options: RubricParseOptions = {}): Rubric {
  const schema = options.customMetrics === undefined ? RubricSchema : rubricSchema(options.customMetrics);
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path =
      issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys.slice(0, 1)] : (issue.path as PropertyKey[]);
    return `${source}: ${formatPath(path)}: ${issue.message}. Fix: ${fixFor(path, issue.code, issue.message)}`;
  });
  throw new RubricError(problems[0]!, problems);
}

/** Parses rubric text (YAML, or JSON when the source ends in .json or the text starts with '{'). */
export function parseRubricText(text: string, source = 'rubric', options: RubricParseOptions = {}): Rubric {
  if (text.trim() === '') throw new RubricError(`${source}: file is empty. Fix: start from examples/rubric.yaml`, []);
  const asJson = source.toLowerCase().endsWith('.json') || text.trimStart().startsWith('{');
  let data: unknown;
  if (asJson) {
    try {
      data = JSON.parse(text);
    } catch (err) {
      const message = `${source}: not valid JSON: ${(err as Error).message}. Fix: check commas and quotes`;
      throw new RubricError(message, [message]);
    }
  } else {
    const doc = YAML.parseDocument(text, { prettyErrors: true });
    const first = doc.errors[0];
    if (first !== undefined) {
      const pos = first.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}` : 'unknown position';
      const message = `${source}: not valid YAML at ${where}: ${first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}. Fix: check indentation and quoting`;
      throw new RubricError(message, [message]);
    }
    data = doc.toJS();
  }
  return parseRubric(data, source, options);
}
