// Seeded stratified splitting. Rows are grouped into strata (e.g. sex × race × label); each stratum
// is shuffled with its own seed (derived from the split seed and the stratum key, so adding a
// stratum does not move rows in the others) and divided by the largest-remainder (Hamilton) method,
// so every split's share of every stratum is as close to its fraction as whole rows allow.
import { deriveSeed } from '../lineage/seeds.ts';
import { createRng, shuffleInPlace } from '../random/rng.ts';

/**
 * Row counts per part for `n` rows and the given fractions (summing to 1), by largest remainder.
 * Remainders equal to 1e-9 count as ties; ties go to the part with the lower `tieOrder` value
 * (default: the earlier part). stratifiedAssign passes a seeded order so that, summed over many
 * small strata, no split is systematically favoured.
 */
export function allocate(n: number, fractions: readonly number[], tieOrder?: readonly number[]): number[] {
  const exact = fractions.map((f) => n * f);
  const counts = exact.map((e) => Math.floor(e + 1e-9));
  let left = n - counts.reduce((a, b) => a + b, 0);
  const rank = (i: number) => tieOrder?.[i] ?? i;
  const order = exact
    .map((e, i) => ({ i, rem: Math.round((e - counts[i]!) * 1e9) }))
    .sort((a, b) => b.rem - a.rem || rank(a.i) - rank(b.i));
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) counts[order[k]!.i]!++;
  return counts;
}

/**
 * Assigns each of `rows` to a part (index into `fractions`). `strata[i]` is the stratum key of rows[i].
 * Returns part indices aligned with `rows`.
 */
export function stratifiedAssign(
  rows: ArrayLike<number>,
  strata: readonly string[],
  fractions: readonly number[],
  seed: number,
): Uint8Array {
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
    const rng = createRng(deriveSeed(seed, 'split', key));
    shuffleInPlace(members, rng);
    const tieOrder = shuffleInPlace(
      fractions.map((_, i) => i),
      rng,
    ) as number[];
    const counts = allocate(members.length, fractions, tieOrder);
    let k = 0;
    counts.forEach((count, p) => {
      for (let j = 0; j < count; j++) part[members[k++]!] = p;
    });
  }
  return part;
}
