// The training rows as the compression criteria take them: one group label per row.
import type { GroupedData } from '../../compression/criteria.ts';
import { groupLabels, type EncodedDataset, type SplitName } from '../../data/dataset.ts';
import { sensitiveLabels } from '../../data/dataset-cache.ts';

/**
 * Rows of a split with one group label per row: the intersection of every sensitive attribute
 * ("sex=female&age_group=<=25"), as CEAG's protected groups (Hashemizadeh et al. 2024) may be intersectional.
 */
export function intersectionalGroups(dataset: EncodedDataset, split: SplitName): GroupedData {
  const s = dataset.splits[split];
  const labels = sensitiveLabels(dataset, split);
  const names = Object.keys(labels);
  const groups = Array.from({ length: s.y.length }, (_, i) => names.map((n) => `${n}=${labels[n]![i]!}`).join('&'));
  return { x: s.x, y: s.y, groups };
}

/** Rows of a split grouped by one attribute (group names as they are, without the attribute prefix). */
export function attributeGroups(dataset: EncodedDataset, split: SplitName, attribute: string): GroupedData {
  const s = dataset.splits[split];
  return { x: s.x, y: s.y, groups: groupLabels(dataset, split, attribute) };
}
