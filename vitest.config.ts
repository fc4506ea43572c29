import { defineConfig } from 'vitest/config';

// Two projects: `unit` tests core/ alone (no services); `integration`, `replay` and `e2e` share one
// Temporal dev server and one S3 endpoint that tests/helpers/global-setup.ts starts once per run.
// pool 'forks': Temporal's native bridge does not like worker threads.
// The unit project runs first on two workers (CPU-bound, no services: on CI's 2 cores 135 s instead of 186 s
// on one), then the integration project on one: its tests share one Temporal server and one S3 endpoint and
// each starts workers that train models, so two at a time would race each other's heartbeat and step timeouts.
// Vitest's run-mode default is one worker fewer than the cores, i.e. one on a 2-core machine.
export default defineConfig({
  test: {
    pool: 'forks',
    // The AWS SDK version is pinned; its notice about future releases needing Node 22 is noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          pool: 'forks',
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
          testTimeout: 60_000,
          // Some suites train a small model in beforeAll: the 10 s default timed out on a busy 2-core machine.
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            'tests/integration/**/*.test.ts',
            'tests/replay/**/*.test.ts',
            'tests/e2e/**/*.test.ts',
            'tests/bad-input/**/*.test.ts',
          ],
          // Regenerates tests/unit/report/fixtures/german-report.json; a tool, run only when asked for.
          exclude:
            process.env.FAIRSHRINK_CAPTURE_REPORT_FIXTURE === '1' ? [] : ['tests/e2e/capture-report-fixture.test.ts'],
          globalSetup: ['tests/helpers/global-setup.ts'],
          setupFiles: ['tests/helpers/quiet-runtime.ts'],
          pool: 'forks',
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
