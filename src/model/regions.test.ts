import { describe, expect, it } from 'vitest';
import type { Detection } from './detections.ts';
import { REGION_FEATURES, regionTokens } from './regions.ts';

// Pack-independent cases; the golden vectors of a built pack are checked in pack.test.ts.
const dog: Detection = { classIndex: 16, score: 0.5, box: [0.1, 0.2, 0.5, 0.6] };
const person: Detection = { classIndex: 0, score: 0.9, box: [0, 0, 1, 1] };
const tiedCat: Detection = { classIndex: 15, score: 0.5, box: [0.2, 0.2, 0.3, 0.3] };

describe('regionTokens', () => {
  it('orders by score, keeps ties in input order and pads with zeros', () => {
    const tokens = regionTokens([[dog, person, tiedCat]], 4);
    expect(Array.from(tokens.classes, Number)).toEqual([0, 16, 15, 0]);
    expect(Array.from(tokens.mask)).toEqual([1, 1, 1, 0]);
    expect(Array.from(tokens.features.subarray(6, 12))).toEqual(
      Array.from(Float32Array.of(0.3, 0.4, 0.4, 0.4, 0.4 * 0.4, 0.5)),
    );
    expect(Array.from(tokens.features.subarray(18))).toEqual(new Array(6).fill(0));
  });

  it('keeps the strongest maxRegions detections', () => {
    const tokens = regionTokens([[dog, person, tiedCat]], 2);
    expect(Array.from(tokens.classes, Number)).toEqual([0, 16]);
  });

  it('lays a batch out row after row, an image without detections all padding', () => {
    const tokens = regionTokens([[dog], []], 2);
    expect(tokens.batch).toBe(2);
    expect(tokens.features.length).toBe(2 * 2 * REGION_FEATURES.length);
    expect(Array.from(tokens.mask)).toEqual([1, 0, 0, 0]);
  });

  it('gives an inverted box zero width and height', () => {
    const tokens = regionTokens([[{ classIndex: 1, score: 0.4, box: [0.6, 0.5, 0.4, 0.7] }]], 1);
    expect(Array.from(tokens.features)).toEqual(
      Array.from(Float32Array.of(0.5, 0.6, 0, 0.2, 0, 0.4)),
    );
  });
});
