// `fairshrink dashboard`: a small local HTTP server. `/` lists the campaigns in Temporal visibility and links to
// each one's report and to its workflow in the Temporal UI; `/campaigns/<id>/report.html` renders the report from
// S3 on request (and stores it), falling back to the stored page when rendering fails.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { connectionSettings, stackPorts, type ConnectionSettings } from '../../core/config/connection.ts';
import { renderCampaignIndex, renderCampaignReport, reportKey, type ReportStore } from '../../core/report/index.ts';
import { escapeHtml } from '../../core/report/render.ts';
import { ArtifactStore } from '../../core/storage/index.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';
import { campaignInputOf, type CampaignClient } from './campaign.ts';
import { askedSparsity, campaignFailure } from './campaign-status.ts';
import { campaignListQuery, listingOf, withFinalSparsity } from './list.ts';

export const dashboardHelp = `fairshrink dashboard [--port 8300] [--host 127.0.0.1] [--prefix campaigns]

Serve a local dashboard: an index of campaigns from Temporal visibility (status, milestone,
sparsity, last gate) linking to each campaign's report, rendered from S3 when you open it, and to
its workflow in the Temporal UI (port FAIRSHRINK_TEMPORAL_UI_PORT, default 8233). Stop with Ctrl-C.

  --port    TCP port (default 8300; 0 picks a free one)
  --host    interface to listen on (default 127.0.0.1, this machine only)
  --prefix  storage prefix of the campaigns (default "campaigns")
  --limit   at most N campaigns in the index (default 200)

Exit codes: 0 stopped by Ctrl-C, 1 the server could not start (port in use), 2 bad usage.

Examples:
  fairshrink dashboard
  fairshrink dashboard --port 9000
  fairshrink dashboard --host 0.0.0.0 --port 8300   # reachable from other machines: no authentication!`;

export interface DashboardOptions {
  port?: number;
  host?: string;
  prefix?: string;
  limit?: number;
  /** Connection settings (default: from the environment). */
  settings?: ConnectionSettings;
  /** Storage to read campaigns from (default: an ArtifactStore on settings.s3, closed with the server). */
  store?: ReportStore;
  /** Temporal client (default: connects to settings.temporal on the first index request). */
  client?: Client;
  /** Base of Temporal UI links (default http://127.0.0.1:<FAIRSHRINK_TEMPORAL_UI_PORT or 8233>). */
  temporalUiUrl?: string;
}

export interface DashboardServer {
  url: string;
  close: () => Promise<void>;
}

// The pages are static HTML: no scripts, only inline styles and the SVGs inside them.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function send(res: ServerResponse, status: number, body: string, type = 'text/html; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS });
  res.end(body);
}

