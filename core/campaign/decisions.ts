// What a campaign records besides checkpoints: the decision log (decisions/<seq>.json), rejection marks on candidates,
// and the lineage manifest (lineage.json) that makes a result re-creatable. Nothing here deletes anything.
import { arch, cpus, platform } from 'node:os';
import { sha256Hex } from '../data/hash.ts';
import { deriveSeed } from '../lineage/seeds.ts';
import { backendInfo } from '../model/backend.ts';
import type {
  AppendDecisionInput,
  ArtifactRef,
  BackendSummary,
  CheckpointRef,
  DecisionEntry,
  LineageInput,
  MarkRejectedInput,
} from './contracts.ts';
import { jsonBytes, parseJsonBytes, putJson } from '../storage/json.ts';
import { campaignDir, dirOfRef } from '../storage/layout.ts';
import { CampaignInputError, type StepContext } from '../step/context.ts';
import { decisionEntryKey, decisionLogViewKey, readDecisionLog } from './decision-log.ts';

/** Entries that end a campaign: appending one regenerates the decisions.jsonl view. */
const CLOSING_KINDS: ReadonlySet<DecisionEntry['kind']> = new Set(['finalize', 'stop', 'fail']);

/**
 * Appends one entry as its own immutable object, `<prefix>/<campaignId>/decisions/<seq>.json` (decision-log.ts), so
 * concurrent or retried appends cannot lose each other's entries and each append writes one entry's bytes. Idempotent
 * by seq: the same entry again changes nothing; another entry under a logged seq is refused. A closing entry (finalize,
 * stop, fail) also regenerates the derived view `decisions.jsonl` from every entry.
 */
export async function appendDecision(
  input: AppendDecisionInput,
  ctx: StepContext,
): Promise<{ ref: ArtifactRef; seq: number }> {
  const { store } = ctx;
  const { seq } = input.entry;
  if (!Number.isInteger(seq) || seq < 0)
    throw new CampaignInputError(`decision seq must be a non-negative integer, got ${seq}`);
  const key = decisionEntryKey(input.prefix, input.campaignId, seq);
  const bytes = jsonBytes(input.entry);
  const existing = await store.head(key);
  if (existing !== undefined && (existing.sha256 !== sha256Hex(bytes) || existing.bytes !== bytes.byteLength)) {
    throw new CampaignInputError(
      `decision ${seq} of ${input.campaignId} is already logged with other content at ${store.uriOf(key)}: ` +
        'a decision is never rewritten; log the new one under the next seq',
    );
  }
  const ref = await store.put(key, bytes, { contentType: 'application/json', mode: 'immutable' });
  if (CLOSING_KINDS.has(input.entry.kind)) await writeDecisionLogView(input.prefix, input.campaignId, ctx);
  return { ref, seq };
}

/** Regenerates `decisions.jsonl` (mode 'mutable': a derived view) from every logged entry. */
export async function writeDecisionLogView(prefix: string, campaignId: string, ctx: StepContext): Promise<ArtifactRef> {
  const { text } = await readDecisionLog(ctx.store, prefix, campaignId);
  return ctx.store.put(decisionLogViewKey(prefix, campaignId), new TextEncoder().encode(text), {
    contentType: 'application/x-ndjson',
    mode: 'mutable',
  });
}

interface RejectedFile {
  format: 'fairshrink.rejected';
  stepKey: string;
  candidate: CheckpointRef;
  /** Every reason given, in order (a gate failure, then perhaps a reviewer's rejection). */
  reasons: string[];
}

/**
 * Marks a candidate rejected: writes `<candidate's step folder>/rejected.json` beside its checkpoint, which stays
 * intact. A second rejection with a new reason adds it to the list; the same reason again changes nothing.
 */
export async function markRejected(input: MarkRejectedInput, ctx: StepContext): Promise<ArtifactRef> {
  const { store } = ctx;
  const root = `${campaignDir(input.prefix, input.campaignId)}/`;
  const dir = dirOfRef(store, input.candidate.modelJson);
  if (!dir.startsWith(root))
    throw new CampaignInputError(`markRejected: the candidate ${input.candidate.modelJson.uri} is not under ${root}`);
  const key = `${dir}/rejected.json`;
  let file: RejectedFile = {
    format: 'fairshrink.rejected',
    stepKey: input.candidate.stepKey,
    candidate: input.candidate,
    reasons: [],
  };
  if ((await store.head(key)) !== undefined) {
    const { bytes, ref } = await store.getByKey(key);
    file = parseJsonBytes<RejectedFile>(bytes, key);
    if (file.reasons.includes(input.reason)) return ref;
  }
  file.reasons.push(input.reason);
  return putJson(store, key, file, 'mutable');
}

/** Purposes steps pass to deriveSeed(seed, stepKey, purpose) (steps.ts). */
export const SEED_PURPOSES = [
  'init',
  'train',
  'random',
  'finetune',
  'bootstrap',
  'calibration',
  'activation-calibration',
] as const;

