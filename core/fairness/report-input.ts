// What evaluateFairness takes: the per-row columns, the options, and the checks that refuse bad input with the
// field and the first bad row before anything is computed.
import { DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_CI_LEVEL, CI_METHODS, type CiMethod } from './bootstrap.ts';
import type { CustomMetricRequest, MetricRegistry } from './registry.ts';

export interface EvaluationInput {
  /** 0/1 labels. */
  label: ArrayLike<number>;
  /** Probability of the positive class, in [0, 1]. */
  score: ArrayLike<number>;
  /** 0/1 predictions; default score ≥ threshold. */
  prediction?: ArrayLike<number>;
  /** The reference (dense baseline) model's scores on the same rows, for paired comparisons. */
  referenceScore?: ArrayLike<number>;
  referencePrediction?: ArrayLike<number>;
  /** Non-negative sample weights. */
  sampleWeight?: ArrayLike<number>;
  /** Sensitive attribute name → group label per row. */
  sensitive: Record<string, ArrayLike<string>>;
}

export interface EvaluationOptions {
  /** Attributes to evaluate, in order (default: every key of input.sensitive). */
  attributes?: string[];
  /** true: every combination of 2+ attributes; or the list of intersections to evaluate. */
  intersections?: boolean | string[][];
  threshold?: number;
  /** Bootstrap resamples (0: no CIs). Default 1000. */
  bootstrap?: number;
  seed?: number;
  ciLevel?: number;
  /**
   * 'simultaneous' (default: percentile intervals, and the simultaneous bound for max/min-over-groups disparities,
   * see max-type.ts), 'percentile' or 'bias-corrected' (every value; see bootstrap.ts).
   */
  ciMethod?: CiMethod;
  minGroupSize?: number;
  /**
   * More minimum group sizes (a rubric's) at which to add small-group views: each attribute with groups below the
   * size gets its disparities without them and with them pooled (small_group_views). minGroupSize always gets one.
   */
  smallGroupViewSizes?: number[];
  calibrationBins?: number;
  fairlearnCompat?: boolean;
  generalizedEntropyAlpha?: number;
  /** Privileged group per attribute or intersection key (AIF360 metrics); default the largest group. */
  privileged?: Record<string, string>;
  thresholdGrid?: number[];
  thresholdDelta?: number;
  /** Group weight multipliers for the distribution-shift stress. Default [0.5, 2]. */
  shiftFactors?: number[];
  /** Significance level and power for the minimum detectable effect. */
  alpha?: number;
  power?: number;
  customMetrics?: CustomMetricRequest[];
  registry?: MetricRegistry;
  /** At most this many flipped row indices in the report. Default 10000. */
  maxFlippedRows?: number;
}

/** Bad input: names the field and the first bad row (0-based data row), so callers can say what to fix. */
export class FairnessInputError extends Error {
  constructor(
    readonly field: string,
    readonly row: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'FairnessInputError';
  }
}

function checkColumn(
  name: string,
  values: ArrayLike<number>,
  n: number,
  ok: (v: number) => boolean,
  expected: string,
): void {
  if (values.length !== n)
    throw new FairnessInputError(name, undefined, `${name} has ${values.length} values for ${n} rows`);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!ok(v)) throw new FairnessInputError(name, i, `${name}: row ${i} is ${v}, expected ${expected}`);
  }
}

const isBinary = (v: number): boolean => v === 0 || v === 1;
const isProbability = (v: number): boolean => Number.isFinite(v) && v >= 0 && v <= 1;

export function validate(input: EvaluationInput, attributes: string[], options: EvaluationOptions): void {
  const n = input.label.length;
  if (n === 0) throw new FairnessInputError('label', undefined, 'no rows to evaluate');
  checkColumn('label', input.label, n, isBinary, '0 or 1');
  checkColumn('score', input.score, n, isProbability, 'a probability in [0, 1]');
  if (input.prediction) checkColumn('prediction', input.prediction, n, isBinary, '0 or 1');
  if (input.referenceScore)
    checkColumn('referenceScore', input.referenceScore, n, isProbability, 'a probability in [0, 1]');
  if (input.referencePrediction) {
    if (!input.referenceScore) {
      throw new FairnessInputError('referencePrediction', undefined, 'referencePrediction needs referenceScore');
    }
    checkColumn('referencePrediction', input.referencePrediction, n, isBinary, '0 or 1');
  }
  if (input.sampleWeight) {
    checkColumn('sampleWeight', input.sampleWeight, n, (v) => Number.isFinite(v) && v >= 0, 'a finite weight ≥ 0');
  }
  if (attributes.length === 0)
    throw new FairnessInputError('sensitive', undefined, 'at least one sensitive attribute is needed');
  for (const a of attributes) {
    const column = input.sensitive[a];
    if (column === undefined) throw new FairnessInputError(a, undefined, `sensitive attribute "${a}" has no values`);
    if (column.length !== n)
      throw new FairnessInputError(
        a,
        undefined,
        `sensitive attribute "${a}" has ${column.length} values for ${n} rows`,
      );
    for (let i = 0; i < n; i++) {
      const v = column[i];
      if (typeof v !== 'string' || v === '')
        throw new FairnessInputError(a, i, `sensitive attribute "${a}": row ${i} has no group label`);
    }
  }
  const t = options.threshold ?? 0.5;
  if (!isProbability(t)) throw new FairnessInputError('threshold', undefined, `threshold must be in [0, 1], got ${t}`);
  const b = options.bootstrap ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  if (!Number.isInteger(b) || b < 0)
    throw new FairnessInputError('bootstrap', undefined, `bootstrap must be an integer ≥ 0, got ${b}`);
  const level = options.ciLevel ?? DEFAULT_CI_LEVEL;
  if (!(level > 0 && level < 1))
    throw new FairnessInputError('ciLevel', undefined, `ciLevel must be in (0, 1), got ${level}`);
  if (options.ciMethod !== undefined && !CI_METHODS.includes(options.ciMethod)) {
    throw new FairnessInputError(
      'ciMethod',
      undefined,
      `ciMethod must be one of ${CI_METHODS.join(', ')}, got ${JSON.stringify(options.ciMethod)}`,
    );
  }
}
