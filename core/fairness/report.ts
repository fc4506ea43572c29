// Builds the whole fairness report (format in report-types.ts and docs/fairness.md) from plain arrays.
// Pure computation: no I/O. The CLI (cli/commands/evaluate.ts) and activities call this.
import { createRng, type Rng } from '../random/rng.ts';
import {
  DEFAULT_BOOTSTRAP_RESAMPLES,
  DEFAULT_CI_LEVEL,
  DEFAULT_CI_METHOD,
  drawStratifiedMultiplicities,
  percentileInterval,
  biasCorrectedInterval,
  simultaneousInterval,
  type CiMethod,
  type ExtremeComponent,
  type PercentileInterval,
} from './bootstrap.ts';
import type { Disparity } from './disparities.ts';
import type { Estimate } from './estimate.ts';
import {
  allIntersections,
  buildCellIndex,
  groupRows,
  smallGroupViews,
  type CellIndex,
  type Partition,
} from './groups.ts';
import { maxTypePlans, type MaxTypePlan } from './max-type.ts';
import { pairedSections } from './paired.ts';
import { metricRegistry } from './registry.ts';
import {
  REPORT_FORMAT,
  REPORT_VERSION,
  type AttributeReport,
  type DisparityValue,
  type FairnessReport,
  type GroupInfo,
  type MetricValue,
  type MetricValues,
  type ModelAttributeSection,
  type ModelSection,
  type SmallGroupPool,
} from './report-types.ts';
import { shiftStress } from './shift.ts';
import {
  addReferenceComparisons,
  disparityBaseMetrics,
  modelSnapshot,
  snapshotPaths,
  visitSnapshot,
  type Snapshot,
  type SnapshotContext,
} from './snapshot.ts';
import { predictAt, prepareModel, StatsEngine, type ModelArrays, type PartitionStats } from './stats.ts';
import { DEFAULT_THRESHOLD_DELTA, DEFAULT_THRESHOLD_GRID, thresholdSensitivity } from './threshold.ts';
import { FairnessInputError, validate, type EvaluationInput, type EvaluationOptions } from './report-input.ts';

export { FairnessInputError, type EvaluationInput, type EvaluationOptions } from './report-input.ts';

/** Rows of each cell in a content order (label, scores, predictions, weight), so row order cannot change the resamples. */
function canonicalCellOrder(
  cells: CellIndex,
  label: Uint8Array,
  models: ModelArrays[],
  weight: Float64Array | null,
): Int32Array[] {
  return cells.cellRows.map((rows) =>
    Int32Array.from(rows).sort((a, b) => {
      let d = label[a]! - label[b]!;
      for (const m of models) {
        if (d !== 0) return d;
        d = m.score[a]! - m.score[b]! || m.pred[a]! - m.pred[b]!;
      }
      if (d === 0 && weight !== null) d = weight[a]! - weight[b]!;
      return d !== 0 ? d : a - b; // identical rows are interchangeable: any tie order gives the same resample
    }),
  );
}

function toMetricValue(estimate: Estimate | Disparity, interval: PercentileInterval | undefined): MetricValue {
  const out: DisparityValue = {
    value: estimate.value ?? null,
    ci: estimate.value === undefined ? null : (interval?.ci ?? null),
  };
  const reason = estimate.reason ?? interval?.note;
  if (reason !== undefined) out.reason = reason;
  const d = estimate as Disparity;
  if (d.pair !== undefined) out.pair = d.pair;
  if (d.component !== undefined) out.component = d.component;
  if (d.excluded !== undefined) out.excluded = d.excluded;
  return out;
}

/**
 * Turns a snapshot (+ one interval per value, in visit order) into the report's nested records. Small-group view
 * partitions go under their attribute's small_group_views (the adequate view without its pooled group).
 */
