import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:backend`: the tests that need the native TensorFlow backend, which `npm test` (WASM) does not set up.
// Run after `fairshrink setup --backend tensorflow`; they share one Temporal dev server and S3 like the integration
// project, and every test process selects the backend through FAIRSHRINK_TFJS_BACKEND as a worker would.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'backend',
    include: ['tests/backend/**/*.test.ts'],
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', FAIRSHRINK_TFJS_BACKEND: 'tensorflow' },
    reporters: ['default'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    setupFiles: ['tests/helpers/quiet-runtime.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
