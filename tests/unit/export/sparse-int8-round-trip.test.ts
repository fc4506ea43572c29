// sparse-int8 round trip: the loaded export predicts bitwise what the quantized model predicts, the file picks
// the smaller pattern and narrowest index per layer, and every kind of damage is refused with a typed error.
import { describe, expect, it } from 'vitest';
import {
  decodeSparseInt8,
  encodeSparseInt8,
  ExportFormatError,
  exportPredictor,
  indexWidth,
  loadExport,
  SPARSE_INT8_FILE,
} from '../../../core/export/index.ts';
import { dequantizePerChannel, quantizePerChannel } from '../../../core/compression/quantize.ts';
import type { DenseLayerWeights } from '../../../core/compression/weights.ts';
import { predictProba } from '../../../core/model/index.ts';
import { quantizedModel, randomRows } from './fixtures.ts';

/**
 * Layer l's decoded kernel equals `expected` bit for bit, except the columns of hidden units whose outgoing weights
 * (in the decoded next layer) are all zero: those cannot affect a prediction and are not stored.
 */
function expectSameLiveWeights(layers: readonly DenseLayerWeights[], l: number, expected: Float32Array): void {
  const { kernel, units, inputs } = layers[l]!;
  const next = layers[l + 1];
  let dropped = 0;
  for (let j = 0; j < units; j++) {
    const unused =
      next !== undefined && next.kernel.subarray(j * next.units, (j + 1) * next.units).every((w) => w === 0);
    for (let i = 0; i < inputs; i++) {
      const k = i * units + j;
      if (unused && kernel[k] === 0) dropped += expected[k] === 0 ? 0 : 1;
      else expect(Object.is(kernel[k], expected[k]) || (kernel[k] === 0 && expected[k] === 0)).toBe(true);
    }
  }
  if (next === undefined) expect(dropped).toBe(0);
}

