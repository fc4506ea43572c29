// The report from a real campaign's data (tests/unit/report/fixtures/german-report.json, captured from the
// german-report campaign by tests/e2e/capture-report-fixture.test.ts): which charts exist, that each renders to SVG
// with marks, a title and a data table, the palette, escaping, and a running campaign's partial data.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CampaignData } from '../../../core/report/campaign-data.ts';
import { campaignCharts, OKABE_ITO } from '../../../core/report/charts/index.ts';
import { escapeHtml, renderIndexHtml, renderReportHtml, renderSpecToSvg } from '../../../core/report/render.ts';

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/german-report.json', import.meta.url), 'utf8'),
) as CampaignData;
const clone = (): CampaignData => structuredClone(fixture);
const allCharts = (data: CampaignData) => campaignCharts(data).flatMap((s) => s.charts);

describe('chart specs', () => {
  it('has every chart the dashboard promises, per attribute and per rubric constraint', () => {
    const ids = allCharts(fixture).map((c) => c.id);
    expect(ids).toEqual([
      'accuracy-vs-sparsity-age-group',
      'accuracy-vs-sparsity-sex',
      'rubric-eod-sex',
      'rubric-balanced-accuracy-vs-reference',
      'rubric-excess-accuracy-gap-age',
      'rates-age-group',
      'rates-sex',
      'excess-accuracy-gap-age-group',
      'excess-accuracy-gap-sex',
      'calibration-reliability-age-group',
      'calibration-reliability-sex',
      'calibration-ece-age-group',
      'calibration-ece-sex',
      'model-size',
      'flops',
      'latency',
    ]);
    expect(ids).toHaveLength(16);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every chart a title, a description and a data table with rows', () => {
    for (const chart of allCharts(fixture)) {
      expect(chart.spec.title, chart.id).toBe(chart.title);
      expect(chart.spec.description, chart.id).toBe(chart.description);
      expect(chart.table.caption.length, chart.id).toBeGreaterThan(0);
      expect(chart.table.rows.length, chart.id).toBeGreaterThan(0);
      for (const row of chart.table.rows) expect(row).toHaveLength(chart.table.columns.length);
    }
  });

  it('uses only Okabe–Ito colours', () => {
    const colours = JSON.stringify(allCharts(fixture).map((c) => c.spec)).match(/#[0-9A-Fa-f]{6}/g) ?? [];
    expect(colours.length).toBeGreaterThan(0);
    for (const c of colours) expect(OKABE_ITO).toContain(c.toUpperCase());
  });

  it('plots CI whiskers from the report and keeps the rejected attempt, faded', () => {
    const accuracy = allCharts(fixture).find((c) => c.id === 'accuracy-vs-sparsity-sex')!;
    const values = (accuracy.spec as { data: { values: { stepKey: string; lo: number | null; outcome: string }[] } })
      .data.values;
    expect(values.filter((v) => v.lo !== null).length).toBeGreaterThan(0);
    expect(values.find((v) => v.stepKey === 'milestone-2/attempt-0')?.outcome).toBe('rejected');
    expect(JSON.stringify(accuracy.spec)).toContain('"errorbar"');
  });

  it('draws reliability diagrams per group: dense baseline vs final model (and the last accepted milestone)', () => {
    const chart = allCharts(fixture).find((c) => c.id === 'calibration-reliability-sex')!;
    type Row = {
      kind: string;
      panel: string;
      series: string;
      stepKey: string;
      count: number;
      meanScore: number;
      positiveRate: number;
    };
    const rows = (chart.spec as { data: { values: Row[] } }).data.values;
    const rowsOf = (group: string) => fixture.steps[0]!.groupRows['sex']![group];
    const panels = ['overall (198 rows)', `female (${rowsOf('female')} rows)`, `male (${rowsOf('male')} rows)`];
    expect([...new Set(rows.map((r) => r.panel))]).toEqual(panels);
    expect([...new Set(rows.filter((r) => r.kind === 'bin').map((r) => r.series))]).toEqual([
      'before: dense baseline',
      'after: quantized (final model)',
      'M2.1 (last accepted milestone)',
    ]);
    expect(new Set(rows.filter((r) => r.kind === 'bin').map((r) => r.stepKey))).toEqual(
      new Set(['baseline', 'quantize', 'milestone-2/attempt-1']),
    );
    // The diagonal from (0, 0) to (1, 1) in every panel; bins inside the unit square, empty bins left out.
    for (const panel of panels) {
      const diagonal = rows.filter((r) => r.kind === 'diagonal' && r.panel === panel);
      expect(diagonal.map((r) => [r.meanScore, r.positiveRate])).toEqual([
        [0, 0],
        [1, 1],
      ]);
    }
    for (const r of rows.filter((x) => x.kind === 'bin')) {
      expect(r.count).toBeGreaterThan(0);
      expect(r.meanScore).toBeGreaterThanOrEqual(0);
      expect(r.positiveRate).toBeLessThanOrEqual(1);
    }
    // The dense female curve is the baseline's calibration.json, bin for bin.
    const female = fixture.steps[0]!.calibration!.candidate.attributes['sex']!['female']!;
    const plotted = rows.filter((r) => r.kind === 'bin' && r.panel === panels[1] && r.stepKey === 'baseline');
    expect(plotted.map((r) => [r.count, r.meanScore, r.positiveRate])).toEqual(
      female.bins.filter((b) => b.count > 0).map((b) => [b.count, b.meanScore, b.positiveRate]),
    );
    // Axes: mean predicted probability (x) against observed positive rate (y), both on [0, 1].
    const spec = JSON.stringify(chart.spec);
    expect(spec).toContain('"title":"mean predicted probability"');
    expect(spec).toContain('"title":"observed positive rate"');
    // Table: one row per non-empty bin and one ECE row per group and model; the ECE is the report's.
    expect(chart.table.columns).toEqual([
      'group',
      'model',
      'bin',
      'rows',
      'mean predicted probability',
      'observed positive rate',
    ]);
    expect(chart.table.rows.length).toBe(rows.filter((r) => r.kind === 'bin').length + 3 * 3);
    const eceRow = chart.table.rows.find(
      (r) => r[0] === 'female' && r[1] === 'before: dense baseline' && r[2] === 'ECE (all bins)',
    )!;
    expect(Number(eceRow[4])).toBeCloseTo(fixture.steps[0]!.candidate.groups['sex']!['female']!['ece']!.value!, 4);
    expect(chart.note).toMatch(/noisy/);
    // The ECE-by-step chart stays, now pointing at the diagrams.
    expect(allCharts(fixture).find((c) => c.id === 'calibration-ece-sex')!.note).toMatch(/reliability diagrams above/);
  });

  it('adds latency per 1,000 rows by step to the size section', () => {
    const size = campaignCharts(fixture).find((s) => s.id === 'size')!;
    expect(size.charts.map((c) => c.id)).toEqual(['model-size', 'flops', 'latency']);
    expect(size.charts[0]!.table.columns).toEqual([
      'step',
      'parameters',
      'non-zeros',
      'dense float32',
      'sparse (CSR)',
      'int8',
    ]);
    expect(size.charts[0]!.note).toBeUndefined();
    const latency = size.charts[2]!;
    expect(latency.table.columns).toEqual([
      'step',
      'ms per 1,000 rows',
      'rows per call',
      'timed calls',
      'forward pass',
      'backend',
      'outcome',
    ]);
    expect(latency.table.rows.map((r) => r[0])).toEqual(fixture.steps.map((s) => s.stepKey));
    expect(latency.table.rows.map((r) => Number(r[1]))).toEqual(
      fixture.steps.map((s) => Number(s.latency!.msPer1000Rows.toFixed(3))),
    );
    expect(latency.note).toMatch(/[Ww]all-clock.*never used by a gate/);
  });

  it('without calibration.json and latency.json (older campaigns): ECE by step only, no latency, and says why', () => {
    const data = clone();
    for (const s of data.steps) {
      s.calibration = null;
      s.latency = null;
    }
    const ids = allCharts(data).map((c) => c.id);
    expect(ids.filter((id) => id.startsWith('calibration'))).toEqual([
      'calibration-ece-age-group',
      'calibration-ece-sex',
    ]);
    expect(ids).toHaveLength(13);
    expect(allCharts(data).find((c) => c.id === 'calibration-ece-sex')!.note).toMatch(/calibration\.json/);
    expect(allCharts(data).find((c) => c.id === 'model-size')!.note).toMatch(/latency/);
  });
});

describe('rendering', () => {
  it('renders each spec to an SVG with marks', async () => {
    for (const chart of allCharts(fixture)) {
      const { svg } = await renderSpecToSvg(chart.spec);
      expect(svg.startsWith('<svg'), chart.id).toBe(true);
      expect(svg, chart.id).toMatch(/class="mark-(symbol|rect|line|rule)/);
      expect(svg, chart.id).toContain(chart.title.slice(0, 20).replace(/&/g, '&amp;').replace(/</g, '&lt;'));
    }
  });

  it('builds one self-contained page: labelled SVGs, a table per chart, gate table, decision log, lineage', async () => {
    const html = await renderReportHtml(fixture);
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!vega\.github\.io|www\.w3\.org)/);
    const figures = html.match(/<figure /g) ?? [];
    expect(figures).toHaveLength(16);
    expect(html.match(/<svg[^>]* role="img" aria-labelledby="/g)).toHaveLength(16);
    expect(html.match(/<details class="data-table">/g)).toHaveLength(16);
    expect(html).toContain('id="gate-table"');
    expect(html).toMatch(/✗ fail<\/span><span class="reason">balanced_accuracy \(candidate − reference\)/);
    expect(html).toContain('id="decision-log"');
    expect(html).toContain(fixture.lineage!.config.sha256);
    expect(html).toContain('64.77%');
    expect(html).toContain('yes (int8)');
  });

  it('escapes every text, including group names inside the SVGs', async () => {
    const data = clone();
    const evil = '<img src=x onerror=alert(1)>&"\'';
    data.campaignId = evil;
    data.decisions[0]!.message = evil;
    for (const step of data.steps) {
      const groups = step.candidate.groups['sex']!;
      groups[evil] = groups['female']!;
      delete groups['female'];
      for (const model of [step.calibration!.candidate, step.calibration!.reference]) {
        const curves = model?.attributes['sex'];
        if (curves === undefined) continue;
        curves[evil] = curves['female']!;
        delete curves['female'];
      }
    }
    const html = await renderReportHtml(data);
    expect(html).not.toContain('<img');
    expect(html).toContain(escapeHtml(evil));
    expect(escapeHtml(evil)).toBe('&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;');
  });

  it('renders a running campaign: only the baseline evaluated, no gate yet, no lineage', async () => {
    const data = clone();
    data.steps = data.steps.slice(0, 1).map((s) => ({ ...s, gate: null, outcome: 'pending' }));
    data.decisions = [];
    data.lineage = null;
    data.status = 'running';
    data.final = null;
    data.rubric = null;
    const html = await renderReportHtml(data);
    expect(html).toContain('… running');
    expect(html).toContain('No gate has decided yet.');
    expect(html).toContain('No lineage manifest yet.');
    expect((html.match(/<figure /g) ?? []).length).toBeGreaterThan(0);
  });

  it('builds the index page with links to each report and the Temporal UI', () => {
    const html = renderIndexHtml([
      {
        campaignId: 'c<1>',
        status: 'Running',
        startTime: new Date('2025-01-02T03:04:05Z'),
        milestone: 2,
        sparsity: 0.5,
        gateStatus: 'pass',
        reportUrl: '/campaigns/c%3C1%3E/report.html',
        temporalUrl: 'http://127.0.0.1:8233/namespaces/fairshrink/workflows/c%3C1%3E',
      },
    ]);
    expect(html).toContain('href="/campaigns/c%3C1%3E/report.html"');
    expect(html).toContain('href="http://127.0.0.1:8233/namespaces/fairshrink/workflows/c%3C1%3E"');
    expect(html).toContain('<code>c&lt;1&gt;</code>');
    expect(html).toContain('50.00%');
    expect(renderIndexHtml([])).toContain('No campaigns yet');
  });
});