function toSection(
  snapshot: Snapshot,
  intervals: readonly PercentileInterval[] | null,
  partitions: readonly Partition[],
): ModelSection {
  let slot = 0;
  const next = (e: Estimate): MetricValue => toMetricValue(e, intervals?.[slot++]);
  const overall: MetricValues = {};
  for (const k in snapshot.overall) overall[k] = next(snapshot.overall[k]!);
  const attributes: ModelSection['attributes'] = {};
  snapshot.partitions.forEach((part, p) => {
    const partition = partitions[p + 1]!;
    const view = partition.view;
    const groups: Record<string, MetricValues> = {};
    part.groups.forEach((record, g) => {
      const values: MetricValues = {};
      for (const k in record) values[k] = next(record[k]!);
      if (view?.kind !== 'adequate' || g !== view.pooled) groups[partition.groupNames[g]!] = values;
    });
    const disparities: Record<string, DisparityValue> = {};
    for (const k in part.disparities) disparities[k] = next(part.disparities[k]!);
    if (view === undefined) {
      attributes[partition.key] = { groups, disparities };
      return;
    }
    const parent: ModelAttributeSection = attributes[partition.key]!;
    const views = (parent.small_group_views ??= {});
    const at = (views[String(view.minGroupSize)] ??= {
      adequate: { groups: {}, disparities: {} },
      pooled: { groups: {}, disparities: {} },
    });
    at[view.kind] = { groups, disparities };
  });
  return { overall, attributes };
}

function deltaSnapshot(candidate: Snapshot, reference: Snapshot): Snapshot {
  const diff = (c: Estimate | undefined, r: Estimate): Estimate => {
    if (c === undefined) return { value: undefined, reason: 'not computed for the candidate' };
    if (c.value === undefined) return { value: undefined, reason: `candidate: ${c.reason}` };
    if (r.value === undefined) return { value: undefined, reason: `reference: ${r.reason}` };
    return { value: c.value - r.value };
  };
  const record = (c: Record<string, Estimate>, r: Record<string, Estimate>): Record<string, Estimate> => {
    const out: Record<string, Estimate> = {};
    for (const k in r) out[k] = diff(c[k], r[k]!);
    return out;
  };
  return {
    overall: record(candidate.overall, reference.overall),
    partitions: reference.partitions.map((part, p) => ({
      groups: part.groups.map((g, gi) => record(candidate.partitions[p]!.groups[gi]!, g)),
      disparities: record(candidate.partitions[p]!.disparities, part.disparities),
    })),
  };
}

/** Writes resample `b`'s values (visit order) into row b of a resample-major matrix; returns how many. */
function collect(snapshot: Snapshot, matrix: Float64Array, slots: number, b: number): number {
  let slot = b * slots;
  visitSnapshot(snapshot, (e) => {
    matrix[slot++] = e.value ?? NaN;
  });
  return slot - b * slots;
}

/**
 * Resample-major (one row per resample, written as the bootstrap runs) to value-major (one contiguous
 * run of resamples per value, as the percentiles read it), in tiles so both sides stay in cache.
 */
function transpose(matrix: Float64Array, resamples: number, slots: number): Float64Array {
  const out = new Float64Array(matrix.length);
  const TILE = 32;
  for (let b0 = 0; b0 < resamples; b0 += TILE) {
    const b1 = Math.min(b0 + TILE, resamples);
    for (let s0 = 0; s0 < slots; s0 += TILE) {
      const s1 = Math.min(s0 + TILE, slots);
      for (let b = b0; b < b1; b++) for (let s = s0; s < s1; s++) out[s * resamples + b] = matrix[b * slots + s]!;
    }
  }
  return out;
}

/** a − b element by element (a plain loop: Float64Array.from with a map function is 10–20× slower in V8, and this runs for thousands of slots). */
function difference(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let k = 0; k < a.length; k++) out[k] = a[k]! - b[k]!;
  return out;
}

/**
 * What the resamples and the finished report need, computed once from the input: the cell index, the stats
 * engine, both models' arrays, the point estimates and the slot order of their values. Deterministic, so a
 * resample worker (parallel.ts) that prepares the same input holds the same state.
 */
