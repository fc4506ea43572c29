import { describe, expect, it } from 'vitest';
import {
  applyTemperature,
  expectedCalibrationError,
  fitPlatt,
  fitTemperature,
  groupEce,
  logitNll,
  logitsFromProbabilities,
  modelLogits,
  recalibrate,
} from '../../../core/compression/calibrate.ts';
import { buildMlp, initBackend, predictProba } from '../../../core/model/index.ts';
import { createRng } from '../../../core/random/rng.ts';

/** Labels drawn from σ(z); the "model" reports 3z (overconfident) plus a shift of +1 for group B. */
function miscalibrated(n: number, seed: number) {
  const rng = createRng(seed);
  const logits = new Float64Array(n);
  const labels = new Uint8Array(n);
  const groups: string[] = [];
  for (let i = 0; i < n; i++) {
    const z = 1.5 * rng.normal();
    const isB = rng.next() < 0.3;
    labels[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    logits[i] = 3 * z + (isB ? 1 : 0);
    groups.push(isB ? 'B' : 'A');
  }
  return { logits, labels, groups };
}

describe('calibration', () => {
  it('ECE matches the hand-checked vector (15 bins, positive class: 0.315)', () => {
    const score = [0.92, 0.43, 0.22, 0.61, 0.83, 0.47, 0.12, 0.27, 0.74, 0.58, 0.33, 0.96];
    const y = [1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 1];
    expect(expectedCalibrationError(score, y, 15).value).toBeCloseTo(0.315, 10);
    expect(expectedCalibrationError(score, y, 10).value).toBeCloseTo(0.315, 10);
    expect(expectedCalibrationError([], []).reason).toBe('no rows');
    const perGroup = groupEce(score, y, ['A', 'A', 'A', 'A', 'A', 'B', 'B', 'B', 'B', 'C', 'C', 'C']);
    expect(Object.keys(perGroup.groups)).toEqual(['A', 'B', 'C']);
  });

  it('temperature scaling minimises the NLL on a 3× overconfident model and lowers ECE', () => {
    const { logits, labels } = miscalibrated(4000, 1);
    const fit = fitTemperature(logits, labels);
    expect(fit.nllAfter).toBeLessThan(fit.nllBefore);
    expect(fit.atBoundary).toBe(false);
    expect(fit.temperature).toBeGreaterThan(2);
    expect(fit.temperature).toBeLessThan(4);
    // The minimiser: NLL at T is not beaten by T ± 1%.
    for (const t of [fit.temperature * 0.99, fit.temperature * 1.01])
      expect(logitNll(logits, labels, 1 / t)).toBeGreaterThanOrEqual(fit.nllAfter);
    const ece = (p: ArrayLike<number>) => expectedCalibrationError(p, labels).value!;
    expect(ece(applyTemperature(logits, fit.temperature))).toBeLessThan(ece(applyTemperature(logits, 1)));
  });

  it('Platt scaling recovers a ≈ 1/3 on the overconfident case and lowers NLL below the unscaled one', () => {
    const { logits, labels } = miscalibrated(4000, 2);
    const aOnly = fitPlatt(logits, labels);
    expect(aOnly.nllAfter).toBeLessThan(aOnly.nllBefore);
    expect(aOnly.a).toBeGreaterThan(0.25);
    expect(aOnly.a).toBeLessThan(0.42);
    // Without target smoothing the fit is the plain logistic-regression MLE: the gradient vanishes there.
    const mle = fitPlatt(logits, labels, { smoothTargets: false });
    const eps = 1e-4;
    expect(logitNll(logits, labels, mle.a + eps, mle.b)).toBeGreaterThan(mle.nllAfter);
    expect(logitNll(logits, labels, mle.a, mle.b + eps)).toBeGreaterThan(mle.nllAfter);
    expect(logitNll(logits, labels, mle.a, mle.b - eps)).toBeGreaterThan(mle.nllAfter);
  });

  it('reports per-group ECE before and after a fit on validation data', () => {
    const validation = miscalibrated(3000, 3);
    const test = miscalibrated(3000, 4);
    for (const method of ['temperature', 'platt'] as const) {
      const report = recalibrate(method, validation, test);
      expect(report.validationNll.after).toBeLessThan(report.validationNll.before);
      expect(report.ece.after.overall.value!).toBeLessThan(report.ece.before.overall.value!);
      expect(Object.keys(report.ece.after.groups)).toEqual(['A', 'B']);
      expect(report.eceGap.before.value).toBeTypeOf('number');
    }
  });

  it('model logits agree with the model probabilities', async () => {
    await initBackend('cpu');
    const model = buildMlp({ hidden: [{ units: 4, activation: 'tanh' }] }, { inputDim: 3, seed: 4 });
    const rng = createRng(5);
    const x = { values: Float32Array.from({ length: 30 }, () => rng.normal()), rows: 10, cols: 3 };
    const z = modelLogits(model, x);
    const p = predictProba(model, x);
    const back = logitsFromProbabilities(p);
    z.forEach((v, i) => expect(v).toBeCloseTo(back[i]!, 4));
  });
});
