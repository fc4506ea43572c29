// How the fault suite decides "lost" and "diverged" (docs/reliability.md), as code:
// - lost: an object that the workflow history, the decision log, the lineage or the result references is missing
//   in S3, or its bytes no longer hash to the sha256 recorded for it;
// - diverged: the disturbed campaign's outcome differs from the undisturbed reference run's in what must be equal
//   (digestOf: status, gate statuses and metrics, every checkpoint's and export file's sha256, the decision log's
//   sequence and contents, the lineage's checkpoint table and gates). Campaign ids differ by construction and are
//   replaced by "<id>"; how a fine-tuning resumed ("resumed at epoch n") is the one thing a recovery may change.
import type { ArtifactRef, DecisionEntry } from '../../core/campaign/contracts.ts';
import { canonicalJson } from '../../core/data/hash.ts';
import { refsIn } from '../../core/storage/layout.ts';
import { ArtifactIntegrityError, ArtifactNotFoundError, type ArtifactStore } from '../../core/storage/index.ts';

/**
 * Objects rewritten by design, whose older refs in a history are legitimately stale: epoch checkpoints (scratch a
 * retried step resumes from), wall-clock latency files, and the views regenerated as the campaign proceeds.
 */
const MUTABLE = [
  /\/progress\/epoch-\d+\.bin$/,
  /\/latency\.json$/,
  /\/lineage\.json$/,
  /\/decisions\.jsonl$/,
  /\/rejected\.json$/,
  /\/report\.html$/,
];

export const isMutableKey = (uri: string): boolean => MUTABLE.some((m) => m.test(uri));

/** Every JSON payload of a history (activity inputs and results, local-activity markers, heartbeats), decoded. */
export function historyPayloads(history: unknown): unknown[] {
  const out: unknown[] = [];
  const decoder = new TextDecoder();
  const visit = (node: unknown) => {
    if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
    const record = node as Record<string, unknown>;
    if (record.data instanceof Uint8Array && 'metadata' in record) {
      const encoding = (record.metadata as Record<string, Uint8Array> | null)?.encoding;
      if (encoding !== undefined && decoder.decode(encoding) === 'json/plain') {
        try {
          out.push(JSON.parse(decoder.decode(record.data)));
        } catch {
          // not JSON after all: nothing to reference
        }
      }
      return;
    }
    for (const value of Object.values(record)) visit(value);
  };
  visit(history);
  return out;
}

export interface LostObject {
  uri: string;
  why: string;
}

/** The immutable objects `sources` reference that are missing or changed in S3 (each distinct ref checked once). */
export async function lostObjects(store: ArtifactStore, sources: unknown[]): Promise<LostObject[]> {
  const refs = new Map<string, ArtifactRef>();
  for (const ref of refsIn(sources)) if (!isMutableKey(ref.uri)) refs.set(`${ref.uri} ${ref.sha256}`, ref);
  const lost: LostObject[] = [];
  for (const ref of refs.values()) {
    try {
      await store.get(ref);
    } catch (err) {
      if (err instanceof ArtifactNotFoundError) lost.push({ uri: ref.uri, why: 'missing' });
      else if (err instanceof ArtifactIntegrityError)
        lost.push({ uri: ref.uri, why: `sha256 differs (${ref.sha256})` });
      else throw err;
    }
  }
  return lost;
}

interface CheckpointLike {
  stepKey?: string;
  modelJson?: ArtifactRef;
  weightsBin?: ArtifactRef;
  masks?: ArtifactRef;
  int8?: ArtifactRef;
}

const shasOf = (c: CheckpointLike | undefined) =>
  c === undefined
    ? null
    : {
        stepKey: c.stepKey ?? null,
        modelJson: c.modelJson?.sha256 ?? null,
        weightsBin: c.weightsBin?.sha256 ?? null,
        masks: c.masks?.sha256 ?? null,
        int8: c.int8?.sha256 ?? null,
      };

/** What a recovery may change in a decision message: the note that a fine-tuning resumed from an epoch checkpoint. */
const withoutResumeNote = (message: string) => message.replace(/, resumed at epoch \d+/g, '');

