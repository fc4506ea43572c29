// `fairshrink worker`: one long-running worker process. SIGINT/SIGTERM shut it down gracefully
// (the Temporal runtime installs those handlers; running activities get shutdownGraceTime).
import { connectionSettings } from '../core/config/connection.ts';
import { createFairshrinkWorker, installRuntime } from './worker.ts';

export async function runWorker(env: Record<string, string | undefined> = process.env): Promise<void> {
  installRuntime('INFO');
  const settings = connectionSettings(env);
  const concurrency = env.FAIRSHRINK_ACTIVITY_CONCURRENCY ? Number(env.FAIRSHRINK_ACTIVITY_CONCURRENCY) : undefined;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new Error(
      `FAIRSHRINK_ACTIVITY_CONCURRENCY="${env.FAIRSHRINK_ACTIVITY_CONCURRENCY}" must be a whole number >= 1`,
    );
  }
  const { worker, close } = await createFairshrinkWorker({
    settings,
    maxConcurrentActivityTaskExecutions: concurrency,
  });
  console.log(
    `worker: polling task queue "${settings.temporal.taskQueue}" on ${settings.temporal.address} (namespace ${settings.temporal.namespace})`,
  );
  try {
    await worker.run();
  } finally {
    await close();
  }
}
