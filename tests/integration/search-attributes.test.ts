// `fairshrink up` on a stack that is already running registers the campaign search attributes it lacks: the dev
// server registers them only when it starts, so a server an older `up` started would fail every new campaign's
// workflow task at its first upsert of an attribute added since (CampaignStatus). Checked on a namespace of its own
// on the test server, which starts with none of them.
import { describe, expect, inject, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { CAMPAIGN_SEARCH_ATTRIBUTES } from '../../core/config/search-attributes.ts';
import { waitFor } from '../../infra/process.ts';
import { registerMissingSearchAttributes } from '../../infra/stack.ts';
import { uniqueId } from '../helpers/services.ts';

// temporal.api.enums.v1.IndexedValueType (temporalio/api, temporal/api/enums/v1/common.proto): KEYWORD 2, INT 3,
// DOUBLE 4.
const expectedType = { Keyword: 2, Int: 3, Double: 4 } as const;

describe('search attributes on a running stack', () => {
  it('registers the missing ones with their types, and nothing the second time', async () => {
    const address = inject('temporalAddress');
    const namespace = uniqueId('sa-ns');
    const connection = await Connection.connect({ address });
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      });
      // A new namespace reaches the server's namespace cache within seconds.
      const custom = await waitFor(
        `namespace ${namespace}`,
        async () => (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {},
        { timeoutMs: 60_000 },
      );
      expect(CAMPAIGN_SEARCH_ATTRIBUTES.filter((a) => custom[a.name] !== undefined)).toEqual([]);

      const added = await registerMissingSearchAttributes(address, namespace);
      expect(added).toEqual(CAMPAIGN_SEARCH_ATTRIBUTES.map((a) => a.name));
      const after = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
      for (const a of CAMPAIGN_SEARCH_ATTRIBUTES)
        expect([a.name, after[a.name]]).toEqual([a.name, expectedType[a.type]]);

      expect(await registerMissingSearchAttributes(address, namespace)).toEqual([]);
    } finally {
      await connection.close();
    }
  });
});
