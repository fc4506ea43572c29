import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type {
  ArtifactRef,
  CampaignInput,
  CheckpointRef,
  DatasetRef,
  GateStatus,
  MetricSummary,
} from '../../../core/campaign/contracts.ts';
import { putJson } from '../../../core/storage/json.ts';
import { CampaignConfig } from '../../../core/config/campaign.ts';
import { parseRubric } from '../../../core/config/rubric.ts';
import {
  deploymentFromCampaign,
  gatesOfCheckpoint,
  readCampaignDataset,
  type PromotableCampaign,
} from '../../../core/monitoring/promotion.ts';
import { currentVersion, DeploymentError, promote } from '../../../core/monitoring/registry.ts';
import type { CampaignResult } from '../../../workflows/campaign.ts';
import { MemoryStore } from '../campaign/memory-store.ts';

const hex = (seed: string): string => createHash('sha256').update(seed).digest('hex');
const ref = (key: string): ArtifactRef => ({ uri: `s3://test-bucket/${key}`, sha256: hex(key), bytes: 100 });

function checkpoint(stepKey: string): CheckpointRef {
  return {
    stepKey,
    modelJson: ref(`campaigns/c1/${stepKey}/model.json`),
    weightsBin: ref(`campaigns/c1/${stepKey}/weights.bin`),
    sparsity: stepKey === 'baseline' ? 0 : 0.6,
    parameters: 100,
    nonzeros: stepKey === 'baseline' ? 100 : 40,
  };
}

const summary = (accuracy: number): MetricSummary => ({
  rows: 200,
  accuracy,
  balancedAccuracy: accuracy - 0.05,
  worstGroupAccuracy: { attribute: 'sex', group: 'female', value: accuracy - 0.1 },
  attributes: { sex: { equalizedOddsDifference: 0.04, demographicParityDifference: 0.02 } },
  maxExcessAccuracyGap: null,
  flipRate: null,
});

const RUBRIC = parseRubric({
  version: 1,
  name: 'release',
  constraints: [
    { id: 'eod-sex', metric: 'equalized_odds_difference', attribute: 'sex', comparator: '<=', threshold: 0.1 },
  ],
});

const CAMPAIGN: CampaignInput = {
  campaignId: 'c1',
  config: CampaignConfig.parse({
    version: 1,
    name: 'promotion-test',
    seed: 7,
    dataset: 'german.yaml',
    model: { kind: 'train', mlp: { hidden: [{ units: 8 }] } },
    compression: { schedule: { kind: 'constant', sparsity: 0.6 } },
    evaluation: { split: 'test', heldOut: 'none', bootstrap: 50, minGroupSize: 10 },
    rubric: 'rubric.yaml',
  }),
  configSha256: hex('config'),
  datasetSpec: ref('uploads/spec.yaml'),
  datasetSources: [{ path: 'german.data', ref: ref('uploads/german.data') }],
  rubric: RUBRIC,
  code: { gitCommit: 'abc', gitDirty: false, lockfileSha256: hex('lock') },
};

const DATASET: DatasetRef = {
  encoded: ref('datasets/d1/encoded.bin'),
  datasetId: hex('dataset'),
  rawSha256: hex('raw'),
  specSha256: hex('spec'),
  rows: { train: 600, validation: 200, test: 200 },
  features: 24,
  attributes: [
    { name: 'sex', groups: ['female', 'male'] },
    { name: 'age', groups: ['<=25', '>25'] },
  ],
};

const BASELINE = checkpoint('baseline');
const FINETUNED = checkpoint('milestone-1/attempt-1/finetune');
const QUANTIZED = checkpoint('quantize');

const gate = (stepKey: string, status: GateStatus, tag = stepKey) => ({
  stepKey,
  status,
  report: ref(`campaigns/c1/${tag}/evaluate/report.json`),
  decision: ref(`campaigns/c1/${tag}/gate/gate.json`),
});

const GATES = [
  gate('baseline', 'pass'),
  gate('milestone-1/attempt-0', 'fail'),
  gate('milestone-1/attempt-1', 'pass'),
  gate('quantize', 'fail'),
];

/** lineage.json as writeLineage writes it (the fields a promotion reads, and a few it ignores). */
function lineage(gates = GATES, over: Record<string, unknown> = {}) {
  const entry = (c: CheckpointRef) => ({
    stepKey: c.stepKey,
    sha256: { modelJson: c.modelJson.sha256, weightsBin: c.weightsBin.sha256 },
  });
  return {
    format: 'fairshrink.lineage',
    version: 1,
    campaignId: 'c1',
    name: 'promotion-test',
    status: 'completed',
    config: { sha256: hex('config'), seed: 7 },
    data: {
      spec: CAMPAIGN.datasetSpec,
      sources: CAMPAIGN.datasetSources,
      datasetId: DATASET.datasetId,
      rawSha256: DATASET.rawSha256,
      specSha256: DATASET.specSha256,
      encoded: DATASET.encoded,
      rows: DATASET.rows,
      features: DATASET.features,
    },
    code: CAMPAIGN.code,
    checkpoints: [BASELINE, FINETUNED, QUANTIZED].map(entry),
    gates,
    finalCheckpoint: entry(FINETUNED),
    ...over,
  };
}

