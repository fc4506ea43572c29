// core/report: the campaign dashboard. gatherCampaignData reads a campaign's folder in S3, campaignCharts turns it
// into Vega-Lite specs, renderReportHtml renders them to inline SVG in one self-contained HTML page.
import type { ArtifactRef } from '../storage/ref.ts';
import { gatherCampaignData, type ReportStore } from './campaign-data.ts';
import { renderIndexHtml, renderReportHtml, type CampaignIndexEntry } from './render.ts';

export {
  gatherCampaignData,
  groupMetricsBehind,
  constraintInfo,
  type CampaignData,
  type EvaluatedStep,
  type ReportStore,
} from './campaign-data.ts';
export { campaignCharts, OKABE_ITO, type ChartDefinition, type ChartSection, type DataTable } from './charts/index.ts';
export { escapeHtml, renderReportHtml, renderSpecToSvg, renderIndexHtml, type CampaignIndexEntry } from './render.ts';

/** `<prefix>/<campaignId>/report.html` */
export const reportKey = (prefix: string, campaignId: string): string => `${prefix}/${campaignId}/report.html`;

/**
 * Gathers a campaign's data from S3, renders its report and writes it to `<prefix>/<campaignId>/report.html`
 * (mode 'mutable': it is regenerated as the campaign proceeds). Returns the HTML and the stored ref.
 */
export async function renderCampaignReport(
  store: ReportStore,
  opts: { campaignId: string; prefix: string; generatedAt?: string; askedSparsity?: number; failure?: string },
): Promise<{ html: string; ref: ArtifactRef }> {
  const data = await gatherCampaignData(store, opts);
  const html = await renderReportHtml(data, opts.generatedAt === undefined ? {} : { generatedAt: opts.generatedAt });
  const ref = await store.put(reportKey(opts.prefix, opts.campaignId), new TextEncoder().encode(html), {
    contentType: 'text/html; charset=utf-8',
    mode: 'mutable',
  });
  return { html, ref };
}

/** The dashboard's index page (see cli/commands/dashboard.ts). */
export function renderCampaignIndex(campaigns: CampaignIndexEntry[]): string {
  return renderIndexHtml(campaigns);
}
