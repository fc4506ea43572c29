import type { ArtifactStore } from '../core/storage/index.ts';
import { createCampaignActivities } from './campaign.ts';
import { createMonitorActivities } from './monitor.ts';
import { createReportActivities } from './report.ts';
import { createStorageActivities } from './storage.ts';
import { createStudyActivities } from './study.ts';

/** Every activity the worker registers, built around shared dependencies. */
export function createActivities(deps: { store: ArtifactStore }) {
  return {
    ...createStorageActivities(deps.store),
    ...createCampaignActivities(deps.store),
    ...createReportActivities(deps.store),
    ...createMonitorActivities(deps.store),
    ...createStudyActivities(deps.store),
  };
}

export type Activities = ReturnType<typeof createActivities>;
