/**
 * Compact at-rest formats for a photo's vision probes and global (rows of width d): float16, or
 * int8 with one float32 scale per row (symmetric, scale = max |x| / 127). Search decodes them
 * back to float32 when the library is loaded. Pure functions, no storage access: the library
 * (library.ts) encodes on write and decodes on read; the pack build measures the recall each
 * format loses (manifest.metrics.probeQuantisation).
 */

export type ProbeFormat = 'float32' | 'float16' | 'int8';

export const PROBE_FORMATS: readonly ProbeFormat[] = ['float32', 'float16', 'int8'];

/** Bytes one photo's rows take in a format. */
export function encodedBytes(rows: number, width: number, format: ProbeFormat): number {
  switch (format) {
    case 'float32':
      return rows * width * 4;
    case 'float16':
      return rows * width * 2;
    case 'int8':
      return rows * (4 + width);
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits of a float32, rounded to nearest even; overflow gives ±Infinity. */
export function toHalfBits(value: number): number {
  f32[0] = value;
  const bits = u32[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200); // Inf, NaN
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit-1 mantissa into place, rounding.
    if (e < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - e;
    const half = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    const round = rest > midpoint || (rest === midpoint && (half & 1) === 1) ? 1 : 0;
    return sign | (half + round);
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  const round = rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? 1 : 0;
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  return sign | (half + round);
}

export function fromHalfBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

let halfValues: Float32Array | undefined;

/** Every binary16 value as float32, by its bits: decoding a whole library is a lookup per value. */
function halfTable(): Float32Array {
  if (halfValues === undefined) {
    halfValues = new Float32Array(0x10000);
    for (let bits = 0; bits < 0x10000; bits++) halfValues[bits] = fromHalfBits(bits);
  }
  return halfValues;
}

/** Encodes rows × width float32 values (row-major) in a format. */
export function encodeRows(values: Float32Array, width: number, format: ProbeFormat): ArrayBuffer {
  const rows = values.length / width;
  if (!Number.isInteger(rows))
    throw new RangeError(`${values.length} values are not rows of ${width}`);
  switch (format) {
    case 'float32':
      return values.slice().buffer;
    case 'float16': {
      const out = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) out[i] = toHalfBits(values[i] ?? 0);
      return out.buffer;
    }
    case 'int8': {
      const buffer = new ArrayBuffer(encodedBytes(rows, width, 'int8'));
      const scales = new Float32Array(buffer, 0, rows);
      const codes = new Int8Array(buffer, rows * 4);
      for (let r = 0; r < rows; r++) {
        let max = 0;
        for (let c = 0; c < width; c++) max = Math.max(max, Math.abs(values[r * width + c] ?? 0));
        const scale = max / 127;
        scales[r] = scale;
        for (let c = 0; c < width; c++) {
          const v = values[r * width + c] ?? 0;
          codes[r * width + c] = scale === 0 ? 0 : Math.round(v / scale);
        }
      }
      return buffer;
    }
  }
}

/** Decodes what encodeRows wrote back to float32; a buffer of the wrong size is a RangeError. */
export function decodeRows(
  buffer: ArrayBuffer,
  rows: number,
  width: number,
  format: ProbeFormat,
): Float32Array<ArrayBuffer> {
  if (buffer.byteLength !== encodedBytes(rows, width, format)) {
    throw new RangeError(
      `${format} rows ${rows}×${width} take ${encodedBytes(rows, width, format)} bytes, got ${buffer.byteLength}`,
    );
  }
  switch (format) {
    case 'float32':
      return new Float32Array(buffer.slice(0));
    case 'float16': {
      const table = halfTable();
      const bits = new Uint16Array(buffer);
      const out = new Float32Array(bits.length);
      for (let i = 0; i < bits.length; i++) out[i] = table[bits[i] ?? 0] ?? 0;
      return out;
    }
    case 'int8': {
      const scales = new Float32Array(buffer, 0, rows);
      const codes = new Int8Array(buffer, rows * 4);
      const out = new Float32Array(rows * width);
      for (let i = 0; i < out.length; i++) {
        out[i] = (codes[i] ?? 0) * (scales[Math.floor(i / width)] ?? 0);
      }
      return out;
    }
  }
}
