// Golden histories: finished workflows' histories, committed under tests/replay/histories/ as
// `<name>.json` = { workflowId, history } with the history in Temporal's JSON format (the same as
// `temporal workflow show -o json`), replayed against the current workflow code in CI with the
// real workflowId. Record or refresh them by running the integration tests with FAIRSHRINK_RECORD_GOLDEN=1.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';

export const goldenDir = fileURLToPath(new URL('../replay/histories/', import.meta.url));

export interface GoldenHistory {
  name: string;
  workflowId: string;
  history: ReturnType<typeof historyFromJSON>;
}

export function loadGoldenHistories(): GoldenHistory[] {
  return readdirSync(goldenDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const stored = JSON.parse(readFileSync(path.join(goldenDir, file), 'utf8')) as {
        workflowId: string;
        history: unknown;
      };
      return {
        name: path.basename(file, '.json'),
        workflowId: stored.workflowId,
        history: historyFromJSON(stored.history),
      };
    });
}

/** Replay a finished workflow's history; throws on nondeterminism. Optionally records it as golden. */
export async function replayAndMaybeRecord(handle: WorkflowHandle, options: ReplayWorkerOptions, goldenName?: string) {
  const history = await handle.fetchHistory();
  await Worker.runReplayHistory(options, history, handle.workflowId);
  if (goldenName && process.env.FAIRSHRINK_RECORD_GOLDEN === '1') {
    const stored = { workflowId: handle.workflowId, history: JSON.parse(historyToJSON(history)) as unknown };
    writeFileSync(path.join(goldenDir, `${goldenName}.json`), `${JSON.stringify(stored, null, 1)}\n`);
  }
  return history;
}
