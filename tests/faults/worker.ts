// A campaign worker process for the fault suite: the production worker (workers/worker.ts createFairshrinkWorker,
// which installs the FAIRSHRINK_FAULTS hook) on the suite's task queue, with the workflow bundle built once by the
// suite instead of by every restarted process. Configured by the same variables as `fairshrink worker`.
import { connectionSettings } from '../../core/config/connection.ts';
import { createFairshrinkWorker, installRuntime } from '../../workers/worker.ts';

const bundle = process.env.FAIRSHRINK_FAULTS_WORKFLOW_BUNDLE;
if (!bundle) throw new Error("FAIRSHRINK_FAULTS_WORKFLOW_BUNDLE: the path of the suite's workflow bundle is missing");
installRuntime('ERROR');
const { worker, close } = await createFairshrinkWorker({
  settings: connectionSettings(process.env),
  workflowBundle: { codePath: bundle },
  // Stop at once when told: the suite stops a worker only after its campaign has ended.
  shutdownGraceTime: '1 second',
});
process.stderr.write('worker: ready\n');
await worker.run();
await close();
