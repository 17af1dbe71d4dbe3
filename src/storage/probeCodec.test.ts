import { describe, expect, it } from 'vitest';
import {
  decodeRows,
  encodedBytes,
  encodeRows,
  fromHalfBits,
  PROBE_FORMATS,
  toHalfBits,
} from './probeCodec.ts';

describe('float16 bits', () => {
  it('matches known binary16 encodings', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(1e6)).toBe(0x7c00);
    expect(toHalfBits(2 ** -24)).toBe(0x0001);
    expect(toHalfBits(0)).toBe(0);
    // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1).
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00);
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('round-trips every finite half value', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const exponent = (bits >>> 10) & 0x1f;
      if (exponent === 0x1f) continue;
      const value = fromHalfBits(bits);
      // -0 encodes as 0x8000, which is also what it decodes from.
      expect(toHalfBits(value)).toBe(bits);
    }
  });
});

describe('encodeRows / decodeRows', () => {
  const width = 96;
  const rows = 9;
  const values = Float32Array.from({ length: rows * width }, (_, i) => Math.sin(i * 0.37) * 3);
  values.fill(0, width, 2 * width); // an all-zero row: int8 scale 0

  it.each(PROBE_FORMATS)('%s takes encodedBytes and decodes close to the input', (format) => {
    const encoded = encodeRows(values, width, format);
    expect(encoded.byteLength).toBe(encodedBytes(rows, width, format));
    const decoded = decodeRows(encoded, rows, width, format);
    const tolerance = { float32: 0, float16: 3 * 2 ** -11, int8: 3 / 127 / 2 + 1e-6 }[format];
    decoded.forEach((v, i) =>
      expect(Math.abs(v - (values[i] ?? 0))).toBeLessThanOrEqual(tolerance),
    );
  });

  it('stores a probe set + global in under a third of float32 as int8', () => {
    expect(encodedBytes(9, 96, 'float32')).toBe(3456);
    expect(encodedBytes(9, 96, 'float16')).toBe(1728);
    expect(encodedBytes(9, 96, 'int8')).toBe(900);
  });

  it('decodes every float16 bit pattern as fromHalfBits does', () => {
    const width = 256;
    const bits = Uint16Array.from({ length: 0x10000 }, (_, i) => i);
    const decoded = decodeRows(bits.buffer, bits.length / width, width, 'float16');
    // Object.is: -0 stays -0 and NaN equals NaN.
    const wrong = [...decoded.keys()].filter((i) => !Object.is(decoded[i], fromHalfBits(i)));
    expect(wrong).toEqual([]);
  });

  it('refuses a buffer of the wrong size', () => {
    expect(() => decodeRows(new ArrayBuffer(10), rows, width, 'float16')).toThrow(RangeError);
    expect(() => encodeRows(new Float32Array(5), width, 'int8')).toThrow(RangeError);
  });
});
