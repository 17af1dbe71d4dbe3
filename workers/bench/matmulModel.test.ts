import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { MATMUL_INPUTS, MATMUL_OUTPUT, matmulFlops, matmulModel } from './matmulModel.ts';

describe('matmulModel', () => {
  it('is a model ONNX Runtime loads and runs as c = a · b', async () => {
    const [m, k, n] = [3, 130, 2]; // k > 127: a two-byte varint in the shape
    const session = await ort.InferenceSession.create(matmulModel(m, k, n));
    expect(session.inputNames).toEqual([MATMUL_INPUTS.a, MATMUL_INPUTS.b]);
    expect(session.outputNames).toEqual([MATMUL_OUTPUT]);
    const a = Float32Array.from({ length: m * k }, (_, i) => ((i * 7) % 11) - 5);
    const b = Float32Array.from({ length: k * n }, (_, i) => ((i * 3) % 5) - 2);
    const out = await session.run({
      [MATMUL_INPUTS.a]: new ort.Tensor('float32', a, [m, k]),
      [MATMUL_INPUTS.b]: new ort.Tensor('float32', b, [k, n]),
    });
    const c = out[MATMUL_OUTPUT];
    expect(c?.dims).toEqual([m, n]);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let t = 0; t < k; t++) sum += (a[i * k + t] ?? 0) * (b[t * n + j] ?? 0);
        expect((c?.data as Float32Array)[i * n + j]).toBeCloseTo(sum, 3);
      }
    }
    await session.release();
  });

  it('counts two FLOPs per multiply-add', () => {
    expect(matmulFlops(2, 3, 4)).toBe(48);
  });
});
