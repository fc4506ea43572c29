import { describe, expect, it } from 'vitest';
import { modelSize } from '../../../core/compression/size.ts';

describe('model size', () => {
  it('counts dense, CSR and int8 bytes and FLOPs from the nonzeros', () => {
    const weights = [
      { name: 'h/kernel', shape: [3, 2], values: Float32Array.from([1, 0, 0, 2, 0, 3]) },
      { name: 'h/bias', shape: [2], values: Float32Array.from([0.5, 0]) },
      { name: 'o/kernel', shape: [2, 1], values: Float32Array.from([0, 0]) },
    ];
    const size = modelSize(weights);
    const [h, o] = size.layers;
    expect(h).toMatchObject({ parameters: 8, nonzeros: 3, sparsity: 0.5, denseBytes: 32, flops: 6 });
    // CSR: 3 values · 4 + 3 column indices · 4 + (2 units + 1) row pointers · 4 + bias 2 · 4.
    expect(h!.csrBytes).toBe(12 + 12 + 12 + 8);
    // int8: 6 bytes + 2 scales · 4 + bias 2 · 4.
    expect(h!.int8Bytes).toBe(6 + 8 + 8);
    expect(o).toMatchObject({
      parameters: 2,
      nonzeros: 0,
      sparsity: 1,
      denseBytes: 8,
      csrBytes: 8,
      int8Bytes: 6,
      flops: 0,
    });
    expect(size.total).toMatchObject({ parameters: 10, nonzeros: 3, denseBytes: 40, flops: 6 });
    expect(size.total.sparsity).toBeCloseTo(5 / 8, 12);
  });
});
