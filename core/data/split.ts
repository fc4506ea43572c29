// Seeded stratified splitting. Rows are grouped into strata (e.g. sex × race × label); each stratum
// is shuffled with its own seed (derived from the split seed and the stratum key, so adding a
// stratum does not move rows in the others) and divided by the largest-remainder (Hamilton) method,
// so every split's share of every stratum is as close to its fraction as whole rows allow.
import { deriveSeed } from '../lineage/seeds.ts';
import { createRng, shuffleInPlace } from '../random/rng.ts';

/** Row counts per part for `n` rows and the given fractions (summing to 1), by largest remainder; ties go to the earlier part. */
export function allocate(n: number, fractions: readonly number[]): number[] {
  const exact = fractions.map((f) => n * f);
  const counts = exact.map((e) => Math.floor(e));
  let left = n - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, rem: e - Math.floor(e) })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) counts[order[k]!.i]!++;
  return counts;
}

/**
 * Assigns each of `rows` to a part (index into `fractions`). `strata[i]` is the stratum key of rows[i].
 * Returns part indices aligned with `rows`.
 */
export function stratifiedAssign(rows: ArrayLike<number>, strata: readonly string[], fractions: readonly number[], seed: number): Uint8Array {
  const byStratum = new Map<string, number[]>();
  for (let i = 0; i < rows.length; i++) {
    const key = strata[i]!;
    let list = byStratum.get(key);
    if (list === undefined) byStratum.set(key, (list = []));
    list.push(i);
  }
  const part = new Uint8Array(rows.length);
  for (const key of [...byStratum.keys()].sort()) {
    const members = byStratum.get(key)!;
    shuffleInPlace(members, createRng(deriveSeed(seed, 'split', key)));
    const counts = allocate(members.length, fractions);
    let k = 0;
    counts.forEach((count, p) => {
      for (let j = 0; j < count; j++) part[members[k++]!] = p;
    });
  }
  return part;
}
