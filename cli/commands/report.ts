// `fairshrink report <campaignId>`: render the campaign's dashboard page from what is in S3, store it as
// `<prefix>/<campaignId>/report.html`, and write it locally.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StoragePrefix } from '../../core/config/campaign.ts';
import { connectionSettings } from '../../core/config/connection.ts';
import { renderCampaignReport } from '../../core/report/index.ts';
import { ArtifactStore } from '../../core/storage/index.ts';
import { EXIT, parseCommandArgs, UsageError, type CliIo } from '../io.ts';
import { campaignIdProblem } from './campaign.ts';

export const reportHelp = `fairshrink report <campaignId> [--out <file.html>] [--prefix <prefix>] [--json]

Render a campaign's report from S3 (decision log, lineage, every evaluated step's fairness report
and gate decision) as one self-contained HTML page: charts rendered to SVG (no network needed to
view it), the gate table, the decision log and the lineage. The page is stored in S3 as
<prefix>/<campaignId>/report.html and written locally. Works on running campaigns too (the page
shows the steps evaluated so far).

  --out     where to write the page (default ./<campaignId>-report.html)
  --prefix  storage prefix of the campaign (default "campaigns", the config's storage.prefix)
  --json    print { campaignId, path, uri, sha256, bytes } instead of the path

Exit codes: 0 written, 1 S3 is unreachable, 2 bad usage or nothing stored under the campaign id.

Examples:
  fairshrink report adult-demo-3f2a9c1b
  fairshrink report adult-demo-3f2a9c1b --out /tmp/adult.html
  fairshrink report german-small-1a2b3c4d --json`;

export async function reportCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('report', argv, {
    out: { type: 'string', short: 'o' },
    prefix: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(reportHelp);
    return EXIT.ok;
  }
  const campaignId = positionals[0];
  if (campaignId === undefined || positionals.length > 1)
    throw new UsageError(
      'give exactly one campaign id',
      'fairshrink report <campaignId>; `fairshrink list` shows them',
    );
  const idProblem = campaignIdProblem(campaignId);
  if (idProblem !== undefined) throw new UsageError(idProblem, '`fairshrink list` shows the campaign ids');
  const prefix = values.prefix ?? 'campaigns';
  const prefixCheck = StoragePrefix.safeParse(prefix);
  if (!prefixCheck.success)
    throw new UsageError(
      `--prefix "${prefix}" is not a campaign storage prefix: ${prefixCheck.error.issues[0]!.message}`,
      'e.g. --prefix campaigns',
    );
  const out = path.resolve(values.out ?? `${campaignId}-report.html`);

  const store = new ArtifactStore(connectionSettings(process.env).s3);
  try {
    let result;
    try {
      result = await renderCampaignReport(store, { campaignId, prefix, generatedAt: new Date().toISOString() });
    } catch (err) {
      const message = (err as Error).message.split('\n')[0]!;
      // Nothing stored under the id is the input's problem (a misspelt id or prefix), not a failure of S3.
      const unknown = /^no campaign /.test(message);
      io.stderr(`error: could not render the report of ${campaignId}: ${message}`);
      io.stderr(
        unknown
          ? 'hint: check the id with `fairshrink list`, and --prefix if the campaign sets storage.prefix'
          : 'hint: is S3 reachable? `fairshrink status` checks the local stack',
      );
      return unknown ? EXIT.usage : EXIT.failed;
    }
    await writeFile(out, result.html);
    io.stdout(
      values.json ? JSON.stringify({ campaignId, path: out, ...result.ref }) : `${out}\n(stored as ${result.ref.uri})`,
    );
    return EXIT.ok;
  } finally {
    store.destroy();
  }
}
