// The study table from a hand-made study.json: means with min–max over seeds, one seed with its CI, failed cells and
// insufficient-evidence verdicts counted, and each goal met, not met or undetermined as its seeds say.
import { describe, expect, it } from 'vitest';
import type { StudyCellMetrics, StudyCellRecord, StudyReport } from '../../../core/campaign/study.ts';
import { studyTable, studyTableRows } from '../../../core/report/study-table.ts';

function metrics(over: Partial<StudyCellMetrics> = {}): StudyCellMetrics {
  return {
    rows: 300,
    minGroupSize: 20,
    smallGroups: [],
    accuracyChange: { value: -0.002, ci: [-0.01, 0.006] },
    worstGroupAccuracy: { value: 0.7, group: 'sex=female', dense: 0.71, denseGroup: 'sex=female', change: -0.01 },
    maxExcessAccuracyGap: { sex: { value: 0.004, ci: [0, 0.008], group: 'sex=female' } },
    equalizedOddsDifference: { sex: { final: { value: 0.1, ci: [0.05, 0.2] }, dense: 0.12 } },
    significantExcessDrops: { groups: [], withoutCi: [] },
    largestGroupDrop: { group: 'sex=female', change: -0.005 },
    ...over,
  };
}

function cell(arm: string, seed: number, over: Partial<StudyCellRecord> = {}): StudyCellRecord {
  return {
    campaignId: `s-german-90-int8-${arm}-seed-${seed}`,
    dataset: 'german',
    sparsity: 0.9,
    arm,
    seed,
    quantize: 'int8',
    status: 'completed',
    reason: 'done',
    finalSparsity: 0.9,
    quantized: true,
    finalGate: 'pass',
    heldOut: { status: 'pass', reason: 'all constraints pass', rows: 300, report: null },
    metrics: { defined: true, value: metrics() },
    lineage: null,
    attached: false,
    ...over,
  };
}

const report = (cells: StudyCellRecord[]): StudyReport => ({
  kind: 'fairshrink-study',
  studyId: 's',
  configSha256: 'c'.repeat(64),
  cells,
});

