// Minimum detectable effect of the per-group paired test, so underpowered groups are visible.
import { defined, undefinedBecause, type Estimate } from './estimate.ts';

/** Standard normal CDF by Simpson integration of the density on [0, |x|] (error < 1e-12 for |x| ≤ 10). */
export function normalCdf(x: number): number {
  if (!Number.isFinite(x)) return x > 0 ? 1 : 0;
  const a = Math.min(Math.abs(x), 10);
  const steps = 2000;
  const h = a / steps;
  const f = (t: number): number => Math.exp(-0.5 * t * t);
  let sum = f(0) + f(a);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * f(i * h);
  const half = (sum * h) / 3 / Math.sqrt(2 * Math.PI);
  return x >= 0 ? 0.5 + half : 0.5 - half;
}

const quantileCache = new Map<number, number>();

/** Inverse of normalCdf by bisection (60 halvings of [−10, 10]); memoised. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile: p must be in (0, 1), got ${p}`);
  const cached = quantileCache.get(p);
  if (cached !== undefined) return cached;
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  const z = (lo + hi) / 2;
  if (quantileCache.size < 64) quantileCache.set(p, z);
  return z;
}

/**
 * Smallest difference in paired proportions |p_b − p_c| (e.g. a change in group accuracy) that a
 * two-sided McNemar test at level α detects with the given power, by the normal approximation
 * (Connor 1987): n = [z_{1−α/2}·√ψ + z_{power}·√(ψ − δ²)]² / δ², solved for δ, with ψ the share of
 * discordant rows. With no discordant rows observed, ψ is the rule-of-three upper bound 3/n.
 */
export function pairedMinimumDetectableEffect(
  rows: number,
  discordant: number,
  alpha: number,
  power: number,
): Estimate & { discordance?: number } {
  if (rows <= 0) return undefinedBecause('empty group (no rows)');
  const psi = discordant > 0 ? discordant / rows : Math.min(1, 3 / rows);
  const za = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  const excess = (delta: number): number =>
    rows * delta * delta - (za * Math.sqrt(psi) + zb * Math.sqrt(Math.max(psi - delta * delta, 0))) ** 2;
  if (excess(psi) < 0) {
    return undefinedBecause(
      `too few rows: even a change on every discordant row (share ${psi.toFixed(4)}) is not detectable at α = ${alpha}, power ${power}`,
    );
  }
  let lo = 0;
  let hi = psi;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (excess(mid) < 0) lo = mid;
    else hi = mid;
  }
  return { ...defined(hi), discordance: psi };
}
