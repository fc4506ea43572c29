// Steps "prune" and "regrow": masks by the campaign's criterion, and the rollback strategy that restores the
// pruned weights that matter most to some group.
import type * as tf from '@tensorflow/tfjs';
import {
  globalMagnitudeMasks,
  groupLossGradients,
  groupSaliencyMasks,
  layerwiseMagnitudeMasks,
  randomMasks,
  regrow as regrowWeights,
  regrowthScores,
  type GroupGradients,
} from '../../compression/criteria.ts';
import { applyMasksToWeights, sparsityStats, type MaskSet } from '../../compression/masks.ts';
import { isDenseChain, readDenseLayers } from '../../compression/model-adapter.ts';
import { neuronL2Scores, selectUnits, structuredMasks } from '../../compression/structured.ts';
import { filterL1Scores, selectChannels, structuredChannelMasks } from '../../compression/structured-network.ts';
import type { EncodedDataset } from '../../data/dataset.ts';
import { loadEncodedDataset } from '../../data/dataset-cache.ts';
import { deriveSeed } from '../../lineage/seeds.ts';
import { ensureBackend } from '../../model/backend.ts';
import { loadCheckpointModel } from '../../model/checkpoint.ts';
import { withModel } from '../../model/predictor.ts';
import { getWeightValues } from '../../model/weights.ts';
import { CampaignInputError, type StepContext } from '../../step/context.ts';
import { loadCheckpointMasks, saveCheckpoint, writeModelWeights } from '../checkpoints.ts';
import type { PruneInput, PruneOutput, RegrowInput } from '../contracts.ts';
import { attributeGroups } from './groups.ts';
import { checkIdentity, checkSparsity, idempotent } from './idempotent.ts';

/**
 * ∂L_g/∂w on the training split for every group of every sensitive attribute (keys "attr=group"), so group
 * saliency's max over groups (core/compression) keeps a weight that matters to any group of any attribute.
 */
function allGroupGradients(model: tf.LayersModel, dataset: EncodedDataset): GroupGradients {
  const merged: GroupGradients = new Map();
  for (const attr of dataset.sensitive) {
    for (const [group, grads] of groupLossGradients(model, attributeGroups(dataset, 'train', attr.name)))
      merged.set(`${attr.name}=${group}`, grads);
  }
  return merged;
}

function intersectMasks(a: MaskSet, b: MaskSet | undefined): MaskSet {
  if (b === undefined) return a;
  const out: MaskSet = new Map();
  for (const [name, mask] of a) {
    const other = b.get(name);
    out.set(name, other === undefined ? mask : Uint8Array.from(mask, (m, i) => m & other[i]!));
  }
  for (const [name, mask] of b) if (!out.has(name)) out.set(name, mask);
  return out;
}

function layerSummary(weights: ReturnType<typeof getWeightValues>): PruneOutput['layers'] {
  return sparsityStats(weights).layers.map((l) => ({
    name: l.name,
    sparsity: l.sparsity,
    nonzeros: l.nonzeros,
    size: l.total,
  }));
}

/**
 * Prunes `from` to `targetSparsity` of its kernel weights with the criterion; masks already in force stay pruned.
 * 'structured' removes round(targetSparsity · units) hidden units per layer by the L2 norm of their incoming
 * weights, as masks (whole columns and rows zero) so the tfjs model keeps its shape; the checkpoint's size counts
 * the shrunk model. For a model with convolutions it removes round(targetSparsity · filters) output filters per
 * prunable layer by their L1 norm, likewise as masks (core/compression structured-network).
 */
export async function prune(input: PruneInput, ctx: StepContext): Promise<PruneOutput> {
  checkIdentity(input);
  checkSparsity('targetSparsity', input.targetSparsity);
  const { store } = ctx;
  return idempotent(ctx, input, async () => {
    await ensureBackend();
    const dataset = await loadEncodedDataset(store, input.dataset);
    const existing = await loadCheckpointMasks(store, input.from);
    const model = await loadCheckpointModel(store, input.from);
    return withModel(model, async (m) => {
      const weights = getWeightValues(m);
      const s = input.targetSparsity;
      let masks: MaskSet;
      switch (input.criterion) {
        case 'magnitude-global':
          masks = globalMagnitudeMasks(weights, s, existing);
          break;
        case 'magnitude-layerwise':
          masks = layerwiseMagnitudeMasks(weights, s, existing);
          break;
        case 'random':
          masks = randomMasks(weights, s, deriveSeed(input.seed, input.stepKey, 'random'), 'global', existing);
          break;
        case 'group-saliency':
          masks = groupSaliencyMasks(weights, allGroupGradients(m, dataset), s, 'global', existing);
          break;
        case 'structured': {
          if (isDenseChain(m)) {
            const layers = readDenseLayers(m);
            masks = intersectMasks(structuredMasks(layers, selectUnits(neuronL2Scores(layers), s)), existing);
          } else {
            // Filters by L1 norm (Li et al. 2017); the structured export removes the zeroed channels.
            masks = intersectMasks(structuredChannelMasks(m, selectChannels(filterL1Scores(m), s)), existing);
          }
          break;
        }
      }
      const pruned = applyMasksToWeights(weights, masks);
      writeModelWeights(m, pruned);
      const checkpoint = await saveCheckpoint(store, input, m, { masks });
      return { checkpoint, layers: layerSummary(pruned) };
    });
  });
}

/**
 * Restores round(fraction · pruned) of the candidate's pruned weights with the highest group saliency of their
 * baseline values, max_g |w_baseline · ∂L_g/∂w| (core/compression regrowthScores), at their baseline values.
 */
export async function regrow(input: RegrowInput, ctx: StepContext): Promise<PruneOutput> {
  checkIdentity(input);
  if (!(input.fraction > 0 && input.fraction < 1))
    throw new CampaignInputError(`fraction must be in (0, 1), got ${input.fraction}`);
  const { store } = ctx;
  return idempotent(ctx, input, async () => {
    await ensureBackend();
    const dataset = await loadEncodedDataset(store, input.dataset);
    const masks = await loadCheckpointMasks(store, input.from);
    if (masks === undefined)
      throw new CampaignInputError(`regrow: ${input.from.stepKey} has no masks, nothing was pruned`);
    const baselineModel = await loadCheckpointModel(store, input.baseline);
    const baseline = await withModel(baselineModel, async (b) => getWeightValues(b));
    const model = await loadCheckpointModel(store, input.from);
    return withModel(model, async (m) => {
      const current = getWeightValues(m);
      const scores = regrowthScores(current, allGroupGradients(m, dataset), baseline);
      let prunedCount = 0;
      for (const mask of masks.values()) for (const v of mask) prunedCount += 1 - v;
      const result = regrowWeights(current, masks, scores, Math.round(input.fraction * prunedCount), {
        reinit: 'pre-prune',
        prePrune: baseline,
      });
      const weights = applyMasksToWeights(result.weights, result.masks);
      writeModelWeights(m, weights);
      const checkpoint = await saveCheckpoint(store, input, m, { masks: result.masks });
      return { checkpoint, layers: layerSummary(weights) };
    });
  });
}
