// Reading a YAML or JSON file a user wrote (campaign, study) against its zod schema: whatever is wrong with it
// (unreadable, not YAML/JSON, fields the schema refuses, each named by its path) as one list of problems, thrown
// as the caller's error so the message names the kind of file.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';

/** A zod issue path as a user writes it: `milestones[2].sparsity`, or `(top level)`. */
export function formatIssuePath(parts: readonly PropertyKey[]): string {
  return (
    parts.reduce<string>(
      (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
      '',
    ) || '(top level)'
  );
}

/** The file parsed (by extension: .json is JSON, anything else YAML) and checked; `fail` makes the error thrown. */
export async function readConfigFile<S extends z.ZodType>(
  file: string,
  schema: S,
  fail: (problems: string[]) => Error,
): Promise<{ abs: string; raw: unknown; config: z.infer<S> }> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    throw fail([`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = abs.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw fail([`not valid ${abs.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`]);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw fail(
      parsed.error.issues.map((issue) => {
        const where = issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys.slice(0, 1)] : issue.path;
        return `${formatIssuePath(where as PropertyKey[])}: ${issue.message}`;
      }),
    );
  }
  return { abs, raw, config: parsed.data };
}
