// Lint checks each workflow file's own imports; this follows the whole import graph from
// workflows/index.ts (value imports only: type imports are erased) and proves that no module
// reachable from workflow code imports tfjs, the AWS SDK or a Node built-in.
import { builtinModules } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** Specifiers of value imports and re-exports (not `import type` / `export type`). */
export function valueImports(source: string): string[] {
  const specs: string[] = [];
  const pattern = /^\s*(import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const match of source.matchAll(pattern)) specs.push(match[2]!);
  for (const match of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(match[1]!);
  return specs;
}

function reachable(entry: string): { files: string[]; packages: Map<string, string> } {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of valueImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const resolved = path.resolve(path.dirname(file), spec);
        if (!existsSync(resolved)) throw new Error(`${path.relative(root, file)} imports missing ${spec}`);
        stack.push(resolved);
      } else {
        packages.set(spec, path.relative(root, file));
      }
    }
  }
  return { files: [...seen].map((f) => path.relative(root, f)), packages };
}

describe('modules reachable from workflow code', () => {
  it('parses value imports and skips type-only ones', () => {
    const source = [
      "import type { A } from './a.ts';",
      "import { b } from './b.ts';",
      "export { c } from './c.ts';",
      "export type { D } from './d.ts';",
      "import './side-effect.ts';",
      "const e = await import('./e.ts');",
    ].join('\n');
    expect(valueImports(source)).toEqual(['./b.ts', './c.ts', './side-effect.ts', './e.ts']);
  });

  it('include no tfjs, AWS SDK or Node built-in', () => {
    const { files, packages } = reachable(path.join(root, 'workflows', 'index.ts'));
    expect(files).toContain('workflows/stack-check.ts');
    const forbidden = [...packages].filter(
      ([spec]) =>
        builtins.has(spec) ||
        spec.startsWith('@tensorflow/') ||
        spec.startsWith('@aws-sdk/') ||
        spec.startsWith('@smithy/'),
    );
    expect(forbidden).toEqual([]);
  });
});
