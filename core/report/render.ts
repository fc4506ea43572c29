// From CampaignData and its chart specs to one self-contained HTML page: every chart rendered to inline SVG at build
// time (Vega in Node, renderer 'none': no canvas, no network, no scripts in the page), every text escaped, small
// inline CSS. Accessibility: lang, a heading outline, an accessible name and description on every SVG, a data table
// (with caption) for every chart, and statuses written as words and symbols, never colour alone.
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { DecisionEntry } from '../campaign/contracts.ts';
import { formatBytes } from '../campaign/summary.ts';
import type { LatencyMeasurement } from '../export/latency.ts';
import type { CampaignData, EvaluatedStep } from './campaign-data.ts';
import {
  campaignCharts,
  formatNumber,
  formatPercent,
  type ChartDefinition,
  type ChartSection,
  type DataTable,
} from './charts/index.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string | number | boolean | null | undefined): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Renders a Vega-Lite spec to an SVG string in Node (no canvas, no DOM). Warnings are returned, not printed. */
export async function renderSpecToSvg(spec: TopLevelSpec): Promise<{ svg: string; warnings: string[] }> {
  const warnings: string[] = [];
  const logger = {
    level: () => logger,
    error: (...args: unknown[]) => {
      throw new Error(`Vega-Lite: ${args.map(String).join(' ')}`);
    },
    warn: (...args: unknown[]) => {
      warnings.push(args.map(String).join(' '));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  const compiled = vl.compile(spec, {
    logger: logger as unknown as NonNullable<Parameters<typeof vl.compile>[1]>['logger'],
  });
  const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none', logLevel: vega.Error });
  try {
    return { svg: await view.toSVG(), warnings };
  } finally {
    view.finalize();
  }
}

/** Adds an accessible name and description to Vega's SVG: role="img", <title> and <desc>, aria-labelledby. */
export function labelSvg(svg: string, opts: { id: string; title: string; description: string }): string {
  const titleId = `${opts.id}-svg-title`;
  const descId = `${opts.id}-svg-desc`;
  return svg.replace(
    /^<svg\b([^>]*)>/,
    (_m, attrs: string) =>
      `<svg${attrs} role="img" aria-labelledby="${escapeHtml(titleId)} ${escapeHtml(descId)}" focusable="false">` +
      `<title id="${escapeHtml(titleId)}">${escapeHtml(opts.title)}</title>` +
      `<desc id="${escapeHtml(descId)}">${escapeHtml(opts.description)}</desc>`,
  );
}

export interface RenderedChart extends ChartDefinition {
  svg: string;
}

export interface RenderedSection extends Omit<ChartSection, 'charts'> {
  charts: RenderedChart[];
}

export async function renderCharts(sections: ChartSection[]): Promise<RenderedSection[]> {
  const out: RenderedSection[] = [];
  for (const section of sections) {
    const charts: RenderedChart[] = [];
    for (const chart of section.charts) {
      const { svg } = await renderSpecToSvg(chart.spec);
      charts.push({ ...chart, svg: labelSvg(svg, chart) });
    }
    out.push({ ...section, charts });
  }
  return out;
}

export function tableHtml(table: DataTable, attrs = ''): string {
  const head = table.columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('');
  const body = table.rows
    .map(
      (row) =>
        `<tr>${row.map((cell, i) => (i === 0 ? `<th scope="row">${escapeHtml(cell)}</th>` : `<td>${escapeHtml(cell)}</td>`)).join('')}</tr>`,
    )
    .join('\n');
  return `<table${attrs}><caption>${escapeHtml(table.caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const STATUS_SYMBOL: Record<string, string> = {
  pass: '✓',
  fail: '✗',
  'insufficient-evidence': '?',
  accepted: '✓',
  rejected: '✗',
  pending: '…',
  completed: '✓',
  running: '…',
  stopped: '■',
  failed: '✗',
  aborted: '■',
};

/** A status as a symbol and a word (colour is a third cue, never the only one). */
export function statusBadge(status: string): string {
  const cls = status.replace(/[^a-z-]/g, '');
  return `<span class="status status-${escapeHtml(cls)}">${escapeHtml(STATUS_SYMBOL[status] ?? '•')} ${escapeHtml(status)}</span>`;
}

const CSS = `
:root{color-scheme:light;--fg:#1b1b1b;--muted:#555;--line:#d0d0d0;--bg-alt:#f5f5f5}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);margin:0 auto;max-width:1180px;padding:1.25rem}
h1{font-size:1.6rem;margin:.2rem 0 .6rem}h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
h3{font-size:1.05rem;margin:1.4rem 0 .4rem}
a{color:#0058a3}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}
dl.summary dt{font-weight:600}dl.summary dd{margin:0}
nav ul{display:flex;flex-wrap:wrap;gap:.3rem 1rem;list-style:none;padding:0}
figure{margin:1rem 0 1.6rem;padding:.6rem;border:1px solid var(--line);border-radius:6px;overflow-x:auto}
figure svg{max-width:100%;height:auto;display:block}
figcaption{font-weight:600;margin-bottom:.3rem}
.note{color:var(--muted);font-size:.9rem;margin:.3rem 0}
details{margin-top:.4rem}summary{cursor:pointer;color:#0058a3}
table{border-collapse:collapse;font-size:.85rem;margin:.4rem 0;width:100%}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid var(--line);padding:.25rem .45rem;text-align:left;vertical-align:top}
thead th{background:var(--bg-alt)}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code,.hash{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.8rem;word-break:break-all}
.status{font-weight:600;white-space:nowrap;padding:0 .3rem;border-radius:3px;border:1px solid currentColor}
.status-pass,.status-accepted,.status-completed{color:#00664a}
.status-fail,.status-rejected,.status-failed{color:#a33c00}
.status-insufficient-evidence,.status-pending,.status-running{color:#6b4a00}
.status-stopped,.status-aborted{color:#444}
.reason{display:block;color:var(--muted);font-size:.8rem;margin-top:.15rem}
.table-scroll{overflow-x:auto;max-width:100%}
#gate-table{table-layout:fixed}#gate-table td,#gate-table th{overflow-wrap:anywhere}
#gate-table .status{white-space:normal}
.outcome-short{color:#a33c00;font-weight:600}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

function shippedHeadline(s: NonNullable<CampaignData['shipped']>): string {
  const f = s.formats.find((x) => x.shipped);
  return f === undefined
    ? `${s.shipped} (size not recorded)`
    : `${f.format}, ${formatBytes(f.bytes)} on disk (${f.ratioVsDense.toFixed(1)}× smaller than dense float32 ${formatBytes(s.dense.bytes)})`;
}

function summaryList(items: [string, string][]): string {
  return `<dl class="summary">${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function headerHtml(data: CampaignData, generatedAt: string | undefined): string {
  const final = data.final;
  const items: [string, string][] = [
    ['Campaign', `<code>${escapeHtml(data.campaignId)}</code>`],
    ...(data.name ? ([['Name', escapeHtml(data.name)]] as [string, string][]) : []),
    ['Status', statusBadge(data.status)],
    ...(data.outcome
      ? ([
          [
            'Outcome',
            `<span class="${data.outcome.short ? 'outcome-short' : 'outcome'}">${escapeHtml(data.outcome.headline)}</span>`,
          ],
        ] as [string, string][])
      : []),
    ...(data.failure
      ? ([['Failure', `<span class="outcome-short">${escapeHtml(data.failure)}</span>`]] as [string, string][])
      : []),
    ['Final model', final ? `<code>${escapeHtml(final.stepKey)}</code>` : 'none yet'],
    ['Sparsity', final ? escapeHtml(formatPercent(final.sparsity)) : 'unknown'],
    ['Quantized', final ? (final.quantized ? 'yes (int8)' : 'no') : 'unknown'],
    ...(data.shipped ? ([['Shipped', escapeHtml(shippedHeadline(data.shipped))]] as [string, string][]) : []),
    ...(data.heldOut
      ? ([['Held-out verdict', `${statusBadge(data.heldOut.status)} on ${escapeHtml(data.heldOut.split)}`]] as [
          string,
          string,
        ][])
      : []),
    ['Rubric', data.rubric ? escapeHtml(data.rubric.name) : 'no gate decision yet'],
    ['Steps evaluated', escapeHtml(String(data.steps.length))],
    ...(generatedAt ? ([['Generated', escapeHtml(generatedAt)]] as [string, string][]) : []),
  ];
  return `<header><h1>fairshrink campaign report: ${escapeHtml(data.campaignId)}</h1>${summaryList(items)}</header>`;
}

function stepsTable(data: CampaignData): string {
  const rows = data.steps.map((s: EvaluatedStep) => {
    const acc = s.candidate.overall['accuracy'];
    return `<tr><th scope="row"><code>${escapeHtml(s.stepKey)}</code></th><td>${escapeHtml(s.label)}</td><td class="num">${escapeHtml(
      s.targetSparsity === null ? '—' : formatPercent(s.targetSparsity),
    )}</td><td class="num">${escapeHtml(formatPercent(s.sparsity))}</td><td class="num">${escapeHtml(
      acc ? formatNumber(acc.value) : 'undefined',
    )}</td><td>${s.gate ? statusBadge(s.gate.status) : 'not gated yet'}</td><td>${statusBadge(s.outcome)}${
      s.rejectionReasons.length > 0 ? `<span class="reason">${escapeHtml(s.rejectionReasons.join('; '))}</span>` : ''
    }</td></tr>`;
  });
  return `<div class="table-scroll"><table id="steps-table"><caption>Evaluated steps (chart labels, sparsity, accuracy, gate and outcome)</caption><thead><tr><th scope="col">step</th><th scope="col">label</th><th scope="col">target sparsity</th><th scope="col">achieved sparsity</th><th scope="col">accuracy</th><th scope="col">gate</th><th scope="col">outcome</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

function chartHtml(chart: RenderedChart): string {
  return `<figure id="chart-${escapeHtml(chart.id)}" class="chart" data-chart="${escapeHtml(chart.id)}">
<figcaption id="${escapeHtml(chart.id)}-caption" class="visually-hidden">${escapeHtml(chart.title)}</figcaption>
${chart.svg}
${chart.note ? `<p class="note">${escapeHtml(chart.note)}</p>` : ''}
<details class="data-table"><summary>Data table: ${escapeHtml(chart.title)}</summary><div class="table-scroll">${tableHtml(chart.table)}</div></details>
</figure>`;
}

function gateTable(data: CampaignData): string {
  const gated = data.steps.filter((s) => s.gate !== null);
  if (gated.length === 0) return '<p>No gate has decided yet.</p>';
  const ids = data.rubric?.constraints.map((c) => c.id) ?? [];
  const head = ids.map((id) => `<th scope="col"><code>${escapeHtml(id)}</code></th>`).join('');
  const rows = gated.map((s) => {
    const cells = ids.map((id) => {
      const c = s.gate!.constraints.find((d) => d.id === id);
      if (c === undefined) return '<td>not applied (scope)</td>';
      return `<td>${statusBadge(c.status)}<span class="reason">${escapeHtml(c.reason)}</span></td>`;
    });
    return `<tr><th scope="row"><code>${escapeHtml(s.stepKey)}</code></th><td>${statusBadge(s.gate!.status)}<span class="reason">${escapeHtml(
      s.gate!.reason,
    )}</span></td>${cells.join('')}</tr>`;
  });
  const legend = (data.rubric?.constraints ?? [])
    .map(
      (c) =>
        `<li><code>${escapeHtml(c.id)}</code>: ${escapeHtml(c.metric)}${c.section === 'delta' ? ' (candidate − reference)' : ''} ${
          c.scope === 'overall' ? 'overall' : `on ${escapeHtml(c.scope)}`
        } ${escapeHtml(c.comparator)} ${escapeHtml(c.threshold)}</li>`,
    )
    .join('');
  return `<ul>${legend}</ul><div class="table-scroll"><table id="gate-table"><caption>Gate decisions per step and constraint (pass, fail or insufficient evidence, with the gate's reason)</caption><thead><tr><th scope="col">step</th><th scope="col">gate</th>${head}</tr></thead><tbody>${rows.join(
    '\n',
  )}</tbody></table></div>`;
}

function decisionRow(d: DecisionEntry): string {
  const gate = d.gate ? statusBadge(d.gate.status) : '';
  return `<tr><th scope="row">${escapeHtml(d.seq)}</th><td>${escapeHtml(d.kind)}</td><td>${escapeHtml(d.milestone ?? '—')}</td><td>${escapeHtml(
    d.attempt ?? '—',
  )}</td><td class="num">${escapeHtml(d.targetSparsity === undefined ? '—' : formatPercent(d.targetSparsity))}</td><td>${gate}</td><td>${escapeHtml(
    d.message,
  )}${d.review ? `<span class="reason">review by ${escapeHtml(d.review.reviewer)}: ${escapeHtml(d.review.action)} — ${escapeHtml(d.review.reason)}</span>` : ''}</td></tr>`;
}

function decisionLog(data: CampaignData): string {
  if (data.decisions.length === 0) return '<p>No decision logged yet.</p>';
  return `<div class="table-scroll"><table id="decision-log"><caption>Decision log (decisions.jsonl), in order</caption><thead><tr><th scope="col">#</th><th scope="col">kind</th><th scope="col">milestone</th><th scope="col">attempt</th><th scope="col">target sparsity</th><th scope="col">gate</th><th scope="col">what happened and why</th></tr></thead><tbody>${data.decisions
    .map(decisionRow)
    .join('\n')}</tbody></table></div>`;
}

const hash = (h: string | null | undefined) => (h ? `<span class="hash">${escapeHtml(h)}</span>` : '—');

function lineageHtml(data: CampaignData): string {
  const l = data.lineage;
  if (l === null) return '<p>No lineage manifest yet.</p>';
  const items: [string, string][] = [
    ['Config sha256', hash(l.config.sha256)],
    ['Root seed', escapeHtml(l.config.seed)],
    ['Git commit', `${hash(l.code.gitCommit)}${l.code.gitDirty ? ' (dirty working tree)' : ''}`],
    ['Lockfile sha256', hash(l.code.lockfileSha256)],
    ['Data set id', hash(l.data.datasetId)],
    ['Raw data sha256', hash(l.data.rawSha256)],
    ['Data spec sha256', hash(l.data.specSha256)],
    [
      'Rows (train / validation / test)',
      l.data.rows ? escapeHtml(`${l.data.rows.train} / ${l.data.rows.validation} / ${l.data.rows.test}`) : '—',
    ],
    ['Features', escapeHtml(l.data.features ?? '—')],
    ['Lineage status', escapeHtml(l.status)],
  ];
  const env: DataTable = {
    caption: 'Environment the campaign ran in',
    columns: ['property', 'value'],
    rows: Object.entries(l.environment).map(([k, v]) => [k, v === null ? 'unknown' : String(v)]),
  };
  const fileNames = ['modelJson', 'weightsBin', 'masks', 'int8'];
  const checkpoints = `<table id="checkpoints-table"><caption>Checkpoints with their sha256</caption><thead><tr><th scope="col">step</th><th scope="col">sparsity</th><th scope="col">parameters</th><th scope="col">non-zeros</th>${fileNames
    .map((f) => `<th scope="col">${escapeHtml(f)}</th>`)
    .join('')}</tr></thead><tbody>${l.checkpoints
    .map(
      (c) =>
        `<tr><th scope="row"><code>${escapeHtml(c.stepKey)}</code></th><td class="num">${escapeHtml(formatPercent(c.sparsity))}</td><td class="num">${escapeHtml(
          c.parameters,
        )}</td><td class="num">${escapeHtml(c.nonzeros)}</td>${fileNames.map((f) => `<td>${hash(c.sha256[f])}</td>`).join('')}</tr>`,
    )
    .join('\n')}</tbody></table>`;
  const purposes = [...new Set(l.seedTree.steps.flatMap((s) => Object.keys(s.seeds)))].sort();
  const seeds: DataTable = {
    caption: `Seed tree (root ${l.seedTree.root}; ${l.seedTree.derivation})`,
    columns: ['step', ...purposes],
    rows: l.seedTree.steps.map((s) => [s.stepKey, ...purposes.map((p) => String(s.seeds[p] ?? '—'))]),
  };
  return `${summaryList(items)}
<h3 id="environment">Environment</h3>${tableHtml(env, ' id="environment-table"')}
<h3 id="checkpoints">Checkpoints</h3><div class="table-scroll">${checkpoints}</div>
<h3 id="seeds">Seeds</h3><details><summary>Seed tree (${escapeHtml(l.seedTree.steps.length)} steps)</summary><div class="table-scroll">${tableHtml(
    seeds,
    ' id="seed-table"',
  )}</div></details>`;
}

const latencyCells = (l: LatencyMeasurement | null): string[] =>
  l === null
    ? ['not measured', 'not measured']
    : [`${l.p50SingleRowMs.toFixed(3)} ms`, `${Math.round(l.batchedRowsPerSecond).toLocaleString('en-US')} rows/s`];

/** Bytes on disk, gzip bytes and measured latency of every export format next to the dense float32 model. */
function shippedHtml(data: CampaignData): string {
  const s = data.shipped;
  if (!s) return '';
  const rows = [
    ...s.formats.map((f) => [
      `${f.format}${f.shipped ? ' (shipped)' : ''}`,
      formatBytes(f.bytes),
      formatBytes(f.gzipBytes),
      `${f.ratioVsDense.toFixed(1)}×`,
      ...latencyCells(f.latency),
      f.shipped ? '0 (reference)' : f.maxAbsPredictionDifference.toExponential(2),
    ]),
    [
      'dense float32',
      formatBytes(s.dense.bytes),
      formatBytes(s.dense.gzipBytes),
      '1.0×',
      ...latencyCells(s.dense.latency),
      '—',
    ],
  ];
  const measured =
    s.latencyBackend === null
      ? 'Latency was not recorded.'
      : `Latency measured when each file was re-loaded from S3, on the ${s.latencyBackend} backend with rows of the ${s.latencySplit} split (wall clock: varies between runs, never gated).`;
  return `<section aria-labelledby="shipped"><h2 id="shipped">Shipped artifact</h2><p>${escapeHtml(measured)}</p><div class="table-scroll">${tableHtml(
    {
      caption: 'Export formats: bytes on disk, gzip bytes, size ratio vs dense float32, latency, prediction difference',
      columns: [
        'format',
        'bytes',
        'gzip bytes',
        'smaller by',
        'p50 single row',
        'batched throughput',
        'max |p − p_shipped|',
      ],
      rows,
    },
    ' id="shipped-table"',
  )}</div><p class="note">Sources: ${s.sources.map((k) => `<code>${escapeHtml(k)}</code>`).join(', ')}</p></section>`;
}

/** The final model's verdict on the held-out split, constraint by constraint. */
function heldOutHtml(data: CampaignData): string {
  const h = data.heldOut;
  if (!h) return '';
  const rows = h.constraints
    .map(
      (c) =>
        `<tr><th scope="row"><code>${escapeHtml(c.id)}</code></th><td>${statusBadge(c.status)}<span class="reason">${escapeHtml(c.reason)}</span></td></tr>`,
    )
    .join('\n');
  return `<section aria-labelledby="held-out"><h2 id="held-out">Held-out verdict</h2><p>${statusBadge(h.status)} ${escapeHtml(
    `${h.checkpoint ?? 'the final model'} against the dense baseline on the ${h.split} split (${h.rows} rows that no gate, retry or review saw): ${h.reason}`,
  )}</p><div class="table-scroll"><table id="held-out-table"><caption>Held-out verdict per constraint</caption><thead><tr><th scope="col">constraint</th><th scope="col">verdict</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

/** The whole report page. `generatedAt` is shown when given (left out, the page is a pure function of the data). */
export async function renderReportHtml(data: CampaignData, opts: { generatedAt?: string } = {}): Promise<string> {
  const sections = await renderCharts(campaignCharts(data));
  const nav = [
    ['steps', 'Steps'],
    ...(data.shipped ? [['shipped', 'Shipped artifact']] : []),
    ...(data.heldOut ? [['held-out', 'Held-out verdict']] : []),
    ...sections.map((s) => [s.id, s.heading]),
    ['gates', 'Gate decisions'],
    ['decisions', 'Decision log'],
    ['lineage', 'Lineage'],
  ]
    .map(([id, label]) => `<li><a href="#${escapeHtml(id)}">${escapeHtml(label)}</a></li>`)
    .join('');
  const notes =
    data.notes.length === 0
      ? ''
      : `<section aria-labelledby="notes"><h2 id="notes">Notes</h2><ul>${data.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></section>`;
  const chartSections = sections
    .map(
      (s) =>
        `<section aria-labelledby="${escapeHtml(s.id)}"><h2 id="${escapeHtml(s.id)}">${escapeHtml(s.heading)}</h2>\n${s.charts
          .map(chartHtml)
          .join('\n')}</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`fairshrink report: ${data.campaignId}`)}</title>
<style>${CSS}</style>
</head>
<body>
${headerHtml(data, opts.generatedAt)}
<nav aria-label="Sections"><ul>${nav}</ul></nav>
<main>
${notes}
<section aria-labelledby="steps"><h2 id="steps">Steps</h2>${stepsTable(data)}</section>
${shippedHtml(data)}
${heldOutHtml(data)}
${chartSections}
<section aria-labelledby="gates"><h2 id="gates">Gate decisions</h2>${gateTable(data)}</section>
<section aria-labelledby="decisions"><h2 id="decisions">Decision log</h2>${decisionLog(data)}</section>
<section aria-labelledby="lineage"><h2 id="lineage">Lineage</h2>${lineageHtml(data)}</section>
</main>
</body>
</html>
`;
}

export interface CampaignIndexEntry {
  campaignId: string;
  status: string;
  startTime: Date | string;
  milestone?: number;
  sparsity?: number;
  gateStatus?: string;
  reportUrl: string;
  temporalUrl: string;
}

/** The dashboard's index page: one row per campaign, linking to its report and to its workflow in the Temporal UI. */
export function renderIndexHtml(
  campaigns: CampaignIndexEntry[],
  opts: { title?: string; generatedAt?: string } = {},
): string {
  const title = opts.title ?? 'fairshrink campaigns';
  const rows = campaigns.map((c) => {
    const start = c.startTime instanceof Date ? c.startTime.toISOString() : c.startTime;
    return `<tr><th scope="row"><code>${escapeHtml(c.campaignId)}</code></th><td>${statusBadge(c.status.toLowerCase())}</td><td>${escapeHtml(
      start,
    )}</td><td class="num">${escapeHtml(c.milestone ?? '—')}</td><td class="num">${escapeHtml(
      c.sparsity === undefined ? '—' : formatPercent(c.sparsity),
    )}</td><td>${c.gateStatus ? statusBadge(c.gateStatus) : '—'}</td><td><a class="report-link" href="${escapeHtml(
      c.reportUrl,
    )}">report<span class="visually-hidden"> for ${escapeHtml(c.campaignId)}</span></a></td><td><a class="temporal-link" href="${escapeHtml(
      c.temporalUrl,
    )}">Temporal UI<span class="visually-hidden"> for ${escapeHtml(c.campaignId)}</span></a></td></tr>`;
  });
  const body =
    campaigns.length === 0
      ? '<p>No campaigns yet. Start one with <code>fairshrink run examples/campaigns/adult-demo.yaml</code>.</p>'
      : `<div class="table-scroll"><table id="campaigns"><caption>Campaigns (newest first) from Temporal visibility</caption><thead><tr><th scope="col">campaign</th><th scope="col">status</th><th scope="col">started</th><th scope="col">milestone</th><th scope="col">sparsity</th><th scope="col">last gate</th><th scope="col">report</th><th scope="col">workflow</th></tr></thead><tbody>${rows.join(
          '\n',
        )}</tbody></table></div>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1>${opts.generatedAt ? `<p class="note">Listed at ${escapeHtml(opts.generatedAt)}</p>` : ''}</header>
<main>${body}</main>
</body>
</html>
`;
}