/** Replaces every occurrence of the campaign id, so two runs of one campaign file compare equal. */
function normalized<T>(value: T, campaignId: string): T {
  return JSON.parse(JSON.stringify(value).split(campaignId).join('<id>')) as T;
}

export interface RunRecord {
  campaignId: string;
  result: {
    status: string;
    reason: string;
    quantized: boolean;
    final: { checkpoint: CheckpointLike; milestone: number };
    baseline: { checkpoint: CheckpointLike };
    milestones: {
      milestone: number;
      attempt: number;
      status: string;
      targetSparsity: number;
      achievedSparsity: number;
      summary: unknown;
      reason: string;
    }[];
    export?: {
      format: string;
      gate: string;
      summary: unknown;
      formats: { format: string; files?: unknown }[];
      checkpoint: CheckpointLike;
    };
    heldOut?: { status: string; summary: unknown };
  };
  decisions: DecisionEntry[];
  lineage: {
    status: string;
    checkpoints: { stepKey: string; sha256: unknown }[];
    gates: { stepKey: string; status: string }[];
    finalCheckpoint?: { stepKey: string; sha256: unknown };
    seedTree: unknown;
    config: unknown;
  };
}

/** The parts of a finished campaign that a fault must not change. */
export function digestOf(run: RunRecord): Record<string, unknown> {
  const { result, decisions, lineage } = run;
  return normalized(
    {
      status: result.status,
      reason: result.reason,
      quantized: result.quantized,
      final: { milestone: result.final.milestone, checkpoint: shasOf(result.final.checkpoint) },
      baseline: shasOf(result.baseline.checkpoint),
      milestones: result.milestones.map((m) => ({
        milestone: m.milestone,
        attempt: m.attempt,
        status: m.status,
        targetSparsity: m.targetSparsity,
        achievedSparsity: m.achievedSparsity,
        reason: m.reason,
        summary: m.summary,
      })),
      export:
        result.export === undefined
          ? null
          : {
              format: result.export.format,
              gate: result.export.gate,
              summary: result.export.summary,
              shipped: shasOf(result.export.checkpoint),
              files: refsIn(result.export.formats).map((r) => r.sha256),
            },
      heldOut: result.heldOut === undefined ? null : { status: result.heldOut.status, summary: result.heldOut.summary },
      decisions: decisions.map((d) => ({
        seq: d.seq,
        kind: d.kind,
        milestone: d.milestone,
        attempt: d.attempt,
        targetSparsity: d.targetSparsity ?? null,
        gate: d.gate ?? null,
        summary: d.summary ?? null,
        checkpoint: shasOf(d.checkpoint),
        message: withoutResumeNote(d.message),
      })),
      lineage: {
        status: lineage.status,
        checkpoints: lineage.checkpoints.map((c) => ({ stepKey: c.stepKey, sha256: c.sha256 })),
        gates: lineage.gates.map((g) => ({ stepKey: g.stepKey, status: g.status })),
        finalCheckpoint:
          lineage.finalCheckpoint === undefined
            ? null
            : { stepKey: lineage.finalCheckpoint.stepKey, sha256: lineage.finalCheckpoint.sha256 },
        seedTree: lineage.seedTree,
        config: lineage.config,
      },
    },
    run.campaignId,
  );
}

/** The top-level parts (and decision seqs) in which `run` differs from `reference`; empty when none. */
export function divergences(reference: Record<string, unknown>, run: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const part of new Set([...Object.keys(reference), ...Object.keys(run)])) {
    const [a, b] = [reference[part], run[part]];
    if (canonicalJson(a) === canonicalJson(b)) continue;
    if (part === 'decisions' && Array.isArray(a) && Array.isArray(b)) {
      const n = Math.max(a.length, b.length);
      for (let i = 0; i < n; i++)
        if (canonicalJson(a[i] ?? null) !== canonicalJson(b[i] ?? null))
          out.push(`decision ${i + 1}: expected ${canonicalJson(a[i] ?? null)}, got ${canonicalJson(b[i] ?? null)}`);
    } else {
      out.push(`${part}: expected ${canonicalJson(a ?? null)}, got ${canonicalJson(b ?? null)}`);
    }
  }
  return out;
}
