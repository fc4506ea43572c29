import { describe, expect, it } from 'vitest';
import { evaluate, gate, prune, trainBaseline } from '../../../core/campaign/index.ts';
import { parseRubric } from '../../../core/config/rubric.ts';
import type { ReliabilityData } from '../../../core/fairness/calibration-curve.ts';
import type { FairnessReport } from '../../../core/fairness/report-types.ts';
import type { ArtifactRef, CheckpointRef, DatasetRef } from './types.ts';
import { EVAL_PLAN, identity, preparedFixture, TINY_MODEL } from './helpers.ts';
import { MemoryStore } from './memory-store.ts';

const rubric = parseRubric({
  version: 1,
  name: 'test-rubric',
  uncertainty: 'point_estimate',
  constraints: [
    { id: 'accuracy', metric: 'accuracy', comparator: '>=', threshold: 0.5 },
    { id: 'eod-sex', metric: 'equalized_odds_difference', attribute: 'sex', comparator: '<=', threshold: 0.99 },
    { id: 'psi-age', metric: 'max_excess_accuracy_gap', attribute: 'age_group', comparator: '<=', threshold: 0.5 },
    { id: 'acc-vs-ref', metric: 'accuracy', relative_to: 'reference', comparator: '>=', threshold: -0.5 },
  ],
});

/** A MemoryStore that remembers the mode of the last put per key. */
class ModeRecordingStore extends MemoryStore {
  readonly modes = new Map<string, 'immutable' | 'mutable'>();
  override async put(
    key: string,
    bytes: Uint8Array,
    opts: { contentType?: string; mode?: 'immutable' | 'mutable' } = {},
  ): Promise<ArtifactRef> {
    this.modes.set(key, opts.mode ?? 'immutable');
    return super.put(key, bytes, opts);
  }
}

interface CalibrationFile {
  format: string;
  split: string;
  rows: number;
  bins: number;
  candidate: ReliabilityData;
  reference: ReliabilityData | null;
}

const text = (store: MemoryStore, key: string) => new TextDecoder().decode(store.bytesAt(key));

async function setUp() {
  const store = new ModeRecordingStore();
  const dataset = await preparedFixture(store);
  const baseline = await trainBaseline({ ...identity('c1', 'baseline'), dataset, model: TINY_MODEL }, { store });
  return { store, dataset, baseline: baseline.checkpoint };
}

/** The baseline pruned to 70% (magnitude, global): a candidate to evaluate against it. */
async function prunedCandidate(store: MemoryStore, dataset: DatasetRef, baseline: CheckpointRef) {
  return (
    await prune(
      {
        ...identity('c1', 'milestone-1/prune'),
        dataset,
        from: baseline,
        criterion: 'magnitude-global',
        targetSparsity: 0.7,
      },
      { store },
    )
  ).checkpoint;
}

describe('evaluate', () => {
  it('writes report.json and returns a small MetricSummary and SizeSummary', async () => {
    const { store, dataset, baseline } = await setUp();
    const out = await evaluate(
      { ...identity('c1', 'baseline/evaluate'), dataset, candidate: baseline, plan: EVAL_PLAN },
      { store },
    );
    expect(store.keyOf(out.report)).toBe('campaigns/c1/baseline/evaluate/report.json');
    const report = JSON.parse(new TextDecoder().decode(store.bytesAt(store.keyOf(out.report)))) as FairnessReport;
    expect(report.rows).toBe(dataset.rows.validation);
    expect(report.config.bootstrap).toBe(20);
    expect(out.summary.rows).toBe(dataset.rows.validation);
    expect(out.summary.accuracy).toBeCloseTo(report.overall['accuracy']!.value!, 12);
    expect(out.summary.balancedAccuracy).not.toBeNull();
    expect(Object.keys(out.summary.attributes)).toEqual(['sex', 'age_group']);
    expect(out.summary.attributes['sex']!.equalizedOddsDifference).not.toBeNull();
    expect(out.summary.worstGroupAccuracy?.value).toBeLessThanOrEqual(out.summary.accuracy!);
    expect(out.summary.maxExcessAccuracyGap).toBeNull(); // no reference
    expect(out.summary.flipRate).toBeNull();
    expect(out.size.parameters).toBe(baseline.parameters);
    expect(out.size.flops).toBe(2 * out.size.nonzeros);
    expect(JSON.stringify(out).length).toBeLessThan(4000);
  });

  it('compares with the reference: ψ_g and flip rate', async () => {
    const { store, dataset, baseline } = await setUp();
    const candidate = await prunedCandidate(store, dataset, baseline);
    const out = await evaluate(
      { ...identity('c1', 'milestone-1/evaluate'), dataset, candidate, reference: baseline, plan: EVAL_PLAN },
      { store },
    );
    expect(out.summary.maxExcessAccuracyGap).not.toBeNull();
    expect(out.summary.flipRate).not.toBeNull();
    expect(out.size.nonzeros).toBe(candidate.nonzeros);
    expect(out.size.nonzeros).toBeLessThan(0.35 * (baseline.nonzeros + 1));
  });
});

