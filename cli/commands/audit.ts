// `fairshrink audit <campaignId> --out <dir>` writes everything a third party needs to check a campaign
// without trusting us: the workflow history, lineage, decision log, rubric, every gate's report and
// decision, the checkpoint list with sha256s, the dashboard, a MANIFEST.json (sha256 of every file)
// and a VERIFY.md written for this campaign. `fairshrink audit verify <dir>` re-checks the files
// against the manifest, every checkpoint and report against S3 (downloaded and hashed), every
// checkpoint against the refs recorded in the history, and replays the history against this code.
// A campaign that continued as new at milestone boundaries has one history per run: history.json
// then holds every run ({ workflowId, runs }), and verify checks refs across and replays each of them.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CampaignInput, CheckpointRef, DecisionEntry, GateStatus } from '../../core/campaign/contracts.ts';
import {
  ArtifactIntegrityError,
  ArtifactNotFoundError,
  ArtifactRef,
  parseS3Uri,
  type ArtifactStore,
} from '../../core/storage/index.ts';
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

Exit codes: audit: 0 written, 2 bad usage, no such campaign or <dir> not empty, 1 S3/Temporal failure.
verify: 0 everything checks out, 1 one or more problems (each printed), 2 bad usage or no bundle.

Examples:
  fairshrink audit german-pass-3f2a9c1d0b7e --out audit/german-pass
  fairshrink audit verify audit/german-pass
  fairshrink audit verify audit/german-pass --json | jq '.problems[]'`;

export const BUNDLE_FORMAT = 'fairshrink.audit-bundle';

export interface BundleFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface AuditManifest {
  format: typeof BUNDLE_FORMAT;
  version: 1;
  campaignId: string;
  createdAt: string;
  files: BundleFile[];
}

export interface CheckpointFile {
  /** `export/<format>/<file>` and `export/sizes.json` for the shipped export's files. */
  role: 'modelJson' | 'weightsBin' | 'masks' | 'int8' | `export/${string}`;
  uri: string;
  sha256: string;
  bytes: number;
}

export interface CheckpointEntry {
  stepKey: string;
  sparsity: number;
  parameters: number;
  nonzeros: number;
  final: boolean;
  files: CheckpointFile[];
}

export interface CheckpointList {
  campaignId: string;
  checkpoints: CheckpointEntry[];
}

interface GateRecord {
  stepKey: string;
  status: GateStatus;
  report: ArtifactRef;
  decision: ArtifactRef;
}

/** The parts of lineage.json (core/campaign/decisions.ts writeLineage) the bundle reads. */
interface Lineage {
  campaignId: string;
  status: string;
  config: { sha256: string; seed: number };
  data: { datasetId?: string; rawSha256?: string; specSha256?: string; sources: { path: string; ref: ArtifactRef }[] };
  code: CampaignInput['code'];
  environment: Record<string, unknown>;
  checkpoints: CheckpointRef[];
  gates: GateRecord[];
  finalCheckpoint?: CheckpointRef;
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const jsonText = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export function checkpointEntry(c: CheckpointRef, final: boolean): CheckpointEntry {
  const files: CheckpointFile[] = [
    { role: 'modelJson', ...c.modelJson },
    { role: 'weightsBin', ...c.weightsBin },
  ];
  if (c.masks) files.push({ role: 'masks', ...c.masks });
  if (c.int8) files.push({ role: 'int8', ...c.int8 });
  // The shipped export (docs/export.md): its files and sizes.json are checked against S3 like checkpoint files.
  if (c.export) {
    for (const f of c.export.files) files.push({ role: `export/${c.export.format}/${f.name}`, ...f.ref });
    files.push({ role: 'export/sizes.json', ...c.export.sizes });
  }
  return { stepKey: c.stepKey, sparsity: c.sparsity, parameters: c.parameters, nonzeros: c.nonzeros, final, files };
}

/** `<sha256>  <stepKey>/<role>` lines: campaign-id free, so two runs of one config diff line by line. */
export function checkpointSumsText(list: CheckpointList): string {
  return list.checkpoints.flatMap((c) => c.files.map((f) => `${f.sha256}  ${c.stepKey}/${f.role}\n`)).join('');
}

/** Checkpoints of a campaign without lineage (it failed before writing one): the refs in its decision log. */
function checkpointsFromDecisions(entries: DecisionEntry[]): CheckpointRef[] {
  const byStep = new Map<string, CheckpointRef>();
  for (const e of entries)
    if (e.checkpoint && !byStep.has(e.checkpoint.stepKey)) byStep.set(e.checkpoint.stepKey, e.checkpoint);
  return [...byStep.values()];
}

/** Gate records without lineage: every `<step>/gate/gate.json` under the campaign, with the report it names. */
async function gatesFromStore(store: ArtifactStore, prefix: string): Promise<GateRecord[]> {
  const records: GateRecord[] = [];
  for (const { key } of await store.list(`${prefix}/`)) {
    if (!key.endsWith('/gate/gate.json')) continue;
    const { bytes, ref } = await store.getByKey(key);
    const file = JSON.parse(new TextDecoder().decode(bytes)) as {
      report: ArtifactRef;
      decision: { status: GateStatus };
    };
    const stepKey = key.slice(prefix.length + 1, -'/gate/gate.json'.length);
    records.push({ stepKey, status: file.decision.status, report: file.report, decision: ref });
  }
  return records;
}

async function optionalObject(store: ArtifactStore, key: string): Promise<Uint8Array | undefined> {
  try {
    return (await store.getByKey(key)).bytes;
  } catch (err) {
    if (err instanceof ArtifactNotFoundError) return undefined;
    throw err;
  }
}

export interface AuditSummary {
  campaignId: string;
  dir: string;
  status: string;
  files: BundleFile[];
  warnings: string[];
}

/** Writes the bundle; returns its files (with sha256) and what could not be included. */
export async function writeAuditBundle(
  c: CampaignClient,
  store: ArtifactStore,
  campaignId: string,
  dir: string,
): Promise<AuditSummary> {
  const { handle, description } = await describeCampaign(c, campaignId);
  const input = await campaignInputOf(c, campaignId);
  const prefix = campaignPrefix(input);
  const warnings: string[] = [];
  const written: BundleFile[] = [];
  const put = async (relative: string, content: Uint8Array | string) => {
    const file = path.join(dir, ...relative.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    const bytes = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
    written.push({ path: relative, sha256: sha256(content), bytes });
  };

  const status = description.status.name;
  if (status === 'RUNNING') warnings.push('the campaign is still running: this bundle is a snapshot of it so far');
  let result: CampaignResult | null = null;
  let failure: string | null = null;
  if (status === 'COMPLETED') result = await handle.result();
  else if (status !== 'RUNNING') failure = await handle.result().then(() => null, closedReason);

  const runs = await exportRuns(c, campaignId);
  await put('history.json', historyFileText(storedHistory(campaignId, runs)));

  const lineageBytes = await optionalObject(store, `${prefix}/lineage.json`);
  let lineage: Lineage | undefined;
  if (lineageBytes) {
    await put('lineage.json', lineageBytes);
    lineage = JSON.parse(new TextDecoder().decode(lineageBytes)) as Lineage;
  } else {
    warnings.push(
      `no lineage.json in S3 (${store.uriOf(`${prefix}/lineage.json`)}): checkpoints come from the decision log`,
    );
  }
  const decisions = await readDecisionLog(store, input);
  await put('decisions.jsonl', decisions.text);
  await put('rubric.json', jsonText(input.rubric));
  await put('config.json', jsonText(input.config));
  await put('result.json', jsonText({ campaignId, status: status.toLowerCase(), result, failure }));

  const gates = lineage ? lineage.gates : await gatesFromStore(store, prefix);
  for (const g of gates) {
    await put(`reports/${g.stepKey}/report.json`, await store.get(g.report));
    await put(`reports/${g.stepKey}/gate.json`, await store.get(g.decision));
  }

  const finalKey = lineage?.finalCheckpoint?.stepKey ?? result?.final.checkpoint.stepKey;
  const checkpoints: CheckpointList = {
    campaignId,
    checkpoints: (lineage ? lineage.checkpoints : checkpointsFromDecisions(decisions.entries)).map((cp) =>
      checkpointEntry(cp, cp.stepKey === finalKey),
    ),
  };
  await put('checkpoints.json', jsonText(checkpoints));
  await put('checkpoints.sha256', checkpointSumsText(checkpoints));

  const dashboard = await optionalObject(store, `${prefix}/report.html`);
  if (dashboard) await put('report.html', dashboard);
  else warnings.push(`no dashboard in S3 (${store.uriOf(`${prefix}/report.html`)})`);

  await put(
    'VERIFY.md',
    verifyGuide({
      campaignId,
      status: status.toLowerCase(),
      reason: result?.reason ?? failure ?? 'still running',
      input,
      lineage,
      gates,
      checkpoints,
      decisions: decisions.entries,
      runIds: runs.map((r) => r.runId),
      files: [...written.map((f) => f.path), 'VERIFY.md', 'SHA256SUMS', 'MANIFEST.json'],
      bucket: store.bucket,
    }),
  );
  await put('SHA256SUMS', written.map((f) => `${f.sha256}  ${f.path}\n`).join(''));
  const manifest: AuditManifest = {
    format: BUNDLE_FORMAT,
    version: 1,
    campaignId,
    createdAt: new Date().toISOString(),
    files: [...written],
  };
  await writeFile(path.join(dir, 'MANIFEST.json'), jsonText(manifest));
  return { campaignId, dir, status: status.toLowerCase(), files: manifest.files, warnings };
}

interface GuideFacts {
  campaignId: string;
  status: string;
  reason: string;
  input: CampaignInput;
  lineage: Lineage | undefined;
  gates: GateRecord[];
  checkpoints: CheckpointList;
  decisions: DecisionEntry[];
  /** The workflow runs in history.json, oldest first (more than one when the campaign continued as new). */
  runIds: string[];
  files: string[];
  bucket: string;
}

/** VERIFY.md: the commands that check or re-create each result of this campaign, with its own ids and hashes. */
export function verifyGuide(f: GuideFacts): string {
  const { input } = f;
  const code = input.code;
  const env = f.lineage?.environment ?? {};
  const dir = '<this folder>';
  const rerunId = `${input.config.name}-rerun`;
  const lines: string[] = [];
  const add = (...more: string[]) => lines.push(...more);
  add(
    `# Verifying campaign ${f.campaignId}`,
    '',
    `Status: **${f.status}** (${f.reason}).`,
    '',
    '| What | Value |',
    '| --- | --- |',
    `| Campaign id | \`${f.campaignId}\` |`,
    `| Config name | \`${input.config.name}\` |`,
    `| Config sha256 (of config.json as canonical JSON: keys sorted, no spaces) | \`${input.configSha256}\` |`,
    `| Root seed | \`${input.config.seed}\` |`,
    `| Code | git commit \`${code.gitCommit ?? 'unknown'}\`${code.gitDirty ? ' (**dirty working tree**: uncommitted changes were present)' : code.gitDirty === false ? ' (clean)' : ''} |`,
    `| package-lock.json sha256 | \`${code.lockfileSha256 ?? 'unknown'}\` |`,
    `| Data set | id \`${f.lineage?.data.datasetId ?? 'unknown'}\`, raw sha256 \`${f.lineage?.data.rawSha256 ?? 'unknown'}\`, spec sha256 \`${f.lineage?.data.specSha256 ?? 'unknown'}\` |`,
    `| Backend | ${String(env.backend ?? 'unknown')} (tfjs ${String(env.tfjsVersion ?? 'unknown')}), Node ${String(env.node ?? 'unknown')}, ${String(env.platform ?? '?')}/${String(env.arch ?? '?')}, ${String(env.cpuModel ?? 'unknown CPU')} |`,
    `| Artifacts | S3 bucket \`${f.bucket}\`, prefix \`${campaignPrefix(input)}/\` |`,
    '',
    'Run the commands below from a checkout of the fairshrink repository, with `TEMPORAL_ADDRESS`,',
    '`TEMPORAL_NAMESPACE`, `FAIRSHRINK_S3_ENDPOINT`, `FAIRSHRINK_S3_BUCKET` and AWS credentials pointing at',
    "the campaign's Temporal namespace and S3 bucket (`fairshrink up` for the local stack).",
    '',
    '## 1. Check this bundle and the artifacts in S3',
    '',
    '```sh',
    `fairshrink audit verify ${dir}`,
    '```',
    '',
    'It re-hashes every file against `MANIFEST.json` (a changed, missing or extra file is named), downloads',
    `every checkpoint file in \`checkpoints.json\` (${f.checkpoints.checkpoints.reduce((n, c) => n + c.files.length, 0)} objects) and every gate report and decision`,
    '(from `lineage.json`) and compares their sha256 (a changed or missing object is named by its s3:// uri),',
    `checks that each checkpoint appears with the same sha256 in the workflow history${f.runIds.length > 1 ? ' (in every run that records it)' : ''}, and replays the`,
    `history${f.runIds.length > 1 ? ` (each of its ${f.runIds.length} runs)` : ''}. Exit code 0 means every check passed. Without fairshrink, the files alone:`,
    '',
    '```sh',
    `cd ${dir} && sha256sum -c SHA256SUMS`,
    '```',
    '',
    '## 2. Replay the workflow history against the code',
    '',
    '```sh',
    `git checkout ${code.gitCommit ?? '<commit>'}   # the code the campaign ran with`,
    'npm ci',
    `fairshrink replay ${dir}/history.json`,
    '```',
    '',
    'Exit code 0: the workflow code makes exactly the decisions recorded in the history (which step ran',
    'when, with which inputs, and what it returned). Replaying against a later commit tells whether that',
    'commit can still run or resume this campaign.',
    '',
  );
  if (f.runIds.length > 1) {
    add(
      `The campaign continued as new at milestone boundaries, so its history is ${f.runIds.length} runs, oldest first,`,
      '`history.json` holding `{ workflowId, runs: [{ runId, history }, ...] }`. `fairshrink replay` replays',
      'every run and names the run that does not replay:',
      '',
      ...f.runIds.map((runId, i) => `${i + 1}. \`${runId}\``),
      '',
    );
  }
  add(
    '## 3. Re-run the campaign and compare checkpoints',
    '',
    `The same config (sha256 \`${input.configSha256}\`), seed \`${input.config.seed}\`, code and backend on the same machine give`,
    'byte-identical checkpoints. `config.json` is the config exactly as the workflow received it; its',
    `\`dataset\` entry (\`${input.config.dataset}\`) is relative to the folder of the original campaign file${typeof input.config.rubric === 'string' ? `, as is \`rubric\` (\`${input.config.rubric}\`)` : ''},`,
    'so copy it there (or change the path: the config hash then changes, the checkpoints do not). Check the',
    `data first: each source file's sha256 must be the one in \`lineage.json\` → \`data.sources\`${f.lineage ? ` (${f.lineage.data.sources.map((s) => `\`${s.path}\` \`${s.ref.sha256}\``).join(', ')})` : ''}.`,
    '',
    '```sh',
    `git checkout ${code.gitCommit ?? '<commit>'} && npm ci`,
    `sha256sum package-lock.json        # expect ${code.lockfileSha256 ?? 'the lockfile sha256 above'}`,
    `FAIRSHRINK_TFJS_BACKEND=${String(env.backend ?? 'wasm')} fairshrink worker &`,
    `fairshrink run <folder of the campaign file>/config.json --id ${rerunId} --watch`,
    `fairshrink audit ${rerunId} --out rerun`,
    `diff ${dir}/checkpoints.sha256 rerun/checkpoints.sha256 && echo "identical checkpoints"`,
    '```',
    '',
    '`checkpoints.sha256` lists every checkpoint file as `<sha256>  <step>/<file>` without the campaign id,',
    'so an identical re-run gives an identical file. (Without `--id`, `fairshrink run` would attach to the',
    `campaign id \`${input.config.name}-${input.configSha256.slice(0, 12)}\` instead of starting a new one.)`,
    '',
    '## 4. Where each number in the decision log comes from',
    '',
    '- **Metrics** (accuracy, worst-group accuracy, max excess accuracy gap ψ, equalized odds and demographic',
    "  parity differences) in a gate entry's `summary` are read from that step's `reports/<step>/report.json`",
    '  (core/campaign/summary.ts `summarizeReport`); the report is the fairness evaluation of the checkpoint on',
    `  the \`${input.config.evaluation.split}\` split with ${input.config.evaluation.bootstrap} bootstrap resamples (docs/fairness.md defines every metric).`,
    '- **Gate verdicts** and the per-constraint reasons are `reports/<step>/gate.json`: `rubric.json` applied to',
    '  `report.json` by core/fairness/gate.ts `decideGate` (the baseline uses only the absolute constraints).',
    "- **Sparsity** (achieved) is the checkpoint's global sparsity of the prunable weights, from its pruning masks",
    '  (`masks.bin`), recorded with the checkpoint in `checkpoints.json`;',
    "  the target sparsity comes from the schedule in `config.json` (or a review's `adjust`).",
    '- **Seeds**: every step draws from `deriveSeed(seed, stepKey, purpose)`; `lineage.json` → `seedTree` lists them.',
    '',
  );
  if (f.gates.length > 0) {
    add('| Decision | Step | Gate | Report | Gate decision |', '| --- | --- | --- | --- | --- |');
    for (const g of f.gates) {
      const entry = f.decisions.find(
        (d) =>
          d.gate !== undefined &&
          (d.checkpoint?.stepKey === g.stepKey || d.checkpoint?.stepKey.startsWith(`${g.stepKey}/`) === true),
      );
      add(
        `| ${entry ? `#${entry.seq} ${entry.kind}` : '-'} | \`${g.stepKey}\` | ${g.status} | \`reports/${g.stepKey}/report.json\` | \`reports/${g.stepKey}/gate.json\` |`,
      );
    }
    add('');
  }
  add('## Files', '', ...f.files.map((file) => `- \`${file}\``), '');
  return lines.join('\n');
}