export function prepareEvaluation(input: EvaluationInput, options: EvaluationOptions = {}) {
  const attributes = options.attributes ?? Object.keys(input.sensitive);
  validate(input, attributes, options);
  const n = input.label.length;
  const threshold = options.threshold ?? 0.5;
  const resamples = options.bootstrap ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const seed = options.seed ?? 0;
  const ciLevel = options.ciLevel ?? DEFAULT_CI_LEVEL;
  const ciMethod: CiMethod = options.ciMethod ?? DEFAULT_CI_METHOD;
  const minGroupSize = options.minGroupSize ?? 30;
  const bins = options.calibrationBins ?? 15;
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  const metricOptions = {
    fairlearnCompat: options.fairlearnCompat ?? false,
    generalizedEntropyAlpha: options.generalizedEntropyAlpha ?? 2,
  };
  const intersections =
    options.intersections === true
      ? allIntersections(attributes)
      : options.intersections === false
        ? []
        : (options.intersections ?? []);

  const label = Uint8Array.from(input.label);
  const score = Float64Array.from(input.score);
  const predict = (s: Float64Array, given: ArrayLike<number> | undefined): Uint8Array =>
    given ? Uint8Array.from(given) : predictAt(s, threshold);
  const weight = input.sampleWeight ? Float64Array.from(input.sampleWeight) : null;
  const cells = buildCellIndex(input.sensitive, attributes, intersections, n);
  // Small-group views go after the attributes, so partitions 1..attributeCount stay the attributes and intersections.
  const attributeCount = cells.partitions.length - 1;
  const viewSizes = [...new Set([minGroupSize, ...(options.smallGroupViewSizes ?? [])])].sort((a, b) => a - b);
  const rowsOf = groupRows(cells);
  for (let p = 1; p <= attributeCount; p++) {
    for (const size of viewSizes) {
      const views = smallGroupViews(cells.partitions[p]!, p, rowsOf[p]!, size);
      if (views !== undefined) cells.partitions.push(...views);
    }
  }
  const engine = new StatsEngine(cells, label, weight, bins);
  const candidate = prepareModel(label, score, predict(score, input.prediction), bins);
  const refScore = input.referenceScore ? Float64Array.from(input.referenceScore) : undefined;
  const reference = refScore
    ? prepareModel(label, refScore, predict(refScore, input.referencePrediction), bins)
    : undefined;

  const custom = (options.registry ?? metricRegistry).resolve(options.customMetrics ?? []);
  const candStats = engine.run(candidate, null, reference?.pred);
  const privilegedSource: AttributeReport['privileged_source'][] = [];
  const largestGroup = (p: number): string | undefined => {
    let best = 0;
    candStats.groups[p]!.forEach((s, g) => {
      if (s.rows > candStats.groups[p]![best]!.rows) best = g;
    });
    return cells.partitions[p]!.groupNames[best];
  };
  const privileged: (string | undefined)[] = [];
  cells.partitions.forEach((partition, p) => {
    const view = partition.view;
    if (view !== undefined) {
      // A view keeps its attribute's privileged group when that group is adequate, else takes its largest group.
      const chosen = privileged[view.of];
      const at = chosen === undefined ? -1 : partition.groupNames.indexOf(chosen);
      privileged.push(at >= 0 && at < view.pooled ? chosen : largestGroup(p));
      return;
    }
    const configured = options.privileged?.[partition.key];
    if (configured === undefined) {
      privilegedSource.push('largest group');
      privileged.push(largestGroup(p));
      return;
    }
    if (!partition.groupNames.includes(configured)) {
      throw new FairnessInputError(
        'privileged',
        undefined,
        `privileged group "${configured}" is not a group of ${partition.key} (groups: ${partition.groupNames.join(', ')})`,
      );
    }
    privilegedSource.push('configured');
    privileged.push(configured);
  });
  const ctx: SnapshotContext = { partitions: cells.partitions, metricOptions, custom, privileged };

  const evaluate = (cs: PartitionStats, rs: PartitionStats | undefined): { cand: Snapshot; ref?: Snapshot } => {
    const cand = modelSnapshot(cs, ctx);
    if (rs === undefined) return { cand };
    addReferenceComparisons(cand, cs, rs, ctx);
    return { cand, ref: modelSnapshot(rs, ctx) };
  };
  const refStats = reference ? engine.run(reference, null, candidate.pred) : undefined;
  const point = evaluate(candStats, refStats);

  const candPaths = snapshotPaths(point.cand);
  const refPaths = point.ref ? snapshotPaths(point.ref) : [];
  return {
    ...{ input, options, attributes, n, threshold, resamples, seed, ciLevel, ciMethod, minGroupSize, bins },
    ...{ alpha, power, metricOptions, intersections, label, score, weight, cells, attributeCount, engine },
    ...{ candidate, reference, custom, candStats, privilegedSource, privileged, ctx, evaluate, point },
    ...{ candPaths, refPaths, cellRows: undefined as Int32Array[] | undefined },
  };
}

