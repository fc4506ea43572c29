// The lint rule that keeps workflow code deterministic must fire on a workflow file that imports
// tfjs, the AWS SDK, a Node built-in or a heavy core module, and stay quiet on type-only imports.
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

// Only the import ban is checked, without type information: the project's config asks for a TypeScript program
// (projectService) for its typed rules, and building one for the whole repository took over a minute on a loaded
// 2-core machine, for a rule that reads import declarations alone.
const eslint = new ESLint({
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: false } } },
  ruleFilter: ({ ruleId }) => ruleId === '@typescript-eslint/no-restricted-imports',
});

async function banMessages(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((m) => m.message);
}

describe('workflow import ban', () => {
  it.each([
    ["import * as tf from '@tensorflow/tfjs';", /must not reach tfjs or the AWS SDK/],
    ["import { S3Client } from '@aws-sdk/client-s3';", /must not reach tfjs or the AWS SDK/],
    ["import { readFileSync } from 'node:fs';", /Node built-ins are not allowed/],
    ["import { createHash } from 'crypto';", /Node built-ins are not allowed/],
    ["import { ArtifactStore } from '../core/storage/index.ts';", /not pure/],
    ["import { trainModel } from '../core/model/train.ts';", /not pure/],
    ["import { prune } from '../core/campaign/steps/prune.ts';", /not pure/],
    ["import { prune } from '../core/campaign/index.ts';", /not pure/],
    ["import { globalMagnitudeMasks } from '../core/compression/criteria.ts';", /not pure/],
    ["import { Worker } from '@temporalio/worker';", /may import only @temporalio\/workflow/],
    ["import { createActivities } from '../activities/index.ts';", /as types only/],
  ])('fires on %s', async (line, message) => {
    const messages = await banMessages(`${line}\nexport const x = 1;\n`, 'workflows/index.ts');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(message);
  });

  it('allows @temporalio/workflow and type-only imports of activities and storage refs', async () => {
    const code = [
      "import { proxyActivities } from '@temporalio/workflow';",
      "import type { Activities } from '../activities/index.ts';",
      "import type { ArtifactRef } from '../core/storage/ref.ts';",
      "import { milestoneSparsities } from '../core/compression/schedule.ts';",
      "import type { CheckpointRef } from '../core/campaign/contracts.ts';",
      'export const a = proxyActivities<Activities>({ startToCloseTimeout: 1000 });',
      'export type R = ArtifactRef | CheckpointRef;',
      'export const s = milestoneSparsities;',
    ].join('\n');
    expect(await banMessages(code, 'workflows/index.ts')).toEqual([]);
  });

  it('does not apply outside workflows/', async () => {
    expect(
      await banMessages(
        "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
        'activities/index.ts',
      ),
    ).toEqual([]);
  });
});
