// Search attributes every campaign keeps current, so campaigns can be found with visibility
// queries (e.g. `GateStatus = "fail" AND Sparsity >= 0.8`, `CampaignStatus = "awaiting-review"`).
// GateStatus is the last gate's verdict; CampaignStatus is where the campaign stands (workflows/campaign-api.ts).
// Registered by `fairshrink up` and the test setup; on a real cluster, register them once with
// `temporal operator search-attribute create`, before workers that set a new one start.
export const CAMPAIGN_SEARCH_ATTRIBUTES = [
  { name: 'CampaignId', type: 'Keyword' },
  { name: 'ModelId', type: 'Keyword' },
  { name: 'DatasetId', type: 'Keyword' },
  { name: 'Milestone', type: 'Int' },
  { name: 'Sparsity', type: 'Double' },
  { name: 'GateStatus', type: 'Keyword' },
  { name: 'CampaignStatus', type: 'Keyword' },
] as const;
