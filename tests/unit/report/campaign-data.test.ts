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