function refused(bytes: Uint8Array): ExportFormatError {
  try {
    decodeSparseInt8(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(ExportFormatError);
    return err as ExportFormatError;
  }
  throw new Error('a damaged file was loaded');
}

describe('sparse-int8 export', () => {
  it('re-loads to bitwise the same weights and predictions as the quantized model', async () => {
    const { model, source } = await quantizedModel(0.9);
    const exported = encodeSparseInt8(source);
    const decoded = decodeSparseInt8(exported.files[0]!.bytes);
    decoded.layers.forEach((layer, l) => {
      expectSameLiveWeights(decoded.layers, l, source.layers[l]!.kernel);
      expect(Array.from(layer.bias!)).toEqual(Array.from(source.layers[l]!.bias!));
      expect(layer.kernelName).toBe(source.layers[l]!.kernelName);
      expect(layer.activation).toBe(source.layers[l]!.activation);
    });
    const loaded = await loadExport('sparse-int8', exported.files);
    const x = randomRows(500, 7);
    const expected = predictProba(model, x);
    const got = exportPredictor(loaded)(x);
    expect(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    loaded.model.dispose();
    model.dispose();
  });

  it('is deterministic and picks CSR when sparse, a bitmask when dense, with the narrowest index type', async () => {
    const sparse = await quantizedModel(0.95);
    const a = encodeSparseInt8(sparse.source);
    const b = encodeSparseInt8(sparse.source);
    expect(Buffer.from(a.files[0]!.bytes).equals(Buffer.from(b.files[0]!.bytes))).toBe(true);
    expect(a.layout.map((l) => l.pattern)).toContain('csr');
    // A tall kernel (many inputs, few units) compresses its columns: CSC, row indices in one byte.
    const kernel = Float32Array.from({ length: 200 * 4 }, (_, k) => (k % 37 === 0 ? (k % 3) - 1.5 : 0));
    const tall = encodeSparseInt8({
      layers: [
        {
          kernelName: 'tall/kernel',
          biasName: undefined,
          inputs: 200,
          units: 4,
          kernel,
          bias: undefined,
          activation: 'sigmoid',
        },
      ],
    });
    expect(tall.layout[0]).toMatchObject({ pattern: 'csc', nonzeros: 22 });
    const back = decodeSparseInt8(tall.files[0]!.bytes).layers[0]!;
    expect(Array.from(back.kernel)).toEqual(Array.from(dequantizePerChannel(quantizePerChannel(kernel, [200, 4]))));
    expect(back.bias).toBeUndefined();
    const dense = await quantizedModel(0);
    expect(encodeSparseInt8(dense.source).layout.every((l) => l.pattern === 'bitmask')).toBe(true);
    expect([indexWidth(255), indexWidth(256), indexWidth(65535), indexWidth(65536)]).toEqual([1, 2, 2, 4]);
    // 95% sparse: over 5× smaller than float32 weights (4 bytes per parameter), biases and scales included.
    const parameters = sparse.source.layers.reduce((n, l) => n + l.kernel.length + l.units, 0);
    expect(a.files[0]!.bytes.length * 5).toBeLessThan(4 * parameters);
    sparse.model.dispose();
    dense.model.dispose();
  });

  it('stores scales as float16 only when every scale of a layer is exactly a float16', async () => {
    const { model, source } = await quantizedModel(0.5);
    const exact = source.layers.map((layer) => {
      const codes = source.int8!.get(layer.kernelName)!;
      const scales = Float32Array.from(codes.scales, (_, j) => 2 ** -(j % 7) / 64);
      const kernel = Float32Array.from(codes.q, (q, k) => q * scales[k % layer.units]!);
      return { layer: { ...layer, kernel }, codes: { q: codes.q, scales } };
    });
    const half = encodeSparseInt8({
      layers: exact.map((e) => e.layer),
      int8: new Map(exact.map((e) => [e.layer.kernelName, e.codes])),
    });
    expect(half.layout.every((l) => l.scales === 'float16')).toBe(true);
    const halfLayers = decodeSparseInt8(half.files[0]!.bytes).layers;
    halfLayers.forEach((_, l) => expectSameLiveWeights(halfLayers, l, exact[l]!.layer.kernel));
    // The quantizer's own scales are binary16 values, so a campaign's package always stores them in 2 bytes.
    expect(encodeSparseInt8(source).layout.every((l) => l.scales === 'float16')).toBe(true);
    // Codes quantized elsewhere, with a scale binary16 cannot hold, keep float32 scales for that layer.
    const foreign = exact.map((e, l) => {
      const scales = Float32Array.from(e.codes.scales, (s, j) =>
        l === 0 && j === 0 ? Math.fround(s * (1 + 2 ** -15)) : s,
      );
      const kernel = Float32Array.from(e.codes.q, (q, k) => Math.fround(q * scales[k % e.layer.units]!));
      return { layer: { ...e.layer, kernel }, codes: { q: e.codes.q, scales } };
    });
    const mixed = encodeSparseInt8({
      layers: foreign.map((e) => e.layer),
      int8: new Map(foreign.map((e) => [e.layer.kernelName, e.codes])),
    });
    expect(mixed.layout.map((l) => l.scales)).toEqual(['float32', ...foreign.slice(1).map(() => 'float16')]);
    const mixedLayers = decodeSparseInt8(mixed.files[0]!.bytes).layers;
    mixedLayers.forEach((_, l) => expectSameLiveWeights(mixedLayers, l, foreign[l]!.layer.kernel));
    model.dispose();
  });

  it('carries activation ranges and refuses codes that do not match the float kernel', async () => {
    const { model, source } = await quantizedModel(0.8);
    const ranges = source.layers.map((_, l) => ({ min: -1 - l, max: 2.5, scale: 0.0137, zeroPoint: 73 }));
    const exported = encodeSparseInt8({ ...source, activationRanges: ranges });
    expect(decodeSparseInt8(exported.files[0]!.bytes).activationRanges).toEqual(ranges);
    const tampered = source.layers.map((l, i) => (i === 0 ? { ...l, kernel: l.kernel.map((v) => v * 1.5) } : l));
    expect(() => encodeSparseInt8({ ...source, layers: tampered })).toThrow(/do not dequantize/);
    model.dispose();
  });

  it('refuses wrong magic, other versions, truncation, trailing bytes and corrupted content', async () => {
    const { model, source } = await quantizedModel(0.9);
    const good = encodeSparseInt8(source).files[0]!.bytes;
    const copy = () => new Uint8Array(good);

    const magic = copy();
    magic[0] = 0x50;
    expect(refused(magic).reason).toBe('bad-magic');
    const version = copy();
    version[4] = 2;
    expect(refused(version)).toMatchObject({
      reason: 'unsupported-version',
      message: expect.stringMatching(/version 2/),
    });
    expect(refused(good.slice(0, 30)).reason).toBe('truncated');
    expect(refused(good.slice(0, good.length - 1)).reason).toBe('truncated');
    const longer = new Uint8Array(good.length + 1);
    longer.set(good);
    expect(refused(longer).reason).toBe('trailing-bytes');
    for (const at of [44, 60, Math.floor(good.length / 2), good.length - 1, 20]) {
      const flipped = copy();
      flipped[at]! ^= 0x10;
      expect(refused(flipped).reason).toBe('checksum-mismatch');
    }
    await expect(loadExport('sparse-int8', [{ name: 'other.bin', bytes: good }])).rejects.toMatchObject({
      reason: 'missing-file',
    });
    await expect(loadExport('sparse-int8', [{ name: SPARSE_INT8_FILE, bytes: magic }])).rejects.toBeInstanceOf(
      ExportFormatError,
    );
    model.dispose();
  });
});