describe('the study table', () => {
  it('groups the seeds of a cell and gives mean (min…max) in points', () => {
    const cells = [0, 1, 2].map((seed) =>
      cell('magnitude-plain', seed, {
        metrics: { defined: true, value: metrics({ accuracyChange: { value: -0.001 * (seed + 1), ci: null } }) },
      }),
    );
    const rows = studyTableRows(report(cells));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.goals.accuracyDrop).toEqual({ status: 'met', seeds: 3 });
    const text = studyTable(report(cells));
    // −0.1, −0.2, −0.3 pt: mean −0.20, min −0.30, max −0.10.
    expect(text).toContain(
      '| german | 90% + int8 | magnitude-plain | 3/3 completed | 90.0; 3/3 at target | −0.20 (−0.30…−0.10) |',
    );
    expect(text).toContain('3/3 pass');
    expect(text).toContain('sex 0.100 (0.100…0.100), dense 0.120');
  });

  it('says how many cells completed short of the target sparsity, and the sparsity they shipped at', () => {
    // Seed 1 bisected to 80.6%; seed 2 is within pruning's rounding of 90% (counted at target); seed 3 failed.
    const cells = [
      cell('magnitude-plain', 0),
      cell('magnitude-plain', 1, { finalSparsity: 0.806 }),
      cell('magnitude-plain', 2, { finalSparsity: 0.8999 }),
      cell('magnitude-plain', 3, { status: 'failed', finalSparsity: null, quantized: null, finalGate: null }),
    ];
    const text = studyTable(report(cells));
    // (90 + 80.6 + 89.99) / 3 = 86.86
    expect(text).toContain('| 3/4 completed, 1/4 failed | 86.9 (80.6…90.0); 2/4 at target |');
  });

  it('shows one seed with its CI', () => {
    const text = studyTable(report([cell('magnitude-plain', 0)]));
    expect(text).toContain('| −0.20 [−1.00, 0.60] |');
    expect(text).toContain('| 0.40 [0.00, 0.80] | s0 0.40 [0.00, 0.80] | 0.80 |');
  });

  it('counts failed cells and insufficient-evidence verdicts, and leaves goals undetermined when a seed has no numbers', () => {
    const cells = [
      cell('group-aware-ceag', 0, {
        heldOut: { status: 'insufficient-evidence', reason: 'sex=x below 20 rows', rows: 300, report: null },
      }),
      cell('group-aware-ceag', 1, {
        status: 'failed',
        reason: 'activity timed out',
        finalSparsity: null,
        quantized: null,
        finalGate: null,
        heldOut: { status: 'none', reason: 'the child failed', rows: null, report: null },
        metrics: { defined: false, reason: "the cell's campaign failed" },
      }),
    ];
    const [row] = studyTableRows(report(cells));
    expect(row!.goals.accuracyDrop).toEqual({
      status: 'undetermined',
      reason: "seed 1: the cell's campaign failed",
    });
    const text = studyTable(report(cells));
    expect(text).toContain('1/2 completed, 1/2 failed');
    expect(text).toContain('1/2 insufficient-evidence, 1/2 none');
    expect(text).toContain('−0.20 [−1.00, 0.60] (1 of 2 seeds)');
  });

  it('says which goal is not met, by how many seeds and why, even when another seed has no value', () => {
    const cells = [
      cell('magnitude-ceag', 0, {
        metrics: {
          defined: true,
          value: metrics({
            accuracyChange: { value: -0.02, ci: [-0.03, -0.01] },
            maxExcessAccuracyGap: { sex: { value: 0.006, ci: [0.001, 0.015] }, age: { value: 0.002, ci: [0, 0.004] } },
            significantExcessDrops: { groups: ['sex=female'], withoutCi: [] },
            largestGroupDrop: { group: 'age=young', change: -0.04 },
          }),
        },
      }),
      cell('magnitude-ceag', 1, { metrics: { defined: false, reason: 'no held-out report (aborted)' } }),
    ];
    const { goals } = studyTableRows(report(cells))[0]!;
    expect(goals.accuracyDrop).toMatchObject({ status: 'not met', failing: 1, seeds: 2 });
    expect(goals.maxExcessGap).toMatchObject({ status: 'not met', detail: 'seed 0: max ψ sex CI upper 1.50 pt' });
    expect(goals.noSignificantExcessDrop).toMatchObject({
      status: 'not met',
      detail: 'seed 0: ψ_g CI above 0 for sex=female',
    });
    expect(goals.noGroupDrop).toMatchObject({ status: 'not met', detail: 'seed 0: age=young −4.00 pt' });
    const text = studyTable(report(cells));
    expect(text).toContain('**not met** (1/2 seeds: seed 0: accuracy −2.00 pt)');
    // Each seed's largest attribute with its CI, then the worst attribute's CI upper across seeds and attributes.
    expect(text).toContain('| s0 0.60 [0.10, 1.50]; s1 — | 1.50 |');
  });

  it('leaves a goal undetermined when a CI is missing, naming it', () => {
    const value = metrics({
      maxExcessAccuracyGap: { sex: { value: 0.004, ci: null, reason: 'bootstrap off' } },
      significantExcessDrops: { groups: [], withoutCi: ['sex=female'] },
    });
    const { goals } = studyTableRows(report([cell('magnitude-plain', 0, { metrics: { defined: true, value } })]))[0]!;
    expect(goals.maxExcessGap).toEqual({
      status: 'undetermined',
      reason: 'seed 0: no CI for max ψ of sex (bootstrap off)',
    });
    expect(goals.noSignificantExcessDrop).toEqual({
      status: 'undetermined',
      reason: 'seed 0: no ψ_g CI for sex=female',
    });
    expect(goals.noGroupDrop).toEqual({ status: 'met', seeds: 1 });
  });

  it('keeps rows in study order: data set, sparsity, arm', () => {
    const rows = studyTableRows(
      report([cell('b', 0), cell('a', 0), cell('b', 0, { sparsity: 0.95, campaignId: 'x' }), cell('b', 1)]),
    );
    expect(rows.map((r) => [r.sparsity, r.arm, r.cells.length])).toEqual([
      [0.9, 'b', 2],
      [0.9, 'a', 1],
      [0.95, 'b', 1],
    ]);
  });
});