const RESULT: PromotableCampaign = {
  campaignId: 'c1',
  status: 'completed',
  final: { checkpoint: FINETUNED, summary: summary(0.74) },
  baseline: { checkpoint: BASELINE },
  lineage: ref('campaigns/c1/lineage.json'),
};

const args = (over: Partial<Parameters<typeof deploymentFromCampaign>[0]> = {}) => ({
  campaign: CAMPAIGN,
  result: RESULT,
  lineage: lineage(),
  dataset: DATASET,
  name: 'credit',
  promotedBy: 'ana',
  note: 'Q4 release',
  ...over,
});

describe('gatesOfCheckpoint', () => {
  it('matches the step key itself or a prefix followed by "/"', () => {
    const gates = [
      gate('quantize', 'pass'),
      gate('milestone-3/attempt-1', 'pass'),
      gate('milestone-3/attempt-10', 'pass'),
      gate('milestone-3/attempt', 'pass'),
      gate('milestone-3', 'pass'),
      gate('baseline', 'pass'),
    ];
    const keys = (stepKey: string) => gatesOfCheckpoint(gates, stepKey).map((g) => g.stepKey);
    expect(keys('milestone-3/attempt-1/finetune')).toEqual(['milestone-3/attempt-1', 'milestone-3']);
    expect(keys('milestone-3/attempt-10/finetune')).toEqual(['milestone-3/attempt-10', 'milestone-3']);
    expect(keys('quantize')).toEqual(['quantize']);
    expect(keys('quantize-2')).toEqual([]);
    expect(keys('baseline')).toEqual(['baseline']);
  });
});