function errorPage(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(
    title,
  )}</h1><p>${escapeHtml(message)}</p><p><a href="/">All campaigns</a></p></body></html>`;
}

export async function startDashboardServer(opts: DashboardOptions = {}): Promise<DashboardServer> {
  const settings = opts.settings ?? connectionSettings(process.env);
  const prefix = opts.prefix ?? 'campaigns';
  const limit = opts.limit ?? 200;
  const ownStore = opts.store === undefined ? new ArtifactStore(settings.s3) : undefined;
  const store: ReportStore = opts.store ?? ownStore!;
  const temporalUi = (opts.temporalUiUrl ?? `http://127.0.0.1:${stackPorts(process.env).temporalUi}`).replace(
    /\/$/,
    '',
  );
  const namespace = settings.temporal.namespace;
  let connection: Connection | undefined;
  let client = opts.client;

  async function temporalClient(): Promise<Client> {
    if (client) return client;
    connection = await Connection.connect({ address: settings.temporal.address, connectTimeout: '5s' });
    client = new Client({ connection, namespace });
    return client;
  }

  async function indexPage(res: ServerResponse): Promise<void> {
    let c: Client;
    try {
      c = await temporalClient();
    } catch (err) {
      send(
        res,
        503,
        errorPage(
          'Temporal is unreachable',
          `${settings.temporal.address}: ${(err as Error).message.split('\n')[0]}. Start the local stack with \`fairshrink up\`.`,
        ),
      );
      return;
    }
    const rows = [];
    for await (const info of c.workflow.list({
      query: campaignListQuery(undefined),
      pageSize: Math.min(limit, 1000),
    })) {
      rows.push(listingOf(info));
      if (rows.length >= limit) break;
    }
    const campaigns = (await withFinalSparsity(c, rows)).map((row) => ({
      campaignId: row.campaignId,
      status: row.status,
      startTime: row.startTime,
      ...(row.milestone === null ? {} : { milestone: row.milestone }),
      ...(row.sparsity === null ? {} : { sparsity: row.sparsity }),
      ...(row.gateStatus === null ? {} : { gateStatus: row.gateStatus }),
      reportUrl: `/campaigns/${encodeURIComponent(row.campaignId)}/report.html`,
      temporalUrl: `${temporalUi}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(row.campaignId)}`,
    }));
    send(res, 200, renderCampaignIndex(campaigns));
  }

  /**
   * What only Temporal knows about a campaign: the sparsity its file asked for (the workflow input) and, for a failed
   * one, the failing step's own message. Without Temporal the report still renders from S3 alone.
   */
  async function temporalFacts(campaignId: string): Promise<{ askedSparsity?: number; failure?: string }> {
    try {
      const c = await temporalClient();
      const handle = c.workflow.getHandle(campaignId);
      const description = await handle.describe();
      const input = await campaignInputOf({ settings, client: c } as CampaignClient, campaignId, description.runId);
      const facts: { askedSparsity?: number; failure?: string } = { askedSparsity: askedSparsity(input) };
      if (!['RUNNING', 'COMPLETED', 'CONTINUED_AS_NEW'].includes(description.status.name)) {
        facts.failure = await handle.result().then(
          () => description.status.name.toLowerCase(),
          (err: unknown) => campaignFailure(err).text,
        );
      }
      return facts;
    } catch {
      return {};
    }
  }

  async function reportPage(res: ServerResponse, campaignId: string): Promise<void> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(campaignId)) {
      send(res, 400, errorPage('Not a campaign id', `"${campaignId}" is not a campaign id.`));
      return;
    }
    try {
      const { html } = await renderCampaignReport(store, {
        campaignId,
        prefix,
        generatedAt: new Date().toISOString(),
        ...(await temporalFacts(campaignId)),
      });
      send(res, 200, html);
    } catch (err) {
      const message = (err as Error).message.split('\n')[0]!;
      try {
        const { bytes } = await store.getByKey(reportKey(prefix, campaignId));
        send(res, 200, new TextDecoder().decode(bytes));
      } catch {
        const notFound = /no campaign/.test(message);
        send(res, notFound ? 404 : 500, errorPage(notFound ? 'No such campaign' : 'Report failed', message));
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, errorPage('Method not allowed', 'The dashboard is read-only.'));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    if (url.pathname === '/' || url.pathname === '/index.html') return indexPage(res);
    if (url.pathname === '/healthz') return send(res, 200, 'ok\n', 'text/plain; charset=utf-8');
    const match = /^\/campaigns\/([^/]+)\/report\.html$/.exec(url.pathname);
    if (match) return reportPage(res, decodeURIComponent(match[1]!));
    send(res, 404, errorPage('Not found', `${url.pathname} is not a dashboard page.`));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, errorPage('Dashboard error', (err as Error).message.split('\n')[0]!));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8300, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection?.close();
      ownStore?.destroy();
    },
  };
}

export async function dashboardCommand(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        prefix: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message, 'run `fairshrink dashboard --help`');
  }
  const { values } = parsed;
  if (values.help) {
    io.stdout(dashboardHelp);
    return EXIT.ok;
  }
  const port = values.port === undefined ? 8300 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port "${values.port}" is not a TCP port`, 'use a whole number from 0 to 65535');
  const limit = values.limit === undefined ? 200 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit "${values.limit}" must be a whole number ≥ 1`, 'e.g. --limit 50');
  let server: DashboardServer;
  try {
    server = await startDashboardServer({
      port,
      host: values.host ?? '127.0.0.1',
      limit,
      ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    io.stderr(
      `error: the dashboard could not listen on ${values.host ?? '127.0.0.1'}:${port}: ${(err as Error).message}`,
    );
    io.stderr(
      code === 'EADDRINUSE' ? 'hint: the port is taken; pick another with --port' : 'hint: check --host and --port',
    );
    return EXIT.failed;
  }
  io.stdout(values.json ? JSON.stringify({ url: server.url }) : `dashboard at ${server.url} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  if (!values.json) io.stdout('dashboard stopped');
  return EXIT.ok;
}