// ---------------------------------------------------------------- verify

export interface VerifyReport {
  dir: string;
  ok: boolean;
  problems: string[];
  checked: { files: number; objects: number; replayed: boolean };
}

async function listFiles(root: string, sub = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(root, sub), { withFileTypes: true })) {
    const relative = sub ? `${sub}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(root, relative)));
    else out.push(relative);
  }
  return out;
}

/** Every ArtifactRef in the JSON payloads (inputs, results, heartbeats) of a history in Temporal JSON. */
export function refsInHistory(history: unknown): Map<string, ArtifactRef> {
  const refs = new Map<string, ArtifactRef>();
  const visitValue = (value: unknown) => {
    if (value === null || typeof value !== 'object') return;
    const ref = ArtifactRef.safeParse(value);
    if (ref.success) refs.set(ref.data.uri, ref.data);
    for (const child of Object.values(value as Record<string, unknown>)) visitValue(child);
  };
  const visitProto = (node: unknown) => {
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (typeof record.data === 'string' && record.metadata !== undefined) {
      try {
        visitValue(JSON.parse(Buffer.from(record.data, 'base64').toString('utf8')));
      } catch {
        // A binary or non-JSON payload: no refs in it.
      }
      return;
    }
    for (const child of Object.values(record)) visitProto(child);
  };
  visitProto(history);
  return refs;
}

async function readJson<T>(dir: string, file: string, problems: string[]): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, file), 'utf8')) as T;
  } catch (err) {
    problems.push(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return undefined;
  }
}

/** Re-checks a bundle; `storeFor(bucket)` gives a store for the bucket an s3:// uri names. */
export async function verifyAuditBundle(
  dir: string,
  storeFor: (bucket: string) => ArtifactStore,
  log: (line: string) => void = () => {},
): Promise<VerifyReport> {
  const problems: string[] = [];
  const checked = { files: 0, objects: 0, replayed: false };
  let manifestText: string;
  try {
    manifestText = await readFile(path.join(dir, 'MANIFEST.json'), 'utf8');
  } catch {
    throw new UsageError(
      `${dir} has no MANIFEST.json: not an audit bundle`,
      'write one with `fairshrink audit <campaignId> --out <dir>`',
    );
  }
  const manifest = JSON.parse(manifestText) as AuditManifest;
  if (manifest.format !== BUNDLE_FORMAT)
    throw new UsageError(
      `${dir}/MANIFEST.json is not a fairshrink audit manifest`,
      'write one with `fairshrink audit`',
    );

  // 1. files against the manifest
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const file of manifest.files) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(dir, ...file.path.split('/')));
    } catch {
      problems.push(`missing file: ${file.path}`);
      continue;
    }
    checked.files += 1;
    const actual = sha256(bytes);
    if (actual !== file.sha256 || bytes.byteLength !== file.bytes) {
      problems.push(`changed file: ${file.path} (sha256 ${actual}, MANIFEST.json says ${file.sha256})`);
    }
  }
  for (const file of await listFiles(dir)) {
    if (file !== 'MANIFEST.json' && !listed.has(file)) problems.push(`file not in MANIFEST.json: ${file}`);
  }
  log(`files: ${checked.files} checked against MANIFEST.json`);

  // 2. checkpoints and gate artifacts against S3, and checkpoints against the refs of every run's history
  const stored = await readJson<unknown>(dir, 'history.json', problems);
  const historyText = stored === undefined ? undefined : JSON.stringify(stored);
  const parsedHistory = historyText === undefined ? undefined : parseHistoryRuns(historyText, `${dir}/history.json`);
  // Every run's record of a uri is checked (a run carries earlier checkpoints' refs into the next one).
  const historyRefs = new Map<string, { ref: ArtifactRef; run: string }[]>();
  parsedHistory?.runs.forEach((run, i) => {
    for (const [uri, ref] of refsInHistory(run.history)) {
      const seen = historyRefs.get(uri) ?? [];
      seen.push({ ref, run: runLabel(parsedHistory.runs, i) });
      historyRefs.set(uri, seen);
    }
  });
  const objects: { label: string; ref: ArtifactRef }[] = [];
  const checkpointList = await readJson<CheckpointList>(dir, 'checkpoints.json', problems);
  for (const cp of checkpointList?.checkpoints ?? []) {
    for (const file of cp.files) {
      const ref = { uri: file.uri, sha256: file.sha256, bytes: file.bytes };
      objects.push({ label: `checkpoint ${cp.stepKey} ${file.role}`, ref });
      if (!parsedHistory) continue;
      const recorded = historyRefs.get(file.uri) ?? [];
      if (recorded.length === 0)
        problems.push(`checkpoint ${cp.stepKey} ${file.role}: ${file.uri} is not in history.json`);
      for (const { ref: r, run } of recorded) {
        if (r.sha256 !== file.sha256)
          problems.push(
            `checkpoint ${cp.stepKey} ${file.role}: ${file.uri} has sha256 ${r.sha256} in history.json${run ? ` ${run}` : ''}, ${file.sha256} in checkpoints.json`,
          );
      }
    }
  }
  if (listed.has('lineage.json')) {
    const lineage = await readJson<Lineage>(dir, 'lineage.json', problems);
    for (const g of lineage?.gates ?? []) {
      objects.push(
        { label: `gate report ${g.stepKey}`, ref: g.report },
        { label: `gate decision ${g.stepKey}`, ref: g.decision },
      );
    }
  }
  for (const { label, ref } of objects) {
    try {
      await storeFor(parseS3Uri(ref.uri).bucket).get(ref);
      checked.objects += 1;
    } catch (err) {
      if (err instanceof ArtifactIntegrityError)
        problems.push(
          `changed in S3: ${ref.uri} (${label}): ${err.message.split(': ').slice(1).join(': ').split('. ')[0]}`,
        );
      else if (err instanceof ArtifactNotFoundError) problems.push(`missing in S3: ${ref.uri} (${label})`);
      else problems.push(`cannot check ${ref.uri} (${label}): ${(err as Error).message.split('\n')[0]}`);
    }
  }
  log(`S3: ${checked.objects} of ${objects.length} objects match their sha256`);

  // 3. replay every run
  if (parsedHistory) {
    const { runs, workflowId } = parsedHistory;
    const outcomes = await replayRuns(runs, workflowId);
    checked.replayed = outcomes.every((o) => o.deterministic);
    outcomes.forEach((o, i) => {
      if (o.deterministic) return;
      const label = runLabel(runs, i);
      problems.push(
        `history.json${label ? ` ${label}` : ''} does not replay against this code: ${o.message.split('\n')[0]}`,
      );
    });
    if (checked.replayed) {
      const events = outcomes.reduce((n, o) => n + o.events, 0);
      log(`history: ${events} events${runs.length > 1 ? ` in ${runs.length} runs` : ''} replay deterministically`);
    }
  }
  return { dir, ok: problems.length === 0, problems, checked };
}

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
        const report = await verifyAuditBundle(dir, storeFor, values.json ? undefined : (line) => io.stdout(line));
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
        const summary = await writeAuditBundle(c, store, campaignId, out);
        if (values.json) io.stdout(JSON.stringify(summary, null, 2));
        else {
          for (const warning of summary.warnings) io.stderr(`warning: ${warning}`);
          io.stdout(
            `wrote the audit bundle of ${campaignId} (${summary.status}) to ${out}: ${summary.files.length} files and MANIFEST.json`,
          );
          io.stdout(`check it with: fairshrink audit verify ${out}   (VERIFY.md says what else to run)`);
        }
        return EXIT.ok;
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
