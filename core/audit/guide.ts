// VERIFY.md of an audit bundle: the commands that check or re-create each result of one campaign, written with
// that campaign's own ids, hashes and environment.
import type { CampaignInput, DecisionEntry } from '../campaign/contracts.ts';
import type { CheckpointList, GateRecord, Lineage } from './manifest.ts';

export interface GuideFacts {
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
  /** The campaign's folder in the bucket: `<storage prefix>/<campaignId>`. */
  prefix: string;
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
    `| Artifacts | S3 bucket \`${f.bucket}\`, prefix \`${f.prefix}/\` |`,
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
    'so an identical re-run gives an identical file. (Without `--id`, `fairshrink run` derives the id from the',
    `config and the data's contents (\`${input.config.name}-<hash>\`) and would attach to an existing campaign with that id.)`,
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
