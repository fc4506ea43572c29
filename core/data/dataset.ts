// The encoded data set: what a campaign trains and evaluates on, with the hashes that identify it.
import type { EncoderState } from './encode.ts';
import type { FilterCount } from './filter.ts';
import type { DatasetId } from './hash.ts';
import type { FeatureMatrix } from './matrix.ts';
import type { DatasetSpec, SourceRole } from './spec.ts';

export type SplitName = 'train' | 'validation' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

export interface EncodedSplit {
  /** Row-major features, standardised / one-hot with the training-split encoder. */
  x: FeatureMatrix;
  /** 1 = positive class. */
  y: Uint8Array;
  /** Per sensitive attribute name: each row's group code, an index into `EncodedDataset.sensitive[k].groups`. */
  groups: Record<string, Uint16Array>;
  /** Each row's position among all parsed rows (sources in spec order, banner and blank lines excluded, before dropping). */
  rowIds: Uint32Array;
}

export interface SensitiveAttribute {
  name: string;
  column: string;
  /** Group names; code i means groups[i]. */
  groups: string[];
}

export interface SourceDigest {
  role: SourceRole;
  /** The source's key: its path as written in the spec, or `dataset:<name>/<file>` for a pinned data set. */
  path: string;
  /** Size and sha256 of the file as stored. */
  bytes: number;
  sha256: string;
  /** sha256 after gunzip (equals sha256 for plain files); this is what the raw hash covers. */
  contentSha256: string;
  /** Parsed data rows (after skipLines and blank lines, before dropping). */
  rows: number;
}

export interface EncodedDataset {
  formatVersion: 1;
  name: string;
  datasetId: DatasetId;
  rawSha256: string;
  specSha256: string;
  /** The parsed spec (defaults filled in). */
  spec: DatasetSpec;
  sources: SourceDigest[];
  featureNames: string[];
  /**
   * One row's shape when it is more than a flat feature vector: [height, width, channels] for an image data set, whose
   * rows are channels-last (HWC) pixels. Absent for CSV data sets (one row = featureNames.length values).
   */
  inputShape?: number[];
  sensitive: SensitiveAttribute[];
  encoder: EncoderState;
  splits: Record<SplitName, EncodedSplit>;
  /** droppedRows counts every row the filter and the drop rules removed; `filter` has rows in / out per filter step. */
  stats: { parsedRows: number; droppedRows: number; filter?: FilterCount[] };
}

/** The group name of every row of a split (or of other rows encoded with the data set, e.g. a batch) for one sensitive attribute. */
export function groupLabels(
  dataset: EncodedDataset,
  rows: SplitName | Pick<EncodedSplit, 'groups'>,
  attribute: string,
): string[] {
  const attr = dataset.sensitive.find((s) => s.name === attribute);
  const codes = (typeof rows === 'string' ? dataset.splits[rows] : rows).groups[attribute];
  if (attr === undefined || codes === undefined) {
    throw new Error(
      `groupLabels: no sensitive attribute '${attribute}'; the data set has [${dataset.sensitive.map((s) => s.name).join(', ')}]`,
    );
  }
  return Array.from(codes, (c) => attr.groups[c]!);
}