export type Evaluation = ReturnType<typeof prepareEvaluation>;

/**
 * Bootstrap resamples from..to−1 of a prepared evaluation, `rng` at the state before resample `from`: the same
 * multiplicities for both models (paired), each resample's values written into row b of the resample-major
 * matrices (one row of candPaths.length / refPaths.length values per resample).
 */
export function runResamples(
  ev: Evaluation,
  rng: Rng,
  from: number,
  to: number,
  candRows: Float64Array,
  refRows: Float64Array,
): void {
  const multiplicity = new Float64Array(ev.n);
  for (let b = from; b < to; b++) {
    drawResample(ev, rng, multiplicity);
    const [cs, rs] = resampleStats(ev, multiplicity);
    recordResample(ev, cs, rs, candRows, refRows, b);
  }
}

/**
 * The first half of a resample: both models' group statistics on these multiplicities, into `into` when given
 * (Evaluation.engine.statsBlock per model, candidate first; shared with the thread that records them). With
 * `referenceAuc` false the reference's AUC numerators are left to that thread (StatsEngine.addAuc).
 */
export function resampleStats(
  ev: Evaluation,
  multiplicity: Float64Array,
  into?: Float64Array,
  referenceAuc = true,
): [PartitionStats, PartitionStats | undefined] {
  const { engine, candidate, reference } = ev;
  const block = engine.statsBlock;
  const cand = into?.subarray(0, block);
  if (reference === undefined) return [engine.run(candidate, multiplicity, undefined, cand), undefined];
  const both =
    into === undefined ? undefined : ([cand!, into.subarray(block, 2 * block)] as [Float64Array, Float64Array]);
  return engine.runPair(candidate, reference, multiplicity, both, referenceAuc);
}

/** The second half: every metric, disparity and comparison of resample b from its statistics, into row b. */
export function recordResample(
  ev: Evaluation,
  cs: PartitionStats,
  rs: PartitionStats | undefined,
  candRows: Float64Array,
  refRows: Float64Array,
  b: number,
): void {
  const { evaluate, candPaths, refPaths } = ev;
  const snap = evaluate(cs, rs);
  if (collect(snap.cand, candRows, candPaths.length, b) !== candPaths.length)
    throw new Error('snapshot shape changed between resamples');
  if (snap.ref && collect(snap.ref, refRows, refPaths.length, b) !== refPaths.length) {
    throw new Error('snapshot shape changed between resamples');
  }
}

/** Draws one resample's multiplicities (advancing `rng` exactly as runResamples does for that resample). */
export function drawResample(ev: Evaluation, rng: Rng, multiplicity: Float64Array): void {
  const models = ev.reference ? [ev.candidate, ev.reference] : [ev.candidate];
  ev.cellRows ??= canonicalCellOrder(ev.cells, ev.label, models, ev.weight);
  drawStratifiedMultiplicities(ev.cellRows, rng, multiplicity);
}

