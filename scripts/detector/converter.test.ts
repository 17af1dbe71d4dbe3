/**
 * Numeric check of training/probesearch/tfjs_to_onnx.py on a tiny hand-made TF.js graph that
 * uses every translated op (training/probesearch/tfjs_test_graph.py): TF.js CPU vs ONNX Runtime.
 * Skips when Debian's python3 with onnx is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { maxAbsDiff, REPO_ROOT } from './reference.ts';
import { loadTfjsModel } from './tfjs-model.ts';

const PYTHON = '/usr/bin/python3';
const env = { ...process.env, PYTHONPATH: resolve(REPO_ROOT, 'training') };
const hasConverter = spawnSync(PYTHON, ['-c', 'import onnx, numpy'], { env }).status === 0;
const SHAPE = [1, 9, 11, 3];

describe.skipIf(!hasConverter)('tfjs_to_onnx on a tiny graph', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfjs-tiny-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('matches TF.js on every output', async () => {
    execFileSync(PYTHON, ['-m', 'probesearch.tfjs_test_graph', dir], { env, cwd: REPO_ROOT });
    const size = SHAPE.reduce((a, b) => a * b, 1);
    const input = Float32Array.from(
      { length: size },
      (_, i) => ((i * 37) % 255) - 60 + Math.sin(i),
    );

    const model = await loadTfjsModel(join(dir, 'model.json'));
    const expected = tf.tidy(() => {
      const outs = model.execute(tf.tensor(input, SHAPE), [
        'out/features',
        'out/gate',
      ]) as tf.Tensor[];
      return outs.map((t) => ({ shape: t.shape, data: t.dataSync() as Float32Array }));
    });
    const session = await ort.InferenceSession.create(join(dir, 'model.onnx'));
    const got = await session.run({ images: new ort.Tensor('float32', input, SHAPE) });

    for (const [i, name] of ['features', 'gate'].entries()) {
      const want = expected[i];
      const out = got[name];
      if (!want || !out) throw new Error(`missing output ${name}`);
      expect(out.dims).toEqual(want.shape);
      const scale = Math.max(...want.data.map(Math.abs));
      expect(scale).toBeGreaterThan(0); // a dead graph would pass trivially
      expect(maxAbsDiff(want.data, out.data as Float32Array)).toBeLessThanOrEqual(
        1e-5 * Math.max(1, scale),
      );
    }
    expect(expected[0]?.shape).toEqual([1, 5, 6, 5]);
  });
});
