/**
 * core/audit: a campaign's audit bundle, without the CLI. `writeAuditBundle(snapshot, store, dir)` writes it from a
 * CampaignSnapshot (what Temporal knows) and S3; `verifyAuditBundle(dir, storeFor, history)` re-checks one.
 * manifest.ts holds the bundle's file formats, guide.ts its VERIFY.md.
 */
export {
  writeAuditBundle,
  type AuditStore,
  type AuditSummary,
  type CampaignSnapshot,
  type CompletedCampaign,
} from './bundle-writer.ts';
export { verifyGuide, type GuideFacts } from './guide.ts';
export {
  BUNDLE_FORMAT,
  checkpointEntry,
  checkpointSumsText,
  refsInHistory,
  type AuditManifest,
  type BundleFile,
  type CheckpointEntry,
  type CheckpointFile,
  type CheckpointList,
} from './manifest.ts';
export {
  AuditBundleError,
  verifyAuditBundle,
  type BundleHistory,
  type BundleHistoryRun,
  type BundleReplayOutcome,
  type VerifyReport,
} from './verify.ts';
