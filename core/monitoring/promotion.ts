// From a finished campaign to a deployment record: which checkpoint serves, the dense reference its relative
// constraints compare against, the data set, rubric and evaluation plan it is judged by, and the report it had when
// it passed its gate. deploymentFromCampaign is pure; readCampaignDataset is the one read a caller needs first.
import type { CampaignInput } from '../config/campaign-input.ts';
import type { CampaignConfig, EvaluationPlan } from '../config/campaign.ts';
import {
  CampaignLineageSchema,
  DatasetRefSchema,
  DeploymentError,
  describeIssues,
  validateDeploymentName,
  type CampaignLineage,
} from '../config/deployment.ts';
import type { DatasetRef } from '../data/dataset-ref.ts';
import type { MetricSummary } from '../fairness/summary.ts';
import type { CheckpointRef } from '../model/checkpoint.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { parseJsonBytes } from '../storage/json.ts';
import { stepDir } from '../storage/layout.ts';
import type { ArtifactRef } from '../storage/ref.ts';
import type { DeploymentDraft } from './registry.ts';

/** The parts of a CampaignResult (workflows/campaign.ts) a promotion reads. */
export interface PromotableCampaign {
  campaignId: string;
  /** Only 'completed' and 'stopped' campaigns can be promoted. */
  status: string;
  /** The model to deploy (pass `{ ...result, final: result.baseline }` to deploy the dense baseline). */
  final: { checkpoint: CheckpointRef; summary: MetricSummary };
  baseline: { checkpoint: CheckpointRef };
  /** lineage.json of the campaign. */
  lineage: ArtifactRef;
}

type LineageGate = CampaignLineage['gates'][number];

/**
 * The gates that judged a checkpoint: a gate's step key is the checkpoint's step key ("quantize" for "quantize")
 * or a prefix of it followed by "/" ("milestone-3/attempt-1" for "milestone-3/attempt-1/finetune").
 */
export function gatesOfCheckpoint(gates: readonly LineageGate[], stepKey: string): LineageGate[] {
  return gates.filter((g) => stepKey === g.stepKey || stepKey.startsWith(`${g.stepKey}/`));
}

/**
 * The DatasetRef a campaign ran on, with its sensitive attributes and groups (lineage.json leaves those out):
 * the prepare step's result, `<prefix>/<campaignId>/prepare/result.json`.
 */
