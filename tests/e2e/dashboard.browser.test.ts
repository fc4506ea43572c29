// The dashboard in a real browser: a small campaign runs against the real Temporal server and S3, its report is
// rendered and served by the dashboard server, and headless Chromium (Debian's, driven by playwright-core) opens the
// report and the index: every chart has rendered SVG marks, a title and a data table, nothing logs an error, and the
// index links to the report and to the Temporal UI. Screenshots go to test-artifacts/.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { reportCommand } from '../../cli/commands/report.ts';
import { startDashboardServer, type DashboardServer } from '../../cli/commands/dashboard.ts';
import { UsageError } from '../../cli/io.ts';
import { LOCAL_S3_CREDENTIALS } from '../../core/config/connection.ts';
import { renderCampaignReport } from '../../core/report/index.ts';
import { campaignInput, campaignWorker, projectPath, startCampaign } from '../helpers/campaign.ts';
import { ensureChromium } from '../helpers/ensure-chromium.ts';
import { connectTemporal, testSettings, testStore, uniqueId } from '../helpers/services.ts';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const artifacts = projectPath('test-artifacts');
const store = testStore();
let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let dashboard: DashboardServer;
let browser: BrowserContext;
let userDataDir: string;
let campaignId: string;
let chartCount: number;

beforeAll(async () => {
  const executablePath = ensureChromium();
  mkdirSync(artifacts, { recursive: true });
  temporal = await connectTemporal();
  campaignId = uniqueId('german-report');
  const taskQueue = uniqueId('dashboard-q');
  const worker = await campaignWorker(temporal.nativeConnection, taskQueue, store);
  const file = fileURLToPath(new URL('./fixtures/german-report.yaml', import.meta.url));
  const handle = await startCampaign(temporal.client, await campaignInput(file, store, campaignId), taskQueue);
  const result = await worker.runUntil(handle.result());
  expect(result.status).toBe('completed');
  const { html, ref } = await renderCampaignReport(store, { campaignId, prefix: 'campaigns' });
  expect(ref.uri).toBe(store.uriOf(`campaigns/${campaignId}/report.html`));
  chartCount = (html.match(/<figure /g) ?? []).length;
  dashboard = await startDashboardServer({
    port: 0,
    settings: testSettings(taskQueue),
    store,
    client: temporal.client,
  });
  userDataDir = mkdtempSync(path.join(os.tmpdir(), 'fairshrink-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
});

afterAll(async () => {
  await browser?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await dashboard?.close();
  await temporal?.close();
  store.destroy();
});

/** A page that records console errors and uncaught exceptions. */
async function openPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return { page, errors };
}

describe('dashboard in headless Chromium', () => {
  it('shows the report with every chart rendered, titled and backed by a table', async () => {
    const { page, errors } = await openPage();
    const response = await page.goto(`${dashboard.url}/campaigns/${campaignId}/report.html`);
    expect(response?.status()).toBe(200);
    await expect(page.locator('h1').textContent()).resolves.toContain(campaignId);
    const figures = page.locator('figure.chart');
    expect(chartCount).toBeGreaterThanOrEqual(13);
    expect(await figures.count()).toBe(chartCount);
    for (let i = 0; i < chartCount; i++) {
      const figure = figures.nth(i);
      const id = await figure.getAttribute('data-chart');
      const svg = figure.locator('svg').first();
      expect(await svg.getAttribute('role'), `${id}`).toBe('img');
      expect((await svg.locator('title').first().textContent())?.length, `${id} title`).toBeGreaterThan(5);
      expect(await svg.locator('.role-title text').count(), `${id} visible title`).toBeGreaterThan(0);
      expect(
        await svg.locator('.role-mark > path, .role-mark > line, .role-mark > g').count(),
        `${id} marks`,
      ).toBeGreaterThan(0);
      expect((await svg.boundingBox())?.width ?? 0, `${id} width`).toBeGreaterThan(200);
      expect(await figure.locator('details.data-table table caption').count(), `${id} table`).toBe(1);
      expect(await figure.locator('details.data-table tbody tr').count(), `${id} rows`).toBeGreaterThan(0);
    }
    await figures.first().locator('details summary').click();
    await expect(figures.first().locator('details table').isVisible()).resolves.toBe(true);
    // baseline, the milestones' attempts, quantize, and the final gate on the re-loaded export
    expect(await page.locator('#gate-table tbody tr').count()).toBe(6);
    expect(await page.locator('#gate-table').textContent()).toMatch(/export/);
    expect(await page.locator('#gate-table').textContent()).toMatch(/✗ fail/);
    expect(await page.locator('#decision-log tbody tr').count()).toBeGreaterThanOrEqual(10);
    expect(await page.locator('#checkpoints-table tbody tr').count()).toBeGreaterThanOrEqual(4);
    // Layout at 1280 px: nothing pushes the page sideways, and the gate table fits without its own scrollbar.
    // Evaluated in the page (a string: this project compiles without the DOM library).
    const widths = (await page.evaluate(`(() => {
      const gate = document.querySelector('#gate-table');
      return {
        page: document.documentElement.scrollWidth,
        viewport: document.documentElement.clientWidth,
        gate: gate.scrollWidth,
        gateBox: gate.parentElement.clientWidth,
      };
    })()`)) as { page: number; viewport: number; gate: number; gateBox: number };
    expect(widths.page).toBeLessThanOrEqual(widths.viewport);
    expect(widths.gate).toBeLessThanOrEqual(widths.gateBox);
    // The header says what the campaign reached against what it asked for.
    expect(await page.locator('header').textContent()).toMatch(/Outcome.*\d+\.\d% of \d+\.\d%/);
    // The outcome legend names each ring's shape and colour instead of three grey dots.
    expect(await page.locator('#chart-rates-sex svg').first().textContent()).toMatch(/○ green: accepted/);
    await page.screenshot({ path: path.join(artifacts, 'dashboard-report.png'), fullPage: true });
    await page.screenshot({ path: path.join(artifacts, 'dashboard-report-top.png') });
    await page.locator('#rubric').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, 'dashboard-report-rubric.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists the campaign in the index with links to its report and the Temporal UI', async () => {
    const { page, errors } = await openPage();
    const reportLink = page.locator(`a.report-link[href="/campaigns/${campaignId}/report.html"]`);
    // Visibility is eventually consistent: reload until the campaign appears.
    for (let tries = 0; tries < 20; tries++) {
      await page.goto(`${dashboard.url}/`);
      if ((await reportLink.count()) > 0) break;
      await page.waitForTimeout(500);
    }
    expect(await reportLink.count()).toBe(1);
    const row = page.locator('tr', { has: reportLink });
    expect(await row.textContent()).toMatch(/completed/i);
    const uiPort = process.env.FAIRSHRINK_TEMPORAL_UI_PORT ?? '8233';
    expect(await row.locator('a.temporal-link').getAttribute('href')).toBe(
      `http://127.0.0.1:${uiPort}/namespaces/${inject('temporalNamespace')}/workflows/${campaignId}`,
    );
    await page.screenshot({ path: path.join(artifacts, 'dashboard-index.png'), fullPage: true });
    await reportLink.click();
    await page.waitForURL(`**/campaigns/${campaignId}/report.html`);
    await expect(page.locator('h1').textContent()).resolves.toContain(campaignId);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('answers 404 for an unknown campaign', async () => {
    const response = await fetch(`${dashboard.url}/campaigns/no-such-campaign/report.html`);
    expect(response.status).toBe(404);
  });
});

describe('fairshrink report', () => {
  it('renders, stores and writes the report, and exits 2 for an unknown campaign (the input is the problem) and for bad usage', async () => {
    const env = {
      FAIRSHRINK_S3_ENDPOINT: inject('s3Endpoint'),
      FAIRSHRINK_S3_BUCKET: inject('s3Bucket'),
      AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) };
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fairshrink-report-'));
    try {
      const file = path.join(dir, 'r.html');
      expect(await reportCommand([campaignId, '--out', file], io)).toBe(0);
      expect(out[0]!.split('\n')[0]).toBe(file);
      expect(existsSync(file) && readFileSync(file, 'utf8')).toContain('<figure ');
      expect(await reportCommand(['no-such-campaign', '--out', path.join(dir, 'x.html')], io)).toBe(2);
      expect(err.join('\n')).toMatch(/no campaign "no-such-campaign"/);
      await expect(reportCommand([], io)).rejects.toBeInstanceOf(UsageError);
      out.length = 0;
      expect(await reportCommand(['--help'], io)).toBe(0);
      expect(out[0]).toMatch(/Examples:/);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) Reflect.deleteProperty(process.env, k);
        else process.env[k] = v;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
