/**
 * Runs one ONNX model with onnxruntime-node, for Python tests that compare ORT with PyTorch
 * (training/tests/test_export.py).
 *
 *   echo '{"model": "m.onnx", "inputs": {"x": {"type": "float32", "dims": [1, 2], "data": [1, 2]}}}' \
 *     | npx tsx scripts/run-onnx.ts
 *
 * prints {"outputs": {"name": {"dims": [...], "data": [...]}}} on stdout.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

interface InputSpec {
  readonly type: 'float32' | 'int64';
  readonly dims: readonly number[];
  readonly data: readonly number[];
}

interface Request {
  readonly model: string;
  readonly inputs: Readonly<Record<string, InputSpec>>;
}

function parseRequest(text: string): Request {
  const request = JSON.parse(text) as Partial<Request>;
  if (
    typeof request.model !== 'string' ||
    typeof request.inputs !== 'object' ||
    request.inputs === null
  ) {
    throw new Error('request must be {"model": path, "inputs": {name: {type, dims, data}}}');
  }
  return request as Request;
}

function toTensor(name: string, spec: InputSpec): ort.Tensor {
  const elements = spec.dims.reduce((a, b) => a * b, 1);
  if (spec.data.length !== elements) {
    throw new Error(`input ${name}: ${spec.data.length} values for dims [${spec.dims.join(', ')}]`);
  }
  switch (spec.type) {
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(spec.data), spec.dims);
    case 'int64':
      return new ort.Tensor(
        'int64',
        BigInt64Array.from(spec.data, (v) => BigInt(v)),
        spec.dims,
      );
    default:
      throw new Error(
        `input ${name}: unsupported type ${String((spec as { type: unknown }).type)}`,
      );
  }
}

async function main(): Promise<void> {
  const request = parseRequest(readFileSync(0, 'utf8'));
  const session = await ort.InferenceSession.create(request.model);
  const feeds = Object.fromEntries(
    Object.entries(request.inputs).map(([name, spec]) => [name, toTensor(name, spec)]),
  );
  const results = await session.run(feeds);
  const outputs = Object.fromEntries(
    Object.entries(results).map(([name, tensor]) => [
      name,
      { dims: tensor.dims, data: Array.from(tensor.data as ArrayLike<number | bigint>, Number) },
    ]),
  );
  process.stdout.write(`${JSON.stringify({ outputs })}\n`);
  await session.release();
}

await main();
