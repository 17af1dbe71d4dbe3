/**
 * The matmul yardstick's ONNX model, written here as protobuf bytes: one MatMul node,
 * C [m, n] = A [m, k] · B [k, n], both operands graph inputs (float32). ORT runs it on the
 * same backend and threads as the pack's models, so its FLOP/s is what that backend reaches
 * on a large plain matrix multiply. Only the protobuf fields ONNX needs for this are written.
 */

/** ONNX TensorProto.DataType.FLOAT */
const FLOAT = 1;
/** IR version 7 with opset 13: both well within what onnxruntime-web 1.x reads. */
const IR_VERSION = 7;
const OPSET = 13;

type Field = Uint8Array;

function varint(value: number): number[] {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint ${value}`);
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

function concat(parts: readonly Field[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A varint field (wire type 0). */
function int(field: number, value: number): Field {
  return Uint8Array.from([...varint(field * 8), ...varint(value)]);
}

/** A length-delimited field (wire type 2): a string or an embedded message. */
function bytes(field: number, value: Uint8Array): Field {
  return concat([Uint8Array.from([...varint(field * 8 + 2), ...varint(value.length)]), value]);
}

function text(field: number, value: string): Field {
  return bytes(field, new TextEncoder().encode(value));
}

function message(field: number, fields: readonly Field[]): Field {
  return bytes(field, concat(fields));
}

/** ValueInfoProto of a float32 tensor with a fixed shape. */
function tensorInfo(field: number, name: string, shape: readonly number[]): Field {
  const dims = shape.map((d) => message(1, [int(1, d)]));
  const tensorType = message(1, [int(1, FLOAT), message(2, dims)]);
  return message(field, [text(1, name), message(2, [tensorType])]);
}

export const MATMUL_INPUTS = { a: 'a', b: 'b' } as const;
export const MATMUL_OUTPUT = 'c';

/** A ModelProto computing c = a · b for a [m, k], b [k, n]. */
export function matmulModel(m: number, k: number, n: number): Uint8Array {
  const node = message(1, [
    text(1, MATMUL_INPUTS.a),
    text(1, MATMUL_INPUTS.b),
    text(2, MATMUL_OUTPUT),
    text(3, 'matmul'),
    text(4, 'MatMul'),
  ]);
  const graph = message(7, [
    node,
    text(2, 'probe-search-bench-matmul'),
    tensorInfo(11, MATMUL_INPUTS.a, [m, k]),
    tensorInfo(11, MATMUL_INPUTS.b, [k, n]),
    tensorInfo(12, MATMUL_OUTPUT, [m, n]),
  ]);
  return concat([
    int(1, IR_VERSION),
    text(2, 'probe-search bench'),
    graph,
    message(8, [text(1, ''), int(2, OPSET)]),
  ]);
}

/** Multiply-adds count twice: the FLOPs of an [m, k] · [k, n] product. */
export function matmulFlops(m: number, k: number, n: number): number {
  return 2 * m * k * n;
}
