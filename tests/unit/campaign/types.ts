// Types the tests share (re-exported from the contract so imports stay short).
export type {
  ArtifactRef,
  CheckpointRef,
  DatasetRef,
  StepIdentity,
  StepProgress,
} from '../../../core/campaign/contracts.ts';
