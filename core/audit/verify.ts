// Re-checks an audit bundle: every file against MANIFEST.json, every checkpoint and gate artifact against S3
// (downloaded and hashed), every checkpoint against the refs recorded in each run of history.json, and every run
// replayed against this checkout's workflow code. One problem per line; nothing is trusted that can be checked.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ArtifactIntegrityError, ArtifactNotFoundError, type ArtifactStore } from '../storage/artifact-store.ts';
import { parseS3Uri, type ArtifactRef } from '../storage/ref.ts';
import {
  BUNDLE_FORMAT,
  refsInHistory,
  sha256,
  type AuditManifest,
  type CheckpointList,
  type Lineage,
} from './manifest.ts';

/** Not an audit bundle (no or another manifest): a usage error, with the fix as `hint`. */
export class AuditBundleError extends Error {
  override name = 'AuditBundleError';
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** A run of a history file; runId is unknown for single-run files. */
export interface BundleHistoryRun {
  runId: string | undefined;
  history: unknown;
}

export type BundleReplayOutcome =
  { deterministic: true; events: number } | { deterministic: false; events: number; message: string };

/** How the verifier reads and replays history.json (the CLI passes cli/commands/history.ts's functions). */
export interface BundleHistory {
  parse(text: string, file: string): { workflowId: string | undefined; runs: BundleHistoryRun[] };
  /** How a run is named in problems ("run 1 of 2 (<runId>)"; "" for a single-run file). */
  label(runs: readonly BundleHistoryRun[], i: number): string;
  replay(runs: readonly BundleHistoryRun[], workflowId: string | undefined): Promise<BundleReplayOutcome[]>;
}

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

async function readJson<T>(dir: string, file: string, problems: string[]): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, file), 'utf8')) as T;
  } catch (err) {
    problems.push(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return undefined;
  }
}

/**
 * Re-checks a bundle; `storeFor(bucket)` gives a store for the bucket an s3:// uri names, `history` reads and
 * replays history.json (Temporal's side: cli/commands/history.ts).
 */
export async function verifyAuditBundle(
  dir: string,
  storeFor: (bucket: string) => ArtifactStore,
  history: BundleHistory,
  log: (line: string) => void = () => {},
): Promise<VerifyReport> {
  const problems: string[] = [];
  const checked = { files: 0, objects: 0, replayed: false };
  let manifestText: string;
  try {
    manifestText = await readFile(path.join(dir, 'MANIFEST.json'), 'utf8');
  } catch {
    throw new AuditBundleError(
      `${dir} has no MANIFEST.json: not an audit bundle`,
      'write one with `fairshrink audit <campaignId> --out <dir>`',
    );
  }
  const manifest = JSON.parse(manifestText) as AuditManifest;
  if (manifest.format !== BUNDLE_FORMAT)
    throw new AuditBundleError(
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
  const parsedHistory = historyText === undefined ? undefined : history.parse(historyText, `${dir}/history.json`);
  // Every run's record of a uri is checked (a run carries earlier checkpoints' refs into the next one).
  const historyRefs = new Map<string, { ref: ArtifactRef; run: string }[]>();
  parsedHistory?.runs.forEach((run, i) => {
    for (const [uri, ref] of refsInHistory(run.history)) {
      const seen = historyRefs.get(uri) ?? [];
      seen.push({ ref, run: history.label(parsedHistory.runs, i) });
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
    const outcomes = await history.replay(runs, workflowId);
    checked.replayed = outcomes.every((o) => o.deterministic);
    outcomes.forEach((o, i) => {
      if (o.deterministic) return;
      const label = history.label(runs, i);
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