export function evaluateFairness(input: EvaluationInput, options: EvaluationOptions = {}): FairnessReport {
  const ev = prepareEvaluation(input, options);
  const candRows = new Float64Array(ev.candPaths.length * ev.resamples);
  const refRows = new Float64Array(ev.refPaths.length * ev.resamples);
  runResamples(ev, createRng(ev.seed), 0, ev.resamples, candRows, refRows);
  return finishEvaluation(ev, candRows, refRows);
}

/** The report from the point estimates and the filled resample matrices (resample-major, as runResamples writes). */
export function finishEvaluation(ev: Evaluation, candRows: Float64Array, refRows: Float64Array): FairnessReport {
  const { input, options, n, resamples, seed, ciLevel, ciMethod, minGroupSize, bins, alpha, power } = ev;
  const { metricOptions, intersections, attributes, label, weight, cells, attributeCount, engine } = ev;
  const { candidate, reference, custom, candStats, privilegedSource, privileged, ctx, point } = ev;
  const { candPaths, refPaths, threshold } = ev;
  let candIntervals: PercentileInterval[] | null = null;
  let refIntervals: PercentileInterval[] | null = null;
  let deltaIntervals: PercentileInterval[] | null = null;
  if (resamples > 0) {
    const candMatrix = transpose(candRows, resamples, candPaths.length);
    const refMatrix = transpose(refRows, resamples, refPaths.length);
    const slice = (m: Float64Array, slot: number): Float64Array => m.subarray(slot * resamples, (slot + 1) * resamples);
    // The point estimates in the same slot order, for the bias correction.
    const candPoint = new Float64Array(candPaths.length);
    collect(point.cand, candPoint, candPaths.length, 0);
    const refPoint = new Float64Array(refPaths.length);
    if (point.ref) collect(point.ref, refPoint, refPaths.length, 0);
    const interval = (samples: Float64Array, estimate: number): PercentileInterval =>
      ciMethod === 'bias-corrected'
        ? biasCorrectedInterval(samples, estimate, ciLevel)
        : percentileInterval(samples, ciLevel);
    // Max/min-over-groups disparities: the simultaneous bound over their components (pair differences or group
    // values, resampled together), dropping components undefined at the point estimate as the disparity does.
    const bases = disparityBaseMetrics(custom);
    const intervalsOf = (paths: string[], matrix: Float64Array, points: Float64Array): PercentileInterval[] => {
      const plans =
        ciMethod === 'simultaneous' ? maxTypePlans(paths, cells.partitions, bases) : new Map<number, MaxTypePlan>();
      return paths.map((_, slot) => {
        const plan = plans.get(slot);
        if (plan === undefined) return interval(slice(matrix, slot), points[slot]!);
        const components: ExtremeComponent[] = [];
        for (const { plus, minus } of plan.components) {
          const point = minus === undefined ? points[plus]! : points[plus]! - points[minus]!;
          if (Number.isNaN(point)) continue;
          const a = slice(matrix, plus);
          const b = minus === undefined ? undefined : slice(matrix, minus);
          components.push({ point, samples: b === undefined ? a : difference(a, b) });
        }
        return simultaneousInterval(components, plan.shape, ciLevel);
      });
    };
    candIntervals = intervalsOf(candPaths, candMatrix, candPoint);
    if (reference) {
      refIntervals = intervalsOf(refPaths, refMatrix, refPoint);
      const candSlot = new Map(candPaths.map((path, slot) => [path, slot]));
      deltaIntervals = refPaths.map((path, slot) => {
        const c = candSlot.get(path)!;
        const r = slice(refMatrix, slot);
        return interval(difference(slice(candMatrix, c), r), candPoint[c]! - refPoint[slot]!);
      });
    }
  }

  const partitions = cells.partitions.slice(1, attributeCount + 1);
  const candSection = toSection(point.cand, candIntervals, cells.partitions);
  const sensitivity = thresholdSensitivity(
    engine,
    label,
    candidate,
    { ...ctx, partitions: cells.partitions.slice(0, attributeCount + 1) },
    threshold,
    options.thresholdGrid ?? DEFAULT_THRESHOLD_GRID,
    options.thresholdDelta ?? DEFAULT_THRESHOLD_DELTA,
  );

  const attributeReports: Record<string, AttributeReport> = {};
  partitions.forEach((partition, i) => {
    const p = i + 1;
    const groupInfo: Record<string, GroupInfo> = {};
    const small: string[] = [];
    partition.groupNames.forEach((g, gi) => {
      const s = candStats.groups[p]![gi]!;
      const below = s.rows < minGroupSize;
      groupInfo[g] = { rows: s.rows, weight: s.weight, below_min_group_size: below };
      if (below) small.push(g);
    });
    const section = candSection.attributes[partition.key]!;
    const pools: Record<string, SmallGroupPool> = {};
    for (const view of cells.partitions) {
      if (view.view?.of !== p || view.view.kind !== 'pooled') continue;
      pools[String(view.view.minGroupSize)] = {
        min_group_size: view.view.minGroupSize,
        below_minimum: view.view.small,
        pooled_group: {
          group: view.groupNames[view.view.pooled]!,
          rows: view.view.small.reduce((sum, g) => sum + g.rows, 0),
        },
      };
    }
    const report: AttributeReport = {
      kind: partition.kind === 'intersection' ? 'intersection' : 'attribute',
      members: partition.members,
      privileged_group: privileged[p] ?? null,
      privileged_source: privilegedSource[p]!,
      group_info: groupInfo,
      small_groups: small,
      groups: section.groups,
      disparities: section.disparities,
      ...(section.small_group_views === undefined ? {} : { small_group_views: section.small_group_views }),
      ...(Object.keys(pools).length === 0 ? {} : { small_group_pools: pools }),
      threshold_sensitivity: sensitivity[i]!,
      shift_stress: shiftStress(partition, candStats.groups[p]!, options.shiftFactors ?? [0.5, 2], metricOptions, bins),
    };
    if (reference) {
      const paired = pairedSections(cells, p, label, candidate.pred, reference.pred, alpha, power);
      report.paired_tests = paired.tests;
      report.flips = paired.flips;
    }
    attributeReports[partition.key] = report;
  });

  const out: FairnessReport = {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    rows: n,
    config: {
      threshold,
      predictions: input.prediction ? 'given' : 'score >= threshold',
      bootstrap: resamples,
      seed,
      ci_level: ciLevel,
      ci_method: ciMethod,
      bootstrap_scheme: 'stratified by cell (all sensitive attributes), paired across models',
      min_group_size: minGroupSize,
      calibration_bins: bins,
      calibration_bin_edges: '[lo, hi), last bin [lo, 1]',
      fairlearn_compat: metricOptions.fairlearnCompat,
      generalized_entropy_alpha: metricOptions.generalizedEntropyAlpha,
      alpha,
      power,
      sample_weights: weight !== null,
      sensitive_attributes: [...attributes],
      intersections: intersections.map((m) => [...m]),
      custom_metrics: custom.map((c) => c.key),
    },
    overall: candSection.overall,
    attributes: attributeReports,
  };
  if (point.ref && reference) {
    out.reference = toSection(point.ref, refIntervals, cells.partitions);
    out.delta = toSection(deltaSnapshot(point.cand, point.ref), deltaIntervals, cells.partitions);
    const indices: number[] = [];
    let count = 0;
    const max = options.maxFlippedRows ?? 10000;
    for (let i = 0; i < n; i++) {
      if (candidate.pred[i] !== reference.pred[i]) {
        count++;
        if (indices.length < max) indices.push(i);
      }
    }
    out.flipped_rows = { count, indices, truncated: count > indices.length };
  }
  return out;
}
