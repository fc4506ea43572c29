// gatherCampaignData against an in-memory store laid out like S3: ordering of steps, outcomes of accepted and
// rejected attempts, metrics kept per rubric constraint, a running campaign with later files missing.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  constraintInfo,
  gatherCampaignData,
  groupMetricsBehind,
  type CampaignData,
  type ReportStore,
} from '../../../core/report/campaign-data.ts';
import { renderCampaignReport } from '../../../core/report/index.ts';

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/german-report.json', import.meta.url), 'utf8'),
) as CampaignData;

/** Rebuilds a campaign folder from the fixture: the files gatherCampaignData reads, with the fields it uses. */
function folderFrom(data: CampaignData): Map<string, unknown> {
  const files = new Map<string, unknown>();
  const root = `${data.prefix}/${data.campaignId}`;
  files.set(`${root}/decisions.jsonl`, data.decisions.map((d) => JSON.stringify(d)).join('\n') + '\n');
  if (data.lineage) files.set(`${root}/lineage.json`, data.lineage);
  const section = (m: CampaignData['steps'][number]['candidate']) => ({
    overall: m.overall,
    attributes: Object.fromEntries(Object.entries(m.groups).map(([a, groups]) => [a, { groups }])),
  });
  for (const s of data.steps) {
    const report = {
      rows: s.rows,
      config: { ci_level: s.ciLevel },
      ...section(s.candidate),
      attributes: Object.fromEntries(
        Object.entries(s.candidate.groups).map(([a, groups]) => [
          a,
          {
            groups,
            group_info: Object.fromEntries(Object.entries(s.groupRows[a] ?? {}).map(([g, rows]) => [g, { rows }])),
          },
        ]),
      ),
      ...(s.delta ? { delta: section(s.delta) } : {}),
    };
    files.set(`${root}/${s.stepKey}/evaluate/report.json`, report);
    files.set(`${root}/${s.stepKey}/evaluate/result.json`, { size: s.size, summary: s.summary });
    if (s.calibration)
      files.set(`${root}/${s.stepKey}/evaluate/calibration.json`, {
        format: 'fairshrink.calibration-curves',
        version: 1,
        rows: s.rows,
        ...s.calibration,
      });
    if (s.latency)
      files.set(`${root}/${s.stepKey}/evaluate/latency.json`, {
        format: 'fairshrink.latency',
        version: 1,
        split: 'validation',
        samplesMs: [s.latency.msPer1000Rows],
        ...s.latency,
      });
    if (s.gate) files.set(`${root}/${s.stepKey}/gate/gate.json`, { decision: s.gate });
    const ckpt = s.kind === 'milestone' ? `${s.stepKey}/finetune` : s.stepKey;
    if (s.checkpoint) files.set(`${root}/${ckpt}/result.json`, { checkpoint: s.checkpoint });
    if (s.rejectionReasons.length > 0) files.set(`${root}/${ckpt}/rejected.json`, { reasons: s.rejectionReasons });
  }
  return files;
}

function memoryStore(files: Map<string, unknown>): ReportStore & { written: Map<string, string> } {
  const written = new Map<string, string>();
  const bytesOf = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
  return {
    bucket: 'test',
    written,
    uriOf: (key) => `s3://test/${key}`,
    list: async (prefix) =>
      [...files.keys()]
        .filter((k) => k.startsWith(prefix))
        .map((key) => ({ key, bytes: bytesOf(files.get(key)).length })),
    getByKey: async (key) => {
      if (!files.has(key)) throw new Error(`no object at ${key}`);
      const bytes = bytesOf(files.get(key));
      return { bytes, ref: { uri: `s3://test/${key}`, sha256: '0'.repeat(64), bytes: bytes.length } };
    },
    put: async (key, bytes, opts) => {
      expect(opts?.mode).toBe('mutable');
      written.set(key, new TextDecoder().decode(bytes));
      return { uri: `s3://test/${key}`, sha256: '1'.repeat(64), bytes: bytes.length };
    },
  };
}

const opts = { campaignId: fixture.campaignId, prefix: fixture.prefix };