describe('evaluate: reliability bins and latency', () => {
  it('writes calibration.json with the candidate and the reference bins, agreeing with the report', async () => {
    const { store, dataset, baseline } = await setUp();
    const candidate = await prunedCandidate(store, dataset, baseline);
    const out = await evaluate(
      { ...identity('c1', 'milestone-1/evaluate'), dataset, candidate, reference: baseline, plan: EVAL_PLAN },
      { store },
    );
    const dir = 'campaigns/c1/milestone-1/evaluate';
    const file = JSON.parse(text(store, `${dir}/calibration.json`)) as CalibrationFile;
    expect(file).toMatchObject({ format: 'fairshrink.calibration-curves', split: 'validation', bins: 15 });
    expect(file.rows).toBe(dataset.rows.validation);
    expect(file.reference).not.toBeNull();
    const report = JSON.parse(text(store, `${dir}/report.json`)) as FairnessReport;
    for (const [model, section] of [
      [file.candidate, report],
      [file.reference!, report.reference!],
    ] as const) {
      expect(model.bins).toBe(15);
      expect(model.overall.bins).toHaveLength(15);
      expect(model.overall.rows).toBe(dataset.rows.validation);
      expect(model.overall.ece).toBeCloseTo(section.overall['ece']!.value!, 12);
      expect(Object.keys(model.attributes).sort()).toEqual(['age_group', 'sex']);
      for (const [attribute, groups] of Object.entries(model.attributes))
        for (const [group, curve] of Object.entries(groups)) {
          expect(curve.ece).toBeCloseTo(section.attributes[attribute]!.groups[group]!['ece']!.value!, 12);
          expect(curve.bins.reduce((n, b) => n + b.count, 0)).toBe(curve.rows);
        }
    }
    // Before (dense) and after (pruned) differ; empty bins carry nulls, never NaN.
    expect(file.candidate.overall.bins).not.toEqual(file.reference!.overall.bins);
    expect(text(store, `${dir}/calibration.json`)).not.toMatch(/NaN/);
    expect(file.candidate.overall.bins.some((b) => b.count === 0 && b.meanScore === null)).toBe(true);
    expect(store.modes.get(`${dir}/calibration.json`)).toBe('immutable');
    // The step's output (and so the workflow history) holds neither the bins nor any timing.
    expect(JSON.stringify(out)).not.toMatch(/calibration|latency|msPer1000Rows/);
  });

  it('baseline: calibration.json has reference null', async () => {
    const { store, dataset, baseline } = await setUp();
    await evaluate(
      { ...identity('c1', 'baseline/evaluate'), dataset, candidate: baseline, plan: EVAL_PLAN },
      { store },
    );
    const file = JSON.parse(text(store, 'campaigns/c1/baseline/evaluate/calibration.json')) as CalibrationFile;
    expect(file.reference).toBeNull();
    expect(file.candidate.overall.rows).toBe(dataset.rows.validation);
  });

  it('calibration.json is byte-identical across campaign ids and on a retry; latency.json is mutable', async () => {
    const { store, dataset, baseline } = await setUp();
    const candidate = await prunedCandidate(store, dataset, baseline);
    const run = (campaignId: string) =>
      evaluate(
        { ...identity(campaignId, 'milestone-1/evaluate'), dataset, candidate, reference: baseline, plan: EVAL_PLAN },
        { store },
      );
    await run('c1');
    await run('c2');
    const a = store.bytesAt('campaigns/c1/milestone-1/evaluate/calibration.json');
    const b = store.bytesAt('campaigns/c2/milestone-1/evaluate/calibration.json');
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(new TextDecoder().decode(a)).not.toContain('c1');

    const latencyKey = 'campaigns/c1/milestone-1/evaluate/latency.json';
    const latency = JSON.parse(text(store, latencyKey)) as Record<string, unknown>;
    expect(latency).toMatchObject({ format: 'fairshrink.latency', split: 'validation', forward: 'tfjs' });
    expect(latency['rowsPerCall']).toBe(Math.min(1000, dataset.rows.validation));
    expect(latency['msPer1000Rows']).toEqual(expect.any(Number));
    expect(latency['msPer1000Rows']).toBeGreaterThan(0);
    expect((latency['samplesMs'] as number[]).length).toBe(latency['repeats']);
    expect(latency['repeats']).toBeGreaterThanOrEqual(1);
    expect(latency['repeats']).toBeLessThanOrEqual(5);
    expect(store.modes.get(latencyKey)).toBe('mutable');

    // A retry after a crash before result.json: the same calibration bytes (an immutable no-op), new timings allowed.
    store.objects.delete('campaigns/c1/milestone-1/evaluate/result.json');
    await store.put(latencyKey, new TextEncoder().encode('{}\n'), { mode: 'mutable' });
    store.resetCounts();
    await run('c1');
    expect(store.written).toContain(latencyKey);
    expect(store.written).not.toContain('campaigns/c1/milestone-1/evaluate/calibration.json');
    expect(
      Buffer.from(store.bytesAt('campaigns/c1/milestone-1/evaluate/calibration.json')).equals(Buffer.from(a)),
    ).toBe(true);
    // Written before result.json.
    expect(store.written.indexOf(latencyKey)).toBeLessThan(
      store.written.indexOf('campaigns/c1/milestone-1/evaluate/result.json'),
    );
  });
});

