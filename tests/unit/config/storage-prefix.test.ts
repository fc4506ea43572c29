import { describe, expect, it } from 'vitest';
import { CampaignConfig, StoragePrefix } from '../../../core/config/campaign.ts';

describe('campaign storage prefix', () => {
  it.each(['campaigns', 'campaigns/team-a', 'c', 'exp_2026/run-1'])('accepts %s', (prefix) => {
    expect(StoragePrefix.safeParse(prefix).success).toBe(true);
  });

  it.each([
    ['deployments', /reserved area/],
    ['deployments/income-model', /reserved area/],
    ['datasets/sources', /reserved area/],
    ['campaigns/../deployments', /lower-case|\.\./],
    ['campaigns//x', /empty/],
    ['/campaigns', /lower-case/],
    ['Campaigns', /lower-case/],
  ])('refuses %s', (prefix, message) => {
    const parsed = StoragePrefix.safeParse(prefix);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.message).toMatch(message);
  });

  it('is checked in campaign files, with the path of the field', () => {
    const parsed = CampaignConfig.shape.storage.safeParse({ prefix: 'deployments' });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path).toEqual(['prefix']);
  });
});
