/** Node-only: the converted detector on onnxruntime-node. */
import * as ort from 'onnxruntime-node';

export async function createDetectorSession(
  modelPath: string,
  threads = 2,
): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
}

export async function runOnnx(
  session: ort.InferenceSession,
  input: Float32Array,
  size: number,
): Promise<{ heatmap: Float32Array; wh: Float32Array }> {
  const result = await session.run({ image: new ort.Tensor('float32', input, [1, size, size, 3]) });
  const heatmap = result['heatmap'];
  const wh = result['wh'];
  if (!heatmap || !wh) throw new Error('ONNX model did not return heatmap and wh');
  return { heatmap: heatmap.data as Float32Array, wh: wh.data as Float32Array };
}
