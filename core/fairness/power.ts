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

// Acklam's rational approximation of the normal quantile (P. J. Acklam, 2003; relative error < 1.2e-9),
// coefficients as published, then one Halley step on normalCdf for full precision.
const ACKLAM_A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
];
const ACKLAM_B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const ACKLAM_C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const ACKLAM_D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

/** Inverse of normalCdf (one call per bootstrapped value in bias-corrected intervals, so no bisection). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile: p must be in (0, 1), got ${p}`);
  const [a0, a1, a2, a3, a4, a5] = ACKLAM_A as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = ACKLAM_B as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = ACKLAM_C as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = ACKLAM_D as [number, number, number, number];
  const tail = (q: number): number =>
    (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  let x: number;
  if (p < 0.02425) x = tail(Math.sqrt(-2 * Math.log(p)));
  else if (p > 1 - 0.02425) x = -tail(Math.sqrt(-2 * Math.log(1 - p)));
  else {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
      (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
  }
  // Halley: e = Φ(x) − p, u = e·√(2π)·exp(x²/2), x ← x − u / (1 + x·u/2)
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
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
