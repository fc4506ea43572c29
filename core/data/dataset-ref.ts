// What workflow history carries instead of an encoded data set: where it is in S3 and what it holds.
import type { ArtifactRef } from '../storage/ref.ts';

export interface DatasetRef {
  /** The encoded data set (core/data serialisation) in S3. */
  encoded: ArtifactRef;
  datasetId: string;
  rawSha256: string;
  specSha256: string;
  rows: { train: number; validation: number; test: number };
  features: number;
  /** [height, width, channels] for an image data set (absent for CSV data sets). */
  inputShape?: number[];
  attributes: { name: string; groups: string[] }[];
  /** Rows in and out per step of the spec's filter (absent without one), for the lineage. */
  filter?: { predicate: string; rowsIn: number; rowsOut: number }[];
}