describe('gate', () => {
  it("scope 'absolute' drops reference constraints; 'all' keeps them; gate.json sits next to the report", async () => {
    const { store, dataset, baseline } = await setUp();
    const ev = await evaluate(
      { ...identity('c1', 'baseline/evaluate'), dataset, candidate: baseline, plan: EVAL_PLAN },
      { store },
    );
    const absolute = await gate(
      { ...identity('c1', 'baseline/evaluate'), report: ev.report, rubric, scope: 'absolute' },
      { store },
    );
    expect(absolute.decision.constraints.map((c) => c.id)).toEqual(['accuracy', 'eod-sex']);
    expect(absolute.decision.status).toBe('pass');
    expect(store.keyOf(absolute.ref)).toBe('campaigns/c1/baseline/evaluate/gate.json');

    store.resetCounts();
    const again = await gate(
      { ...identity('c1', 'baseline/evaluate'), report: ev.report, rubric, scope: 'absolute' },
      { store },
    );
    expect(again).toEqual(absolute);
    expect(store.writes).toBe(0);

    const all = await gate(
      { ...identity('c1', 'baseline/gate-all'), report: ev.report, rubric, scope: 'all' },
      { store },
    );
    expect(all.decision.constraints.map((c) => c.id)).toEqual(['accuracy', 'eod-sex', 'psi-age', 'acc-vs-ref']);
    expect(all.decision.status).toBe('insufficient-evidence'); // no reference in a baseline report
  });
});
