// Step "evaluate": a candidate's fairness report on a split (against the dense reference when there is one), its
// reliability bins, its measured latency and its deployed size.
import * as tf from '@tensorflow/tfjs';
import { kernelUsesPerRow, measureLatencyPer1000Rows } from '../../compression/size.ts';
import { evaluationAttributes, loadEncodedDataset, sensitiveLabels } from '../../data/dataset-cache.ts';
import { selectRows, type FeatureMatrix } from '../../data/matrix.ts';
import { reliabilityBins, type ReliabilityData } from '../../fairness/calibration-curve.ts';
import { allIntersections, intersectionKey } from '../../fairness/groups.ts';
import { evaluateFairness } from '../../fairness/report.ts';
import { summarizeReport } from '../../fairness/summary.ts';
import { deriveSeed } from '../../lineage/seeds.ts';
import { ensureBackend } from '../../model/backend.ts';
import { loadCheckpointModel } from '../../model/checkpoint.ts';
import { withModel, withPredictor, type Predict } from '../../model/predictor.ts';
import { getWeightValues } from '../../model/weights.ts';
import { rememberBlob } from '../../storage/blob-cache.ts';
import { putJson } from '../../storage/json.ts';
import { stepDir } from '../../storage/layout.ts';
import type { StepContext } from '../../step/context.ts';
import { loadCheckpointMasks, sizeOf } from '../checkpoints.ts';
import type { EvaluateInput, EvaluateOutput } from '../contracts.ts';
import { checkIdentity, idempotent } from './idempotent.ts';

const LATENCY_BUDGET_MS = 150;
const LATENCY_MAX_REPEATS = 5;

/** `<stepDir>/latency.json`: wall-clock timings, different on every run, so stored mutable and never in a result. */
interface LatencyFile {
  format: 'fairshrink.latency';
  version: 1;
  split: string;
  /** Rows per timed call (the first min(1,000, split rows) rows of the split). */
  rowsPerCall: number;
  repeats: number;
  /** Median over the timed calls, scaled to 1,000 rows. */
  msPer1000Rows: number;
  samplesMs: number[];
  backend: string;
  forward: 'tfjs' | 'fake-quant';
}

/**
 * Inference latency per 1,000 rows (core/compression measureLatencyPer1000Rows) on the first ≤ 1,000 rows of the
 * split: one untimed warm-up call, then as many timed calls (1–5) as fit in LATENCY_BUDGET_MS.
 */
async function measureLatency(
  predict: Predict,
  x: FeatureMatrix,
): Promise<Pick<LatencyFile, 'rowsPerCall' | 'repeats' | 'msPer1000Rows' | 'samplesMs'>> {
  const rowsPerCall = Math.min(1000, x.rows);
  const firstRows = Int32Array.from({ length: rowsPerCall }, (_, i) => i);
  const subset = rowsPerCall === x.rows ? x : selectRows(x, firstRows);
  const start = performance.now();
  predict(subset);
  const probeMs = performance.now() - start;
  const repeats = Math.max(1, Math.min(LATENCY_MAX_REPEATS, Math.floor(LATENCY_BUDGET_MS / Math.max(probeMs, 1e-3))));
  const { msPer1000Rows, samplesMs } = await measureLatencyPer1000Rows(() => predict(subset), {
    rows: rowsPerCall,
    warmup: 0,
    repeats,
  });
  return { rowsPerCall, repeats, msPer1000Rows, samplesMs };
}

/** `<stepDir>/calibration.json`: reliability bins of both models on the evaluated split (canonical JSON, immutable). */
interface CalibrationFile {
  format: 'fairshrink.calibration-curves';
  version: 1;
  split: string;
  rows: number;
  bins: number;
  /** The evaluated model ("after"). */
  candidate: ReliabilityData;
  /** The reference (the dense baseline, "before"), when the step compares with one; null otherwise. */
  reference: ReliabilityData | null;
}