describe('deploymentFromCampaign', () => {
  it('builds the record of the final model from the campaign, its result and lineage', () => {
    const record = deploymentFromCampaign(args());
    expect(record).toEqual({
      name: 'credit',
      promotedBy: 'ana',
      note: 'Q4 release',
      source: { campaignId: 'c1', stepKey: FINETUNED.stepKey, lineage: RESULT.lineage },
      checkpoint: FINETUNED,
      reference: BASELINE,
      dataset: DATASET,
      rubric: RUBRIC,
      // The campaign's plan without heldOut, a campaign-only key (audits judge new batches).
      evaluation: { ...CAMPAIGN.config.evaluation, heldOut: undefined },
      baseline: { report: gate('milestone-1/attempt-1', 'pass').report, summary: RESULT.final.summary },
    });
    expect(record.evaluation).toMatchObject({ split: 'test', bootstrap: 50, minGroupSize: 10 });
    expect(record.evaluation).not.toHaveProperty('heldOut');
  });

  it('is what promote takes', async () => {
    const store = new MemoryStore();
    const promoted = await promote(store, deploymentFromCampaign(args()), '2026-11-27T10:00:00.000Z');
    expect(promoted.version).toMatchObject({ version: 1, name: 'credit', checkpoint: FINETUNED, dataset: DATASET });
    expect((await currentVersion(store, 'credit')).version).toEqual(promoted.version);
  });

  it('accepts a CampaignResult as it is', () => {
    const result: CampaignResult = {
      ...RESULT,
      status: 'stopped',
      reason: 'milestone 2: no passing model',
      final: { ...RESULT.final, milestone: 1 },
      baseline: { checkpoint: BASELINE, milestone: 0, summary: summary(0.78) },
      quantized: false,
      milestones: [],
      decisions: 9,
    };
    expect(deploymentFromCampaign(args({ result })).checkpoint).toEqual(FINETUNED);
  });

  it('takes the report of the quantize gate for a quantized final model', () => {
    const gates = [...GATES.slice(0, 3), gate('quantize', 'pass')];
    const result = { ...RESULT, final: { checkpoint: QUANTIZED, summary: summary(0.73) } };
    const record = deploymentFromCampaign(args({ result, lineage: lineage(gates) }));
    expect(record.baseline.report).toEqual(gate('quantize', 'pass').report);
    expect(record.source.stepKey).toBe('quantize');
    expect(record.reference).toEqual(BASELINE);
  });

  it('takes the last passing gate when a checkpoint was gated more than once', () => {
    const gates = [
      ...GATES,
      gate('milestone-1/attempt-1', 'pass', 'rerun'),
      gate('milestone-1/attempt-1', 'insufficient-evidence', 'rerun-2'),
    ];
    const record = deploymentFromCampaign(args({ lineage: lineage(gates) }));
    expect(record.baseline.report).toEqual(gate('milestone-1/attempt-1', 'pass', 'rerun').report);
    expect(record.note).toBe('Q4 release');
  });

  it('falls back to the last matching gate when none passed, and says so in the note', () => {
    const gates = [
      gate('baseline', 'pass'),
      gate('milestone-1/attempt-1', 'fail', 'first'),
      gate('milestone-1/attempt-1', 'insufficient-evidence', 'second'),
    ];
    const record = deploymentFromCampaign(args({ lineage: lineage(gates) }));
    expect(record.baseline.report).toEqual(gate('milestone-1/attempt-1', 'insufficient-evidence', 'second').report);
    expect(record.note).toMatch(
      /^Q4 release; no gate on milestone-1\/attempt-1\/finetune passed: .*gate milestone-1\/attempt-1 \(insufficient-evidence\).*reviewer/,
    );
    expect(deploymentFromCampaign(args({ lineage: lineage(gates), note: '' })).note).toMatch(/^no gate on/);
  });

  it('promotes the dense baseline with no reference', () => {
    const result = { ...RESULT, final: { checkpoint: BASELINE, summary: summary(0.78) } };
    const record = deploymentFromCampaign(args({ result }));
    expect(record.reference).toBeNull();
    expect(record.checkpoint).toEqual(BASELINE);
    expect(record.baseline).toEqual({ report: gate('baseline', 'pass').report, summary: summary(0.78) });
  });

  it.each(['aborted', 'running', 'failed'])('refuses a campaign that is %s', (status) => {
    expect(() => deploymentFromCampaign(args({ result: { ...RESULT, status } }))).toThrow(
      new RegExp(`campaign c1 is ${status}: only a completed or stopped campaign can be promoted`),
    );
  });

  it('refuses a final checkpoint without a gate report', () => {
    const gates = GATES.filter((g) => g.stepKey !== 'milestone-1/attempt-1');
    expect(() => deploymentFromCampaign(args({ lineage: lineage(gates) }))).toThrow(DeploymentError);
    expect(() => deploymentFromCampaign(args({ lineage: lineage(gates) }))).toThrow(
      /checkpoint milestone-1\/attempt-1\/finetune was never evaluated and gated/,
    );
  });

  it('refuses a lineage, checkpoint or data set that does not belong to the campaign', () => {
    expect(() => deploymentFromCampaign(args({ lineage: lineage(GATES, { campaignId: 'c2' }) }))).toThrow(
      /is the lineage of campaign c2, not c1/,
    );
    expect(() => deploymentFromCampaign(args({ lineage: { format: 'something else' } }))).toThrow(
      /lineage\.json is not a campaign lineage: format:/,
    );
    expect(() => deploymentFromCampaign(args({ campaign: { ...CAMPAIGN, campaignId: 'c9' } }))).toThrow(
      /campaign input is c9, but the result is of campaign c1/,
    );
    const stranger = { ...FINETUNED, weightsBin: ref('elsewhere/weights.bin') };
    expect(() =>
      deploymentFromCampaign(args({ result: { ...RESULT, final: { ...RESULT.final, checkpoint: stranger } } })),
    ).toThrow(/is not in campaign c1's lineage/);
    expect(() => deploymentFromCampaign(args({ dataset: { ...DATASET, datasetId: hex('other') } }))).toThrow(
      /the data set given is not the one campaign c1 ran on \(datasetId: /,
    );
    const noData = lineage(GATES, { data: { spec: CAMPAIGN.datasetSpec } });
    expect(() => deploymentFromCampaign(args({ lineage: noData }))).toThrow(/names no data set/);
  });

  it('refuses a bad deployment name', () => {
    expect(() => deploymentFromCampaign(args({ name: 'Credit Scoring' }))).toThrow(/invalid deployment name/);
  });
});

describe('readCampaignDataset', () => {
  it("reads the prepare step's DatasetRef, attributes included", async () => {
    const store = new MemoryStore();
    await expect(readCampaignDataset(store, CAMPAIGN)).rejects.toThrow(
      /campaigns\/c1\/prepare\/result\.json does not exist/,
    );
    await putJson(store, 'campaigns/c1/prepare/result.json', DATASET);
    expect(await readCampaignDataset(store, CAMPAIGN)).toEqual(DATASET);
    const other = new MemoryStore();
    await putJson(other, 'campaigns/c1/prepare/result.json', { ...DATASET, attributes: 'sex' });
    await expect(readCampaignDataset(other, CAMPAIGN)).rejects.toThrow(/is not a DatasetRef: attributes:/);
  });
});