describe('gatherCampaignData', () => {
  it('reads a completed campaign back into the same data', async () => {
    const data = await gatherCampaignData(memoryStore(folderFrom(fixture)), opts);
    expect(data.steps.map((s) => [s.stepKey, s.label, s.outcome])).toEqual([
      ['baseline', 'baseline', 'accepted'],
      ['milestone-1/attempt-0', 'M1.0', 'accepted'],
      ['milestone-2/attempt-0', 'M2.0', 'rejected'],
      ['milestone-2/attempt-1', 'M2.1', 'accepted'],
      ['quantize', 'quantized', 'accepted'],
    ]);
    expect(data.status).toBe('completed');
    expect(data.final).toEqual({ stepKey: 'quantize', sparsity: fixture.final!.sparsity, quantized: true });
    expect(data.steps[2]!.targetSparsity).toBe(0.995);
    expect(data.rubric?.constraints.map((c) => c.id).sort()).toEqual([
      'balanced-accuracy-vs-reference',
      'eod-sex',
      'excess-accuracy-gap-age',
    ]);
    expect(data.steps.map((s) => s.candidate)).toEqual(fixture.steps.map((s) => s.candidate));
    expect(data.steps.map((s) => s.calibration)).toEqual(fixture.steps.map((s) => s.calibration));
    expect(data.steps.map((s) => s.latency)).toEqual(fixture.steps.map((s) => s.latency));
    expect(data.steps[0]!.sources).toEqual(
      expect.arrayContaining(['baseline/evaluate/calibration.json', 'baseline/evaluate/latency.json']),
    );
    expect(data.notes).toEqual([]);
  });

  it('reads a campaign evaluated before calibration.json and latency.json existed, with a note', async () => {
    const files = folderFrom(fixture);
    for (const key of [...files.keys()])
      if (key.endsWith('/calibration.json') || key.endsWith('/latency.json')) files.delete(key);
    const data = await gatherCampaignData(memoryStore(files), opts);
    expect(data.steps).toHaveLength(5);
    expect(data.steps.every((s) => s.calibration === null && s.latency === null)).toBe(true);
    expect(data.notes).toEqual([
      expect.stringMatching(
        /^no reliability bins for baseline, milestone-1\/attempt-0, .*calibration\.json is missing/,
      ),
      expect.stringMatching(/^no latency measurement for baseline, .*latency\.json is missing/),
    ]);
    // The page still renders: ECE by step instead of reliability diagrams, size and FLOPs without latency.
    const { html } = await renderCampaignReport(memoryStore(files), opts);
    expect(html).not.toContain('data-chart="calibration-reliability-sex"');
    expect(html).toContain('data-chart="calibration-ece-sex"');
    expect(html).not.toContain('data-chart="latency"');
  });

  it('tolerates a running campaign: later steps and the gate of the newest step missing', async () => {
    const files = folderFrom(fixture);
    const root = `${fixture.prefix}/${fixture.campaignId}`;
    for (const key of [...files.keys()])
      if (/milestone-2|quantize|lineage\.json/.test(key) || key.endsWith('milestone-1/attempt-0/gate/gate.json'))
        files.delete(key);
    files.set(
      `${root}/decisions.jsonl`,
      fixture.decisions
        .filter((d) => d.seq <= 2)
        .map((d) => JSON.stringify(d))
        .join('\n'),
    );
    const data = await gatherCampaignData(memoryStore(files), opts);
    expect(data.status).toBe('running');
    expect(data.steps.map((s) => [s.stepKey, s.outcome])).toEqual([
      ['baseline', 'accepted'],
      ['milestone-1/attempt-0', 'pending'],
    ]);
    expect(data.final?.stepKey).toBe('baseline');
    expect(data.lineage).toBeNull();
    expect(data.notes.join(' ')).toMatch(/gate decision not written yet/);
  });

  it('shows the shipped artifact (bytes on disk, latency) and the held-out verdict, never as a step', async () => {
    const files = folderFrom(fixture);
    const root = `${fixture.prefix}/${fixture.campaignId}`;
    const quantize = fixture.steps.find((s) => s.stepKey === 'quantize')!;
    const latency = (ms: number, rowsPerSecond: number) => ({
      p50SingleRowMs: ms,
      batchedRowsPerSecond: rowsPerSecond,
      batchRows: 200,
    });
    files.set(`${root}/export/sizes.json`, {
      format: 'fairshrink.export-sizes',
      version: 1,
      shipped: 'sparse-int8',
      dense: { bytes: 40_000, gzipBytes: 36_000, weightsBytes: 38_000 },
      formats: [
        {
          format: 'sparse-int8',
          files: [],
          bytes: 2000,
          gzipBytes: 1500,
          ratioVsDense: 20,
          maxAbsPredictionDifference: 0,
        },
        {
          format: 'tfjs-standard',
          files: [],
          bytes: 12_000,
          gzipBytes: 5000,
          ratioVsDense: 40_000 / 12_000,
          maxAbsPredictionDifference: 0.002,
        },
      ],
    });
    files.set(`${root}/export/latency.json`, {
      format: 'fairshrink.export-latency',
      version: 1,
      backend: 'wasm',
      split: 'validation',
      latency: { 'sparse-int8': latency(0.25, 400_000), dense: latency(0.5, 300_000) },
    });
    const heldOutGate = { ...quantize.gate!, status: 'fail' as const, reason: 'eod-sex fails on the test split' };
    files.set(`${root}/held-out/evaluate/report.json`, {
      rows: 202,
      config: { ci_level: 0.95 },
      overall: {},
      attributes: {},
    });
    files.set(`${root}/held-out/gate/gate.json`, { decision: heldOutGate });
    const heldOutEntry = {
      seq: fixture.decisions.length,
      kind: 'held-out',
      milestone: null,
      attempt: null,
      message: 'held-out verdict on the test split',
      checkpoint: { ...quantize.checkpoint!, stepKey: 'export' },
      summary: quantize.summary,
    };
    const decisions = [
      ...fixture.decisions.slice(0, -1),
      heldOutEntry,
      { ...fixture.decisions.at(-1)!, seq: fixture.decisions.length + 1 },
    ];
    files.set(`${root}/decisions.jsonl`, decisions.map((d) => JSON.stringify(d)).join('\n') + '\n');

    const data = await gatherCampaignData(memoryStore(files), opts);
    expect(data.steps.map((s) => s.stepKey)).not.toContain('held-out');
    expect(data.status).toBe('completed');
    expect(data.shipped).toMatchObject({
      shipped: 'sparse-int8',
      dense: { bytes: 40_000, latency: { p50SingleRowMs: 0.5 } },
      latencyBackend: 'wasm',
      formats: [
        { format: 'sparse-int8', shipped: true, bytes: 2000, latency: { batchedRowsPerSecond: 400_000 } },
        { format: 'tfjs-standard', shipped: false, bytes: 12_000, latency: null },
      ],
    });
    expect(data.heldOut).toMatchObject({ split: 'test', checkpoint: 'export', status: 'fail', rows: 202 });
    expect(data.heldOut?.constraints).toEqual(heldOutGate.constraints);

    const { html } = await renderCampaignReport(memoryStore(files), opts);
    expect(html).toContain('<h2 id="shipped">Shipped artifact</h2>');
    expect(html).toMatch(
      /<th scope="row">sparse-int8 \(shipped\)<\/th><td>2\.0 kB<\/td><td>1\.5 kB<\/td><td>20\.0×<\/td><td>0\.250 ms<\/td><td>400,000 rows\/s<\/td>/,
    );
    expect(html).toMatch(/<th scope="row">tfjs-standard<\/th>.*<td>not measured<\/td>/);
    expect(html).toContain('<h2 id="held-out">Held-out verdict</h2>');
    expect(html).toMatch(
      /export against the dense baseline on the test split \(202 rows that no gate, retry or review saw\): eod-sex fails/,
    );
    expect(html).toContain(
      '<dt>Shipped</dt><dd>sparse-int8, 2.0 kB on disk (20.0× smaller than dense float32 40.0 kB)</dd>',
    );

    files.delete(`${root}/export/latency.json`);
    const withoutLatency = await gatherCampaignData(memoryStore(files), opts);
    expect(withoutLatency.shipped?.formats.every((f) => f.latency === null)).toBe(true);
    expect(withoutLatency.notes).toContain('export/latency.json is missing: the exports are shown without latency');
  });

  it('says which campaign is missing', async () => {
    await expect(
      gatherCampaignData(memoryStore(new Map()), { campaignId: 'nope', prefix: 'campaigns' }),
    ).rejects.toThrow(/no campaign "nope"/);
  });

  it('writes report.html (mutable) and returns the page', async () => {
    const store = memoryStore(folderFrom(fixture));
    const { html, ref } = await renderCampaignReport(store, opts);
    expect(ref.uri).toBe(`s3://test/${fixture.prefix}/${fixture.campaignId}/report.html`);
    expect(store.written.get(`${fixture.prefix}/${fixture.campaignId}/report.html`)).toBe(html);
  });
});

describe('rubric constraints', () => {
  it('reads gate targets and finds the group metrics behind disparities', () => {
    const base = {
      id: 'x',
      status: 'pass' as const,
      reason: '',
      observed: 0,
      ci: null,
      compared: 0,
      comparator: '<=' as const,
      threshold: 1,
      uncertainty: 'point_estimate' as const,
    };
    expect(constraintInfo({ ...base, target: 'delta.overall.balanced_accuracy' })).toMatchObject({
      metric: 'balanced_accuracy',
      scope: 'overall',
      section: 'delta',
      kind: 'overall',
    });
    expect(constraintInfo({ ...base, target: 'attributes.sex.groups.*.accuracy' })).toMatchObject({
      metric: 'accuracy',
      scope: 'sex',
      kind: 'groups',
    });
    expect(groupMetricsBehind('equalized_odds_difference')).toEqual(['true_positive_rate', 'false_positive_rate']);
    expect(groupMetricsBehind('max_excess_accuracy_gap')).toEqual(['excess_accuracy_gap']);
    expect(groupMetricsBehind('demographic_parity_ratio_to_overall')).toEqual(['selection_rate']);
    expect(groupMetricsBehind('f1_score_difference')).toEqual(['f1_score']);
  });
});