function environment(backend: BackendSummary | undefined): Record<string, unknown> {
  let active: BackendSummary | undefined = backend;
  if (active === undefined) {
    try {
      const { fallbackReason: _fallbackReason, ...info } = backendInfo();
      active = info;
    } catch {
      active = undefined; // No tfjs backend in this process (e.g. a storage-only worker).
    }
  }
  const cpuList = cpus();
  return {
    node: process.version,
    tfjsVersion: active?.tfjsVersion ?? null,
    backend: active?.backend ?? null,
    threads: active?.threads ?? null,
    simd: active?.simd ?? null,
    // Checkpoints are byte-identical only on the same backend (and TensorFlow build): lineage says which.
    ...(active?.tensorflowVersion === undefined ? {} : { tensorflowVersion: active.tensorflowVersion }),
    ...(active?.device === undefined ? {} : { device: active.device }),
    platform: platform(),
    arch: arch(),
    cpuModel: cpuList[0]?.model.trim() ?? null,
    cpuCount: cpuList.length,
  };
}

function checkpointLineage(c: CheckpointRef): Record<string, unknown> {
  return {
    stepKey: c.stepKey,
    modelJson: c.modelJson,
    weightsBin: c.weightsBin,
    ...(c.masks === undefined ? {} : { masks: c.masks }),
    ...(c.int8 === undefined ? {} : { int8: c.int8 }),
    ...(c.export === undefined ? {} : { export: c.export }),
    sha256: {
      modelJson: c.modelJson.sha256,
      weightsBin: c.weightsBin.sha256,
      ...(c.masks === undefined ? {} : { masks: c.masks.sha256 }),
      ...(c.int8 === undefined ? {} : { int8: c.int8.sha256 }),
    },
    sparsity: c.sparsity,
    parameters: c.parameters,
    nonzeros: c.nonzeros,
  };
}

/**
 * Writes `<prefix>/<campaignId>/lineage.json` (mode 'mutable', rewritten as the campaign proceeds): config, data,
 * spec, code and lockfile hashes; the seed tree (every step key with the seeds its purposes derive); the environment;
 * every checkpoint's sha256; every gate with its report and decision refs; the held-out verdict, once judged. No timestamps, so equal campaigns on one
 * machine write equal lineage apart from their ids.
 */
export async function writeLineage(input: LineageInput, ctx: StepContext): Promise<ArtifactRef> {
  const { campaign } = input;
  const config = campaign.config;
  const prefix = config.storage.prefix;
  const stepKeys = [
    ...new Set([
      ...input.checkpoints.map((c) => c.stepKey),
      ...input.gates.map((g) => g.stepKey),
      ...(input.finalCheckpoint === undefined ? [] : [input.finalCheckpoint.stepKey]),
      ...(input.heldOut === undefined ? [] : [input.heldOut.stepKey]),
    ]),
  ].sort();
  const lineage = {
    format: 'fairshrink.lineage',
    version: 1,
    campaignId: campaign.campaignId,
    name: config.name,
    status: input.status,
    config: { sha256: campaign.configSha256, seed: config.seed },
    data: {
      spec: campaign.datasetSpec,
      sources: campaign.datasetSources,
      ...(input.dataset === undefined
        ? {}
        : {
            datasetId: input.dataset.datasetId,
            rawSha256: input.dataset.rawSha256,
            specSha256: input.dataset.specSha256,
            encoded: input.dataset.encoded,
            rows: input.dataset.rows,
            features: input.dataset.features,
            // An image data set's row shape [height, width, channels]; CSV lineages stay as they were.
            ...(input.dataset.inputShape === undefined ? {} : { inputShape: input.dataset.inputShape }),
            ...(input.dataset.filter === undefined ? {} : { filter: input.dataset.filter }),
          }),
    },
    ...(campaign.importedModel === undefined ? {} : { importedModel: campaign.importedModel }),
    code: campaign.code,
    seedTree: {
      root: config.seed,
      derivation:
        'deriveSeed(root, stepKey, purpose) = sha256("fairshrink-seed\\0" root "\\0" stepKey "\\0" purpose)[0..4] & 0x7fffffff',
      steps: stepKeys.map((stepKey) => ({
        stepKey,
        seeds: Object.fromEntries(SEED_PURPOSES.map((p) => [p, deriveSeed(config.seed, stepKey, p)])),
      })),
    },
    environment: environment(input.backend),
    checkpoints: input.checkpoints.map(checkpointLineage),
    gates: input.gates,
    ...(input.finalCheckpoint === undefined ? {} : { finalCheckpoint: checkpointLineage(input.finalCheckpoint) }),
    ...(input.heldOut === undefined ? {} : { heldOut: input.heldOut }),
  };
  return putJson(ctx.store, `${campaignDir(prefix, campaign.campaignId)}/lineage.json`, lineage, 'mutable');
}
