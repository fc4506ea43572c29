// `fairshrink audit <campaignId> --out <dir>` writes everything a third party needs to check a campaign
// without trusting us: the workflow history, lineage, decision log, rubric, every gate's report and
// decision, the checkpoint list with sha256s, the dashboard, a MANIFEST.json (sha256 of every file)
// and a VERIFY.md written for this campaign. `fairshrink audit verify <dir>` re-checks the files
// against the manifest, every checkpoint and report against S3 (downloaded and hashed), every
// checkpoint against the refs recorded in the history, and replays the history against this code.
// A campaign that continued as new at milestone boundaries has one history per run: history.json
// then holds every run ({ workflowId, runs }), and verify checks refs across and replays each of them.
// The bundle itself (writer, verifier, formats) is core/audit; this command gathers what Temporal knows.
import { mkdir, readdir, stat } from 'node:fs/promises';
import {
  AuditBundleError,
  verifyAuditBundle,
  writeAuditBundle,
  type BundleHistory,
  type CampaignSnapshot,
} from '../../core/audit/index.ts';
import { ArtifactIntegrityError, ArtifactNotFoundError, type ArtifactStore } from '../../core/storage/index.ts';
import type { CampaignResult } from '../../workflows/campaign.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';
import {
  CampaignCommandError,
  campaignIdArgument,
  campaignInputOf,
  campaignPrefix,
  commonFlags,
  describeCampaign,
  openStore,
  parseCommandArgs,
  readDecisionLog,
  reportingFailures,
  withCampaignClient,
  type CampaignClient,
  type CommandContext,
} from './campaign.ts';
import { closedReason } from './campaign-status.ts';
import { exportRuns, historyFileText, parseHistoryRuns, replayRuns, runLabel, storedHistory } from './history.ts';
import { installRuntime } from '../../workers/worker.ts';
import { connectionSettings } from '../../core/config/connection.ts';

export const auditHelp = `fairshrink audit <campaignId> --out <dir> [--json]
fairshrink audit verify <dir> [--json]

audit: write the campaign's audit bundle into <dir> (a new or empty folder):
  history.json          the workflow history ({ workflowId, history }, Temporal JSON), or every run's
                        ({ workflowId, runs: [{ runId, history }, ...] }) when it continued as new
  lineage.json          config/data/code hashes, seed tree, environment, checkpoints, gates
  decisions.jsonl       the decision log, one JSON object per line
  rubric.json           the fairness rubric the gates applied
  config.json           the campaign config as the workflow received it (re-run with \`fairshrink run\`)
  result.json           how the campaign ended (result or failure)
  reports/<step>/report.json, gate.json   every gate's fairness report and decision
  checkpoints.json      every checkpoint in lineage: each file's s3 uri, sha256 and bytes
  checkpoints.sha256    the same as "<sha256>  <step>/<file>" lines, to diff against a re-run
  report.html           the dashboard, when the campaign has one in S3
  VERIFY.md             which commands re-create or check each result, for this campaign
  SHA256SUMS            \`sha256sum -c SHA256SUMS\` checks the files with coreutils alone
  MANIFEST.json         sha256 and size of every file above

audit verify: re-check a bundle. Every file against MANIFEST.json (a changed, missing or unlisted
file is named), every checkpoint and gate report against S3 (downloaded and hashed; a changed or
missing object is named), every checkpoint against the refs in history.json (every run), and every run
in history.json replayed against this checkout's workflow code. One line per problem.

Exit codes: audit: 0 written and every object the campaign references (data set files, imported model,
checkpoints, gate reports and decisions) downloaded and matching its recorded sha256; 1 one of them
changed or gone (each named by its key, on stderr; the bundle is still written) or an S3/Temporal
failure; 2 bad usage, no such campaign or <dir> not empty.
verify: 0 everything checks out, 1 one or more problems (each printed), 2 bad usage or no bundle.

Examples:
  fairshrink audit german-pass-3f2a9c1d0b7e --out audit/german-pass
  fairshrink audit verify audit/german-pass
  fairshrink audit verify audit/german-pass --json | jq '.problems[]'`;

/** What Temporal knows about the campaign, and its decision log: the writer's input. */
async function campaignSnapshot(
  c: CampaignClient,
  store: ArtifactStore,
  campaignId: string,
): Promise<CampaignSnapshot> {
  const { handle, description } = await describeCampaign(c, campaignId);
  const input = await campaignInputOf(c, campaignId);
  const status = description.status.name;
  let result: CampaignResult | null = null;
  let failure: string | null = null;
  if (status === 'COMPLETED') result = await handle.result();
  else if (status !== 'RUNNING') failure = await handle.result().then(() => null, closedReason);
  const runs = await exportRuns(c, campaignId);
  return {
    campaignId,
    input,
    prefix: campaignPrefix(input),
    status,
    result,
    failure,
    historyText: historyFileText(storedHistory(campaignId, runs)),
    runIds: runs.map((r) => r.runId),
    decisions: await readDecisionLog(store, input),
  };
}

