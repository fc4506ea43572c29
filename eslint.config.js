// ESLint flat config. The workflow import ban is what keeps workflow code deterministic
// (Temporal's sandbox replays it): no tfjs, no AWS SDK, no Node built-ins, no heavy core modules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** Modules of core/ that pull in tfjs, the AWS SDK or Node built-ins. Workflows may import only pure ones. */
const heavyCoreDirs = ['data', 'model', 'compression', 'storage', 'lineage', 'report'];

export const workflowImportBan = {
  paths: nodeBuiltins.map((name) => ({
    name,
    message: 'Workflow code runs in a deterministic sandbox: Node built-ins are not allowed. Do this in an activity.',
  })),
  patterns: [
    {
      group: ['@tensorflow/*', '@aws-sdk/*', '@smithy/*'],
      message: 'Workflow code must not reach tfjs or the AWS SDK. Call an activity instead.',
    },
    {
      group: ['@temporalio/worker', '@temporalio/client', '@temporalio/activity', '@temporalio/testing'],
      message: 'Workflow code may import only @temporalio/workflow (and @temporalio/common types).',
    },
    {
      // Pure modules inside those folders are allowed by name (the reachability test double-checks).
      group: [
        ...heavyCoreDirs.map((dir) => `**/core/${dir}/*`),
        '**/core/campaign/*',
        '!**/core/compression/schedule.ts',
        '!**/core/campaign/contracts.ts',
        '!**/core/campaign/seeds.ts',
        '!**/core/campaign/study.ts',
        '!**/core/campaign/summary.ts',
      ],
      allowTypeImports: true,
      message: 'This core module is not pure (tfjs, S3 or Node I/O). Workflows import only pure core modules.',
    },
    {
      group: ['**/activities/*', '**/activities/**'],
      allowTypeImports: true,
      message: 'Import activities into workflows as types only: `import type * as activities from ...`.',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      '.fairshrink/**',
      'tests/fixtures/lint/**',
      'test-artifacts/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js', 'infra/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', workflowImportBan] },
  },
);
