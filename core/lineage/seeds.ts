// The seed tree: every random choice in a campaign draws from a seed derived from the
// campaign seed and the step's path (e.g. ['milestone', '2', 'finetune', 'shuffle']),
// so steps are reproducible on their own and independent of the order they run in.
import { createHash } from 'node:crypto';

/** A 31-bit non-negative integer seed derived from `rootSeed` and a path, via sha256. */
export function deriveSeed(rootSeed: number, ...path: (string | number)[]): number {
  if (!Number.isInteger(rootSeed)) throw new Error(`deriveSeed: rootSeed must be an integer, got ${rootSeed}`);
  const hash = createHash('sha256').update(`fairshrink-seed\u0000${rootSeed}`);
  for (const part of path) hash.update(`\u0000${String(part)}`);
  return hash.digest().readUInt32BE(0) & 0x7fffffff;
}
