// Where a campaign's decision log lives and how it is read back. Each entry is its own immutable object,
// `<prefix>/<campaignId>/decisions/<seq, 8 digits>.json`, so appending never rewrites (and never loses) what others
// wrote. `decisions.jsonl` beside it is a derived view, regenerated from the entries; campaigns written before the
// per-entry layout have only that file, and readers merge both (an entry object wins over a line with its seq).
import { canonicalJson } from '../data/hash.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { DecisionEntry } from './contracts.ts';
import { campaignDir } from '../storage/layout.ts';

/** What reading the log needs (core/storage's ArtifactStore and the report's store have it). */
export type DecisionLogStore = Pick<BlobStore, 'uriOf' | 'getByKey' | 'list'>;

/** Digits of the seq in an entry's key: zero-padded so S3's key order is seq order. */
const SEQ_DIGITS = 8;

export const decisionLogViewKey = (prefix: string, campaignId: string): string =>
  `${campaignDir(prefix, campaignId)}/decisions.jsonl`;

export function decisionEntryKey(prefix: string, campaignId: string, seq: number): string {
  if (!Number.isInteger(seq) || seq < 0 || seq >= 10 ** SEQ_DIGITS)
    throw new RangeError(`decision seq must be an integer in [0, ${10 ** SEQ_DIGITS}), got ${seq}`);
  return `${campaignDir(prefix, campaignId)}/decisions/${String(seq).padStart(SEQ_DIGITS, '0')}.json`;
}

/** The view's text: one canonical JSON object per line, in seq order. */
export const decisionLogText = (entries: readonly DecisionEntry[]): string =>
  entries.length === 0 ? '' : entries.map((e) => canonicalJson(e)).join('\n') + '\n';

function parseEntry(text: string, where: string): DecisionEntry {
  let entry: DecisionEntry;
  try {
    entry = JSON.parse(text) as DecisionEntry;
  } catch (err) {
    throw new Error(`${where} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof entry !== 'object' || entry === null || !Number.isInteger(entry.seq))
    throw new Error(`${where} is not a decision entry (no integer "seq")`);
  return entry;
}

/**
 * The whole log of a campaign in seq order, and its text as decisions.jsonl holds it; empty before the first decision.
 * Reads every entry object and, where one exists, the decisions.jsonl of a campaign written before entry objects.
 */
export async function readDecisionLog(
  store: DecisionLogStore,
  prefix: string,
  campaignId: string,
): Promise<{ entries: DecisionEntry[]; text: string }> {
  const viewKey = decisionLogViewKey(prefix, campaignId);
  const entryPrefix = `${campaignDir(prefix, campaignId)}/decisions/`;
  // One listing finds both: "<dir>/decisions" prefixes "decisions.jsonl" and "decisions/...".
  const keys = (await store.list(`${campaignDir(prefix, campaignId)}/decisions`)).map((o) => o.key);
  const bySeq = new Map<number, DecisionEntry>();
  if (keys.includes(viewKey)) {
    const text = new TextDecoder().decode((await store.getByKey(viewKey)).bytes);
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      const entry = parseEntry(line, `${store.uriOf(viewKey)} line ${i + 1}`);
      bySeq.set(entry.seq, entry);
    });
  }
  for (const key of keys) {
    if (!key.startsWith(entryPrefix) || !key.endsWith('.json')) continue;
    const entry = parseEntry(new TextDecoder().decode((await store.getByKey(key)).bytes), store.uriOf(key));
    bySeq.set(entry.seq, entry);
  }
  const entries = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  return { entries, text: decisionLogText(entries) };
}