/** Group labels per attribute, plus one column per intersection ("sex&age_group" → "female&<=25") when asked. */
function reliabilityGroups(sensitive: Record<string, string[]>, intersections: boolean): Record<string, string[]> {
  if (!intersections) return sensitive;
  const out: Record<string, string[]> = { ...sensitive };
  for (const members of allIntersections(Object.keys(sensitive))) {
    const columns = members.map((m) => sensitive[m]!);
    out[intersectionKey(members)] = columns[0]!.map((_, i) => intersectionKey(columns.map((c) => c[i]!)));
  }
  return out;
}

/**
 * Predicts on plan.split with the candidate (and the reference, for paired comparisons), builds the fairness report
 * (core/fairness, bootstrap seeded by deriveSeed(seed, stepKey, 'bootstrap')), stores it as report.json, stores both
 * models' reliability bins as calibration.json (deterministic, immutable) and the candidate's measured inference
 * latency as latency.json (wall-clock, mutable, never in the returned output), and returns the report's summary and
 * the candidate's deployed size.
 */
export async function evaluate(input: EvaluateInput, ctx: StepContext): Promise<EvaluateOutput> {
  checkIdentity(input);
  const { store } = ctx;
  const dir = stepDir(input);
  return idempotent(ctx, input, async () => {
    await ensureBackend();
    const dataset = await loadEncodedDataset(store, input.dataset);
    const plan = input.plan;
    const split = dataset.splits[plan.split];
    evaluationAttributes(dataset, plan.attributes);
    const { score, latency } = await withPredictor(store, input.candidate, async (predict, forward) => ({
      score: predict(split.x),
      // Timed after scoring, so the scores never depend on it; the timings go to latency.json only.
      latency: split.x.rows === 0 ? undefined : { ...(await measureLatency(predict, split.x)), forward },
    }));
    const referenceScore =
      input.reference === undefined ? undefined : await withPredictor(store, input.reference, async (p) => p(split.x));
    const sensitive = sensitiveLabels(dataset, plan.split, plan.attributes);
    const report = evaluateFairness(
      {
        label: split.y,
        score,
        ...(referenceScore === undefined ? {} : { referenceScore }),
        sensitive,
      },
      {
        ...(plan.attributes === undefined ? {} : { attributes: plan.attributes }),
        intersections: plan.intersections,
        threshold: plan.threshold,
        bootstrap: plan.bootstrap,
        ciMethod: plan.ciMethod,
        seed: deriveSeed(input.seed, input.stepKey, 'bootstrap'),
        minGroupSize: plan.minGroupSize,
      },
    );
    // JSON.stringify, not canonical JSON: the report may hold non-finite numbers (written as null).
    const reportBytes = new TextEncoder().encode(`${JSON.stringify(report)}\n`);
    const reportRef = await store.put(`${dir}/report.json`, reportBytes, { contentType: 'application/json' });
    rememberBlob(reportRef, reportBytes);
    // Reliability diagrams: same bins as the report's ECE; canonical JSON (sorted keys), so a retry writes the same bytes.
    const bins = report.config.calibration_bins;
    const groups = reliabilityGroups(sensitive, plan.intersections);
    const calibration: CalibrationFile = {
      format: 'fairshrink.calibration-curves',
      version: 1,
      split: plan.split,
      rows: split.y.length,
      bins,
      candidate: reliabilityBins(split.y, score, groups, { bins }),
      reference: referenceScore === undefined ? null : reliabilityBins(split.y, referenceScore, groups, { bins }),
    };
    await putJson(store, `${dir}/calibration.json`, calibration);
    if (latency !== undefined) {
      const file: LatencyFile = {
        format: 'fairshrink.latency',
        version: 1,
        split: plan.split,
        ...latency,
        backend: tf.getBackend(),
      };
      await putJson(store, `${dir}/latency.json`, file, 'mutable');
    }
    const masks = await loadCheckpointMasks(store, input.candidate);
    const model = await loadCheckpointModel(store, input.candidate);
    const size = await withModel(model, async (m) => sizeOf(getWeightValues(m), masks, kernelUsesPerRow(m)));
    return { report: reportRef, summary: summarizeReport(report), size };
  });
}
