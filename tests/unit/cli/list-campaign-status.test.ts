// `fairshrink list` reads where a campaign stands from CampaignStatus and the latest gate's verdict from GateStatus;
// a campaign started before CampaignStatus existed lists without one.
import { describe, expect, it } from 'vitest';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { TypedSearchAttributes, type SearchAttributePair } from '@temporalio/common';
import { formatListing, listingOf } from '../../../cli/commands/list.ts';
import { searchAttributes } from '../../../workflows/campaign-api.ts';

function execution(
  pairs: SearchAttributePair[],
  status: WorkflowExecutionInfo['status']['name'],
): WorkflowExecutionInfo {
  return {
    type: 'compressionCampaign',
    workflowId: 'wf-1',
    runId: 'run-1',
    taskQueue: 'q',
    status: { code: 0, name: status },
    historyLength: 10,
    startTime: new Date('2026-12-01T00:00:00Z'),
    searchAttributes: {},
    typedSearchAttributes: new TypedSearchAttributes(pairs),
    raw: {},
  };
}

describe('list: CampaignStatus beside GateStatus', () => {
  it('shows a paused campaign as paused, with its last gate apart', () => {
    const row = listingOf(
      execution(
        [
          { key: searchAttributes.campaignId, value: 'c-paused' },
          { key: searchAttributes.milestone, value: 2 },
          { key: searchAttributes.gateStatus, value: 'fail' },
          { key: searchAttributes.campaignStatus, value: 'paused' },
        ],
        'RUNNING',
      ),
    );
    expect(row).toMatchObject({
      campaignId: 'c-paused',
      status: 'RUNNING',
      campaignStatus: 'paused',
      gateStatus: 'fail',
    });
    const [header, line] = formatListing([row]).split('\n');
    expect(header).toMatch(
      /^CampaignId\s+Status\s+CampaignStatus\s+Milestone\s+Target\s+Sparsity\s+GateStatus\s+Started$/,
    );
    expect(line).toMatch(/^c-paused\s+RUNNING\s+paused\s+2\s+-\s+-\s+fail\s+2026-12-01T00:00:00\.000Z$/);
  });

  it('lists a campaign from before CampaignStatus with "-" and its ending left in GateStatus', () => {
    const row = listingOf(execution([{ key: searchAttributes.gateStatus, value: 'completed' }], 'COMPLETED'));
    expect(row).toMatchObject({ campaignId: 'wf-1', campaignStatus: null, gateStatus: 'completed' });
    expect(formatListing([row]).split('\n')[1]).toMatch(/^wf-1\s+COMPLETED\s+-\s+-\s+-\s+-\s+completed\s/);
  });
});
