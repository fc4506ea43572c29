import { beforeAll, describe, expect, it } from 'vitest';
import { randomMasks } from '../../../core/compression/criteria.ts';
import {
  constrainedFinetune,
  evaluateGroups,
  groupAccuracyDrops,
  maskedFinetune,
  type FinetuneCheckpoint,
  type FinetuneResult,
  type GroupPerformance,
} from '../../../core/compression/finetune.ts';
import { readWeights, writeWeights } from '../../../core/compression/model-adapter.ts';
import type { NamedWeight } from '../../../core/compression/weights.ts';
import type { MaskSet } from '../../../core/compression/masks.ts';
import { trainedMinorityModel, type TrainedFixture } from './model-fixtures.ts';

// The constructed case: minority B (10%) has its signal in its own features; after 60% layer-wise random pruning,
// plain fine-tuning repairs the majority first and leaves B's excess accuracy gap ψ_B above ε after 8 epochs.
// CEAG's multiplier on B grows while ψ_B > ε and brings it under ε (on the training data, where CEAG holds).
const EPSILON = 0.02;
const EPOCHS = 8;

describe('fairness-constrained fine-tuning (CEAG)', () => {
  let fx: TrainedFixture;
  let dense: GroupPerformance;
  let masks: MaskSet;
  let plainRun: FinetuneResult;
  beforeAll(async () => {
    fx = await trainedMinorityModel();
    dense = evaluateGroups(fx.model, fx.data);
    masks = randomMasks(readWeights(fx.model), 0.6, 5, 'layer');
    plainRun = await maskedFinetune(fx.copy(), fx.data, { masks, seed: 3, epochs: EPOCHS, learningRate: 0.003, dense });
  });

  it('brings max ψ_g under ε where plain masked fine-tuning leaves it above', async () => {
    expect(dense.groupAccuracy.B).toBeGreaterThan(0.95);
    const plain = fx.copy();
    const plainRun = await maskedFinetune(plain, fx.data, {
      masks,
      seed: 3,
      epochs: EPOCHS,
      learningRate: 0.003,
      dense,
    });
    const plainPsi = plainRun.history.at(-1)!.maxPsi!.value!;
    expect(plainPsi).toBeGreaterThan(EPSILON);

    const constrained = fx.copy();
    const progress: { epoch: number; psiB: number | undefined; lambdaB: number }[] = [];
    const run = await constrainedFinetune(constrained, fx.data, {
      masks,
      seed: 3,
      epochs: EPOCHS,
      learningRate: 0.003,
      dense,
      epsilon: EPSILON,
      dualLearningRate: 5,
      onEpoch: (p) => void progress.push({ epoch: p.epoch, psiB: p.psi?.B?.value, lambdaB: p.lambda.B! }),
    });
    const finalPsi = run.history.at(-1)!.maxPsi!.value!;
    expect(finalPsi).toBeLessThanOrEqual(EPSILON);
    // Same numbers from an independent evaluation of the final model.
    const after = evaluateGroups(constrained, fx.data);
    const psiB = dense.groupAccuracy.B! - after.groupAccuracy.B! - (dense.accuracy - after.accuracy);
    expect(psiB).toBeCloseTo(run.history.at(-1)!.psi!.B!.value!, 12);
    // The multiplier did the work: it rose while ψ_B > ε and it is never negative.
    expect(progress.map((p) => p.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Math.max(...progress.map((p) => p.lambdaB))).toBeGreaterThan(1);
    for (const p of run.history) for (const l of Object.values(p.lambda)) expect(l).toBeGreaterThanOrEqual(0);
    console.info(
      `max ψ after ${EPOCHS} epochs: plain ${plainPsi.toFixed(4)}, constrained ${finalPsi.toFixed(4)} (ε = ${EPSILON}); ` +
        `accuracy A/B plain ${JSON.stringify(plainRun.history.at(-1)!.performance.groupAccuracy)}, constrained ${JSON.stringify(after.groupAccuracy)}`,
    );
  });

  it("the 'group-loss' proxy narrows ψ without levelling the majority down (slower than CEAG's proxy here)", async () => {
    const model = fx.copy();
    const run = await constrainedFinetune(model, fx.data, {
      masks,
      seed: 3,
      epochs: EPOCHS,
      learningRate: 0.003,
      dense,
      epsilon: EPSILON,
      dualLearningRate: 5,
      primalProxy: 'group-loss',
    });
    const plainLast = plainRun.history.at(-1)!;
    const last = run.history.at(-1)!;
    expect(last.maxPsi!.value!).toBeLessThan(plainLast.maxPsi!.value! - 0.005);
    expect(last.performance.groupAccuracy.B!).toBeGreaterThan(plainLast.performance.groupAccuracy.B!);
    expect(last.performance.groupAccuracy.A!).toBeGreaterThan(plainLast.performance.groupAccuracy.A! - 0.01);
    console.info(
      `'group-loss' proxy: max ψ ${last.maxPsi!.value!.toFixed(4)}, accuracy ${JSON.stringify(last.performance.groupAccuracy)}`,
    );
  });

  it("no-harm narrows the harmed group's own drop without lowering the other group (CEAG's ψ lowers it)", async () => {
    const drops = (p: GroupPerformance) => groupAccuracyDrops(dense, p);
    const worstDrop = (p: GroupPerformance) => Math.max(...Object.values(drops(p)).map((d) => d.value!));
    const plainLast = plainRun.history.at(-1)!.performance;
    expect(worstDrop(plainLast)).toBeGreaterThan(EPSILON);

    const model = fx.copy();
    const lambdaB: number[] = [];
    const run = await constrainedFinetune(model, fx.data, {
      masks,
      seed: 3,
      epochs: EPOCHS,
      learningRate: 0.003,
      dense,
      epsilon: EPSILON,
      dualLearningRate: 5,
      constraint: 'no-harm',
      onEpoch: (p) => void lambdaB.push(p.lambda.B!),
    });
    const after = evaluateGroups(model, fx.data);
    expect(after.groupAccuracy).toEqual(run.history.at(-1)!.performance.groupAccuracy);
    // Here the pruned network cannot bring B back within ε of dense in 8 epochs by any route that keeps A: the bound
    // is not met, and the constraint says so instead of meeting it by lowering A, as CEAG's ψ does above (A 0.99 →
    // 0.83). B's drop shrinks, its multiplier did the work, and A stays within ε of dense.
    expect(worstDrop(after)).toBeGreaterThan(EPSILON);
    expect(worstDrop(after)).toBeLessThan(worstDrop(plainLast) - 0.01);
    expect(Math.max(...lambdaB)).toBeGreaterThan(0);
    expect(after.groupAccuracy.A!).toBeGreaterThanOrEqual(dense.groupAccuracy.A! - EPSILON);
    console.info(
      `no-harm: worst group drop plain ${worstDrop(plainLast).toFixed(4)}, no-harm ${worstDrop(after).toFixed(4)} ` +
        `(ε = ${EPSILON}); accuracy ${JSON.stringify(after.groupAccuracy)}, dense ${JSON.stringify(dense.groupAccuracy)}`,
    );
  });

  it('resumes from an epoch checkpoint to the same weights as an uninterrupted run', async () => {
    const options = { masks, seed: 3, epochs: 4, learningRate: 0.003, dense, epsilon: EPSILON, dualLearningRate: 5 };
    const whole = fx.copy();
    await constrainedFinetune(whole, fx.data, options);

    let checkpoint: FinetuneCheckpoint | undefined;
    let weights: NamedWeight[] | undefined;
    const crashed = fx.copy();
    const controller = new AbortController();
    await constrainedFinetune(crashed, fx.data, {
      ...options,
      signal: controller.signal,
      onEpoch: (p, c) => {
        checkpoint = c;
        weights = readWeights(crashed);
        if (p.epoch === 1) controller.abort(); // the activity dies after epoch 1
      },
    });
    expect(checkpoint!.nextEpoch).toBe(2);
    expect(checkpoint!.lambda.B).toBeGreaterThan(0);

    // A restarted activity: a fresh model, the saved weights, the checkpoint.
    const resumed = fx.copy();
    writeWeights(resumed, weights!);
    const rest = await constrainedFinetune(resumed, fx.data, { ...options, resume: checkpoint! });
    expect(rest.history.map((h) => h.epoch)).toEqual([2, 3]);
    const a = readWeights(whole);
    readWeights(resumed).forEach((w, k) =>
      expect(Buffer.from(w.values.buffer).equals(Buffer.from(a[k]!.values.buffer))).toBe(true),
    );

    // Optimizer-independent resume (multipliers and epoch only): continues from the same λ, Adam restarts.
    const light = fx.copy();
    writeWeights(light, weights!);
    const lightRun = await constrainedFinetune(light, fx.data, {
      ...options,
      resume: { nextEpoch: 2, lambda: checkpoint!.lambda },
    });
    expect(lightRun.history.map((h) => h.epoch)).toEqual([2, 3]);
    expect(lightRun.history[0]!.lambda.B).not.toBe(0);
  });
});
