import { describe, expect, it } from 'vitest';
import {
  activationRange,
  biasCorrection,
  dequantizePerChannel,
  exportInt8,
  fakeQuantActivations,
  importInt8,
  meanLayerInputs,
  quantizePerChannel,
  quantizeWeights,
  float16Ceil,
  roundToFloat16,
} from '../../../core/compression/quantize.ts';
import { applyMasksToWeights } from '../../../core/compression/masks.ts';
import { globalMagnitudeMasks } from '../../../core/compression/criteria.ts';
import { columnMeans, forwardDense } from '../../../core/compression/forward.ts';
import { denseLayersFromWeights } from '../../../core/compression/weights.ts';
import { createRng } from '../../../core/random/rng.ts';
import { randomMlpWeights } from './fixtures.ts';

describe('int8 per-channel quantization', () => {
  const weights = applyMasksToWeights(randomMlpWeights([9, 6, 1], 7), new Map());
  const pruned = applyMasksToWeights(weights, globalMagnitudeMasks(weights, 0.6));

  it('error within scale/2 per channel; scale = max|w|/127 rounded up to binary16; zeros stay exactly zero', () => {
    const kernel = pruned[0]!;
    const q = quantizePerChannel(kernel.values, kernel.shape);
    const back = dequantizePerChannel(q);
    const units = 6;
    for (let j = 0; j < units; j++) {
      let max = 0;
      for (let i = 0; i < 9; i++) max = Math.max(max, Math.abs(kernel.values[i * units + j]!));
      expect(q.scales[j]).toBe(float16Ceil(max / 127));
      // Rounded up by at most one binary16 ulp (2^-10 relative for normal halves), and exactly a binary16 value.
      expect(q.scales[j]).toBeGreaterThanOrEqual(max / 127);
      expect(q.scales[j]).toBeLessThanOrEqual((max / 127) * (1 + 2 ** -10));
      expect(roundToFloat16(q.scales[j]!)).toBe(q.scales[j]);
    }
    kernel.values.forEach((w, k) => {
      const s = q.scales[k % units]!;
      // float32 storage of s·q adds at most one rounding of |w| (~6e-8 relative).
      expect(Math.abs(w - back[k]!)).toBeLessThanOrEqual(s / 2 + 1e-7 * Math.abs(w));
      if (w === 0) {
        expect(q.q[k]).toBe(0);
        expect(Object.is(back[k], 0)).toBe(true);
      }
      expect(Math.abs(q.q[k]!)).toBeLessThanOrEqual(127);
    });
    // The largest weight of each channel maps to ±127.
    for (let j = 0; j < units; j++) {
      let m = 0;
      for (let i = 0; i < 9; i++) m = Math.max(m, Math.abs(q.q[i * units + j]!));
      if (q.scales[j]! > 0) expect(m).toBe(127);
    }
  });

  it('an all-zero channel has scale 0 and dequantizes to zeros', () => {
    const q = quantizePerChannel(Float32Array.from([0, 1, 0, -2]), [2, 2]);
    const s = float16Ceil(2 / 127);
    expect(Array.from(q.scales)).toEqual([0, s]);
    // 1 / s is just under 63.5 because s was rounded up: 63; −2 / s ≥ −127: −127.
    expect(Array.from(q.q)).toEqual([0, 63, 0, -127]);
    expect(Array.from(dequantizePerChannel(q))).toEqual([0, Math.fround(s * 63), 0, Math.fround(s * -127)]);
  });

  it('float16Ceil gives the smallest binary16 value at or above x, and leaves x alone outside the range', () => {
    const rng = createRng(11);
    for (let i = 0; i < 2000; i++) {
      // Magnitudes from subnormal halves (2^-24) up to 2^15.
      const x = Math.pow(2, -24 + 39 * rng.next()) * (1 + rng.next());
      const r = float16Ceil(x);
      expect(roundToFloat16(r)).toBe(r);
      expect(r).toBeGreaterThanOrEqual(x);
      const ulp = Math.pow(2, Math.max(Math.floor(Math.log2(r)), -14) - 10);
      // One ulp below r (the ulp below a power of two is half as large) is under x.
      const below = r - (Math.log2(r) % 1 === 0 && r > 2 ** -14 ? ulp / 2 : ulp);
      expect(below).toBeLessThan(x);
    }
    expect(float16Ceil(0)).toBe(0);
    expect(float16Ceil(1)).toBe(1);
    expect(float16Ceil(1 + 2 ** -12)).toBe(1 + 2 ** -10);
    expect(float16Ceil(70000)).toBe(70000);
  });

  it('exports int8 + scales and imports the same values back', () => {
    const { weights: deq, int8 } = quantizeWeights(pruned, 'int8');
    const bytes = exportInt8(pruned, int8);
    // header 9 + per tensor (2 + name + 2 + 4·rank) + payload: kernels 1 byte + 4 per unit scale, biases 4 bytes.
    const names = pruned.map((w) => w.name.length);
    expect(bytes.length).toBe(
      9 + names.reduce((n, l, k) => n + 4 + l + 4 * pruned[k]!.shape.length, 0) + (54 + 24) + 24 + (6 + 4) + 4,
    );
    const back = importInt8(bytes);
    expect(back.weights.map((w) => w.name)).toEqual(pruned.map((w) => w.name));
    back.weights.forEach((w, k) => expect(w.values).toEqual(deq[k]!.values));
    expect(back.int8.get('dense0/kernel')!.q).toEqual(int8.get('dense0/kernel')!.q);
  });

  it('float16 round trip: exact on representable values, nearest-even otherwise, zeros kept', () => {
    expect(roundToFloat16(1)).toBe(1);
    expect(roundToFloat16(0.1)).toBe(0.0999755859375);
    expect(roundToFloat16(1 + 2 ** -11)).toBe(1); // tie → even
    expect(roundToFloat16(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9); // tie → even (up)
    expect(roundToFloat16(65504)).toBe(65504);
    expect(roundToFloat16(1e6)).toBe(Infinity);
    expect(roundToFloat16(2 ** -25 * 3)).toBe(2 ** -23); // subnormal
    expect(Object.is(roundToFloat16(0), 0)).toBe(true);
    const { weights: fp16 } = quantizeWeights(pruned, 'float16');
    fp16[0]!.values.forEach((v, k) => pruned[0]!.values[k] === 0 && expect(v).toBe(0));
  });

  it('bias correction removes the mean output shift on the calibration data (Nagel et al. 2019)', () => {
    const rng = createRng(3);
    const rows = 400;
    const x = Float32Array.from({ length: rows * 9 }, () => 1 + rng.normal());
    const layers = denseLayersFromWeights(pruned, ['linear', 'linear']).slice(0, 1);
    const { weights: deq } = quantizeWeights(pruned, 'int8');
    const qLayers = denseLayersFromWeights(deq, ['linear', 'linear']).slice(0, 1);
    const [corrected] = biasCorrection(layers, [qLayers[0]!.kernel], meanLayerInputs(layers, x, rows));
    const floatMean = columnMeans(forwardDense(layers, x, rows), 6);
    const quantMean = columnMeans(forwardDense(qLayers, x, rows), 6);
    const fixedMean = columnMeans(forwardDense([{ ...qLayers[0]!, bias: corrected }], x, rows), 6);
    for (let j = 0; j < 6; j++) expect(Math.abs(fixedMean[j]! - floatMean[j]!)).toBeLessThan(1e-5);
    expect(Math.max(...quantMean.map((m, j) => Math.abs(m - floatMean[j]!)))).toBeGreaterThan(1e-4);
  });

  it('activation fake-quant: zero exact, error within scale/2 inside the range', () => {
    const range = activationRange(-0.3, 2.2);
    const values = Float32Array.from([0, -0.3, 2.2, 1.234, 0.0001]);
    const copy = new Float32Array(values);
    fakeQuantActivations(values, range);
    expect(values[0]).toBe(0);
    copy.forEach((v, k) => expect(Math.abs(v - values[k]!)).toBeLessThanOrEqual(range.scale / 2 + 1e-7));
  });
});
