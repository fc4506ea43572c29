// The report from a real campaign's data (tests/unit/report/fixtures/german-report.json, captured from the
// german-report campaign by tests/e2e/capture-report-fixture.test.ts): which charts exist, that each renders to SVG
// with marks, a title and a data table, the palette, escaping, and a running campaign's partial data.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CampaignData } from '../../../core/report/campaign-data.ts';
import { campaignCharts, OKABE_ITO } from '../../../core/report/charts.ts';
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
      'calibration-ece-age-group',
      'calibration-ece-sex',
      'model-size',
      'flops',
    ]);
    expect(ids).toHaveLength(13);
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

  it('charts ECE per group instead of calibration curves, and says why', () => {
    const ece = allCharts(fixture).find((c) => c.id === 'calibration-ece-sex')!;
    expect(ece.note).toMatch(/per-bin/);
    const size = allCharts(fixture).find((c) => c.id === 'model-size')!;
    expect(size.table.columns).toEqual(['step', 'parameters', 'non-zeros', 'dense float32', 'sparse (CSR)', 'int8']);
    expect(size.note).toMatch(/[Ll]atency/);
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
    expect(figures).toHaveLength(13);
    expect(html.match(/<svg[^>]* role="img" aria-labelledby="/g)).toHaveLength(13);
    expect(html.match(/<details class="data-table">/g)).toHaveLength(13);
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
