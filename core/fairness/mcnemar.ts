// Paired tests of reference vs candidate on the same rows.

/**
 * Exact McNemar test (two-sided): under H0 the b + c discordant pairs split Binomial(b + c, ½);
 * p = min(1, 2·P[X ≤ min(b, c)]) (McNemar 1947; exact form as in statsmodels' mcnemar(exact=True)).
 * Summed in log space so large counts do not underflow.
 */
export function exactMcNemarPValue(b: number, c: number): number {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0) {
    throw new Error(`McNemar counts must be non-negative integers, got b=${b}, c=${c}`);
  }
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  let logPmf = -n * Math.LN2; // log C(n, 0) / 2^n
  let tail = Math.exp(logPmf);
  for (let i = 0; i < k; i++) {
    logPmf += Math.log(n - i) - Math.log(i + 1); // C(n, i+1) = C(n, i)·(n − i)/(i + 1)
    tail += Math.exp(logPmf);
  }
  return Math.min(1, 2 * tail);
}

/**
 * Holm–Bonferroni step-down adjusted p-values (Holm 1979): with p sorted ascending,
 * p̃_(i) = max_{j ≤ i} min(1, (m − j + 1)·p_(j)). Returned in the input order.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const adjusted = new Array<number>(m).fill(1);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