/** history.json is read and replayed by the `history`/`replay` commands' own functions. */
const bundleHistory: BundleHistory = { parse: parseHistoryRuns, label: runLabel, replay: replayRuns };

async function emptyOrNew(dir: string): Promise<void> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new UsageError(`--out ${dir} is a file`, 'give a new or empty folder');
    if ((await readdir(dir)).length > 0) {
      throw new UsageError(
        `--out ${dir} is not empty`,
        'give a new or empty folder, so no stale file mixes into the bundle',
      );
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dir, { recursive: true });
}

export async function auditCommand(argv: string[], io: CliIo, context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('audit', argv, {
    ...commonFlags,
    out: { type: 'string', short: 'o' },
  });
  if (values.help) {
    io.stdout(auditHelp);
    return EXIT.ok;
  }
  if (positionals[0] === 'verify') {
    const dir = positionals[1];
    if (dir === undefined || positionals.length > 2)
      throw new UsageError('audit verify needs exactly one bundle folder', 'fairshrink audit verify <dir>');
    return reportingFailures(io, context, async () => {
      installRuntime(context.verbose ? 'INFO' : 'WARN');
      const settings = connectionSettings(process.env);
      const stores = new Map<string, ArtifactStore>();
      const storeFor = (bucket: string) => {
        let store = stores.get(bucket);
        if (!store) stores.set(bucket, (store = openStore(settings, bucket)));
        return store;
      };
      try {
        const report = await verifyAuditBundle(
          dir,
          storeFor,
          bundleHistory,
          values.json ? undefined : (line) => io.stdout(line),
        ).catch((err: unknown) => {
          throw err instanceof AuditBundleError ? new UsageError(err.message, err.hint) : err;
        });
        if (values.json) io.stdout(JSON.stringify(report, null, 2));
        else {
          for (const problem of report.problems) io.stderr(`problem: ${problem}`);
          io.stdout(
            report.ok
              ? `audit bundle ${dir} verified: ${report.checked.files} files, ${report.checked.objects} S3 objects, history replayed`
              : `audit bundle ${dir}: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`,
          );
        }
        return report.ok ? EXIT.ok : EXIT.failed;
      } finally {
        for (const store of stores.values()) store.destroy();
      }
    });
  }
  const campaignId = campaignIdArgument('audit', positionals, 'fairshrink audit <campaignId> --out <dir>');
  if (values.out === undefined)
    throw new UsageError('audit needs --out <dir>', `fairshrink audit ${campaignId} --out audit/${campaignId}`);
  const out = values.out;
  return reportingFailures(io, context, () =>
    withCampaignClient(async (c) => {
      await emptyOrNew(out);
      const store = openStore(c.settings);
      try {
        const summary = await writeAuditBundle(await campaignSnapshot(c, store, campaignId), store, out);
        if (values.json) io.stdout(JSON.stringify(summary, null, 2));
        else {
          for (const warning of summary.warnings) io.stderr(`warning: ${warning}`);
          for (const problem of summary.problems) io.stderr(`problem: ${problem}`);
          io.stdout(
            `wrote the audit bundle of ${campaignId} (${summary.status}) to ${out}: ${summary.files.length} files and MANIFEST.json`,
          );
          if (summary.problems.length > 0) {
            io.stderr(
              `error: ${summary.problems.length} S3 object${summary.problems.length === 1 ? '' : 's'} of ${campaignId} changed or gone since the campaign wrote ${summary.problems.length === 1 ? 'it' : 'them'} (named above); the bundle records the sha256 the campaign wrote`,
            );
          } else {
            io.stdout(`check it with: fairshrink audit verify ${out}   (VERIFY.md says what else to run)`);
          }
        }
        return summary.problems.length === 0 ? EXIT.ok : EXIT.failed;
      } catch (err) {
        if (err instanceof ArtifactIntegrityError || err instanceof ArtifactNotFoundError) {
          throw new CampaignCommandError(
            `an artifact of ${campaignId} does not match its recorded sha256 or is gone: ${err.message.split('\n')[0]}`,
            'the S3 object was changed or deleted after the campaign wrote it; the bundle is incomplete',
          );
        }
        throw err;
      } finally {
        store.destroy();
      }
    }),
  );
}
