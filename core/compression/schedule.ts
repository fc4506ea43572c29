// Sparsity schedules: the target sparsity at each milestone of a campaign.

export interface PolynomialDecaySpec {
  initialSparsity: number;
  finalSparsity: number;
  /** First step t0 at which pruning starts. */
  beginStep: number;
  /** Last step t0 + nΔt, at which the final sparsity is reached. */
  endStep: number;
  /** 3 = the cubic schedule of Zhu & Gupta 2017 (TF-MOT PolynomialDecay default). */
  power?: number;
}

function checkSparsity(name: string, s: number): void {
  if (!(s >= 0 && s < 1)) throw new Error(`${name} must be in [0, 1), got ${s}`);
}

/**
 * Sparsity at step t (Zhu & Gupta 2017, eq. 1; TF-MOT PolynomialDecay):
 * s_t = s_f + (s_i − s_f)(1 − (t − t0)/(nΔt))^p, clamped to s_i before t0 and s_f after t0 + nΔt.
 */
export function polynomialDecaySparsity(step: number, spec: PolynomialDecaySpec): number {
  const { initialSparsity: si, finalSparsity: sf, beginStep, endStep } = spec;
  const power = spec.power ?? 3;
  checkSparsity('initialSparsity', si);
  checkSparsity('finalSparsity', sf);
  if (!(endStep > beginStep)) throw new Error(`endStep (${endStep}) must be after beginStep (${beginStep})`);
  const progress = Math.min(1, Math.max(0, (step - beginStep) / (endStep - beginStep)));
  return sf + (si - sf) * Math.pow(1 - progress, power);
}

export interface MilestoneScheduleSpec {
  kind: 'constant' | 'polynomial';
  finalSparsity: number;
  milestones: number;
  /** Polynomial only; default 0. */
  initialSparsity?: number;
  /** Polynomial only; default 3 (cubic). */
  power?: number;
}

/**
 * Target sparsity per milestone k = 1..n. Constant (TF-MOT ConstantSparsity): s_f at every milestone.
 * Polynomial: milestone k is step t0 + kΔt of the schedule above, so s_k = s_f + (s_i − s_f)(1 − k/n)^p and s_n = s_f.
 * Example: cubic, 4 milestones, 0 → 0.9 gives 0.5203125, 0.7875, 0.8859375, 0.9.
 */
export function milestoneSparsities(spec: MilestoneScheduleSpec): number[] {
  const { milestones: n, finalSparsity } = spec;
  if (!Number.isInteger(n) || n < 1) throw new Error(`milestones must be a positive integer, got ${n}`);
  checkSparsity('finalSparsity', finalSparsity);
  if (spec.kind === 'constant') return Array.from({ length: n }, () => finalSparsity);
  const base = {
    initialSparsity: spec.initialSparsity ?? 0,
    finalSparsity,
    beginStep: 0,
    endStep: n,
    power: spec.power ?? 3,
  };
  return Array.from({ length: n }, (_, i) => (i + 1 === n ? finalSparsity : polynomialDecaySparsity(i + 1, base)));
}