export async function readCampaignDataset(
  store: BlobStore,
  campaign: Pick<CampaignInput, 'campaignId' | 'config'>,
): Promise<DatasetRef> {
  const key = `${stepDir({ prefix: campaign.config.storage.prefix, campaignId: campaign.campaignId, stepKey: 'prepare' })}/result.json`;
  if ((await store.head(key)) === undefined)
    throw new DeploymentError(
      `${store.uriOf(key)} does not exist: campaign ${campaign.campaignId} never prepared its data set, so it has no model to promote`,
    );
  const { bytes, ref } = await store.getByKey(key);
  const parsed = DatasetRefSchema.safeParse(parseJsonBytes<unknown>(bytes, ref.uri));
  if (!parsed.success) throw new DeploymentError(`${ref.uri} is not a DatasetRef: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

function checkDataset(dataset: DatasetRef, lineage: CampaignLineage, campaignId: string): void {
  const data = lineage.data;
  if (data.datasetId === undefined)
    throw new DeploymentError(`campaign ${campaignId}'s lineage names no data set: it stopped before preparing one`);
  const mismatches = [
    ['datasetId', dataset.datasetId, data.datasetId],
    ['rawSha256', dataset.rawSha256, data.rawSha256],
    ['specSha256', dataset.specSha256, data.specSha256],
    ['encoded', dataset.encoded.uri, data.encoded?.uri],
    ['encoded.sha256', dataset.encoded.sha256, data.encoded?.sha256],
    ['features', dataset.features, data.features],
    ['rows', JSON.stringify(dataset.rows), data.rows === undefined ? undefined : JSON.stringify(data.rows)],
  ].filter(([, given, recorded]) => given !== recorded);
  if (mismatches.length > 0)
    throw new DeploymentError(
      `the data set given is not the one campaign ${campaignId} ran on (${mismatches
        .map(([field, given, recorded]) => `${String(field)}: ${String(given)} ≠ lineage ${String(recorded)}`)
        .join('; ')}). Fix: pass the campaign's own DatasetRef (readCampaignDataset)`,
    );
}

/**
 * The deployment record of a campaign's final model (everything but version and promotion time, which promote adds).
 * The baseline report is that of the last passing gate on the final checkpoint; when none passed (a reviewer
 * approved it), the last gate on it, and the note says so. The reference is the dense baseline, or null when the
 * final model is the baseline. Refuses a campaign that did not complete or stop, or a model without a gate report.
 */
export function deploymentFromCampaign(args: {
  campaign: CampaignInput;
  result: PromotableCampaign;
  /** The parsed lineage.json that `result.lineage` names. */
  lineage: unknown;
  /** The campaign's data set (readCampaignDataset). */
  dataset: DatasetRef;
  name: string;
  promotedBy: string;
  note: string;
}): DeploymentDraft {
  const { campaign, result } = args;
  const name = validateDeploymentName(args.name);
  const id = result.campaignId;
  if (result.status !== 'completed' && result.status !== 'stopped')
    throw new DeploymentError(
      `campaign ${id} is ${result.status}: only a completed or stopped campaign can be promoted (its final model is one ` +
        'that passed its gates). Fix: promote a campaign that finished, or run this one again',
    );
  if (campaign.campaignId !== id)
    throw new DeploymentError(`the campaign input is ${campaign.campaignId}, but the result is of campaign ${id}`);

  const parsed = CampaignLineageSchema.safeParse(args.lineage);
  if (!parsed.success)
    throw new DeploymentError(`${result.lineage.uri} is not a campaign lineage: ${describeIssues(parsed.error)}`);
  const lineage = parsed.data;
  if (lineage.campaignId !== id)
    throw new DeploymentError(`${result.lineage.uri} is the lineage of campaign ${lineage.campaignId}, not ${id}`);

  const checkpoint = result.final.checkpoint;
  const recorded = lineage.checkpoints.some(
    (c) => c.stepKey === checkpoint.stepKey && c.sha256.weightsBin === checkpoint.weightsBin.sha256,
  );
  if (!recorded)
    throw new DeploymentError(
      `checkpoint ${checkpoint.stepKey} (weights sha256 ${checkpoint.weightsBin.sha256}) is not in campaign ${id}'s lineage`,
    );
  const dataset = DatasetRefSchema.parse(args.dataset);
  checkDataset(dataset, lineage, id);

  const gates = gatesOfCheckpoint(lineage.gates, checkpoint.stepKey);
  const passed = gates.filter((g) => g.status === 'pass').at(-1);
  const gate = passed ?? gates.at(-1);
  if (gate === undefined)
    throw new DeploymentError(
      `campaign ${id}: checkpoint ${checkpoint.stepKey} was never evaluated and gated (no gate report in ${result.lineage.uri}), ` +
        "so there is no report to compare later audits with. Fix: promote the campaign's final model or its baseline",
    );
  const unpassed =
    passed === undefined
      ? `no gate on ${checkpoint.stepKey} passed: the baseline report is that of gate ${gate.stepKey} (${gate.status}); ` +
        'the model was accepted without a passing gate (e.g. approved by a reviewer)'
      : '';

  const isBaseline =
    checkpoint.stepKey === result.baseline.checkpoint.stepKey &&
    checkpoint.weightsBin.sha256 === result.baseline.checkpoint.weightsBin.sha256;
  return {
    name,
    promotedBy: args.promotedBy,
    note: [args.note, unpassed].filter((s) => s !== '').join('; '),
    source: { campaignId: id, stepKey: checkpoint.stepKey, lineage: result.lineage },
    checkpoint,
    reference: isBaseline ? null : result.baseline.checkpoint,
    dataset,
    rubric: campaign.rubric,
    evaluation: deploymentEvaluation(campaign.config.evaluation),
    baseline: { report: gate.report, summary: result.final.summary },
  };
}

/**
 * The evaluation plan a deployment's audits use: the campaign's, without `heldOut`, which names the split a campaign
 * keeps back from its gates and means nothing once the model is deployed (audits judge new labelled batches).
 */
function deploymentEvaluation(plan: CampaignConfig['evaluation']): EvaluationPlan {
  const { heldOut: _heldOut, ...rest } = plan;
  return rest;
}
