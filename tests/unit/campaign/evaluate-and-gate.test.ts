import { describe, expect, it } from 'vitest';
import { evaluate, gate, prune, trainBaseline } from '../../../core/campaign/index.ts';
import { parseRubric } from '../../../core/config/rubric.ts';
import type { FairnessReport } from '../../../core/fairness/report-types.ts';
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

async function setUp() {
  const store = new MemoryStore();
  const dataset = await preparedFixture(store);
  const baseline = await trainBaseline({ ...identity('c1', 'baseline'), dataset, model: TINY_MODEL }, { store });
  return { store, dataset, baseline: baseline.checkpoint };
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
    const candidate = (
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
