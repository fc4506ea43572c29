// The campaign as `fairshrink run` hands it to the workflow: the parsed config with every file already in S3.
// Campaigns run on it; promotion reads a finished campaign's config through it.
import type { ArtifactRef } from '../storage/ref.ts';
import type { CampaignConfig } from './campaign.ts';
import type { Rubric } from './rubric.ts';

/** The campaign as the workflow receives it: the config with every file already in S3. */
export interface CampaignInput {
  campaignId: string;
  config: CampaignConfig;
  /** sha256 of the canonical config JSON (lineage). */
  configSha256: string;
  /**
   * The data set spec (JSON) and each source file, uploaded content-addressed by `fairshrink run`. An image data set's
   * folder is one entry keyed by `images.folder`, whose ref is an index naming the manifest and every image
   * (core/campaign/image-folder.ts).
   */
  datasetSpec: ArtifactRef;
  datasetSources: { path: string; ref: ArtifactRef }[];
  /** Imported model files (model.kind 'import'), by the path model.json names them with. */
  importedModel?: { modelJson: ArtifactRef; weights: { path: string; ref: ArtifactRef }[] };
  rubric: Rubric;
  /** Code version for lineage: git commit (+dirty flag) and package-lock sha256, captured by the CLI. */
  code: { gitCommit: string | null; gitDirty: boolean | null; lockfileSha256: string | null };
}
