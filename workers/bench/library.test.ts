import { describe, expect, it } from 'vitest';
import type { Detection } from '../../src/model/detections.ts';
import { benchQueries, encodeBaseLibrary, randomRegionSet, tiledLibrary } from './library.ts';
import { seededRandom } from './random.ts';

const SHAPE = { probeFloats: 6, width: 3 };

/** A stand-in vision encoder: probes and global from the region count and first class. */
async function fakeEncode(images: readonly (readonly Detection[])[]) {
  const probes = new Float32Array(images.length * SHAPE.probeFloats);
  const global = new Float32Array(images.length * SHAPE.width);
  images.forEach((regions, i) => {
    probes.fill(regions.length, i * SHAPE.probeFloats, (i + 1) * SHAPE.probeFloats);
    global.fill((regions[0]?.classIndex ?? 0) + 1, i * SHAPE.width, (i + 1) * SHAPE.width);
  });
  return { probes, global };
}

describe('randomRegionSet', () => {
  it('gives 1–7 detections with boxes inside the frame, best score first', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 200; i++) {
      const set = randomRegionSet(random, 80);
      expect(set.length).toBeGreaterThanOrEqual(1);
      expect(set.length).toBeLessThanOrEqual(7);
      for (const d of set) {
        expect(d.classIndex).toBeGreaterThanOrEqual(0);
        expect(d.classIndex).toBeLessThan(80);
        const [x0, y0, x1, y1] = d.box;
        expect(x0).toBeGreaterThanOrEqual(0);
        expect(y0).toBeGreaterThanOrEqual(0);
        expect(x1).toBeLessThanOrEqual(1);
        expect(y1).toBeLessThanOrEqual(1);
        expect(x1 - x0).toBeGreaterThanOrEqual(0.08);
      }
      expect([...set].sort((a, b) => b.score - a.score)).toEqual(set);
    }
  });
});

describe('tiledLibrary', () => {
  it('tiles the encoded sets to N with the first copies exact and later ones perturbed', async () => {
    const base = await encodeBaseLibrary(seededRandom(2), 5, 80, fakeEncode, 2);
    expect(base.encoded.global.length).toBe(5 * SHAPE.width);
    const index = tiledLibrary(base, 12, SHAPE, seededRandom(3));
    expect(index.size).toBe(12);
    const { probes, global } = index.gather([1, 6]);
    expect(Array.from(probes.subarray(0, 6))).toEqual(
      Array.from(base.encoded.probes.subarray(6, 12)),
    );
    // Row 6 is a noisy copy of set 1: close, not equal.
    const original = base.encoded.global[SHAPE.width] ?? 0;
    const copy = global[SHAPE.width] ?? 0;
    expect(copy).not.toBe(original);
    expect(Math.abs(copy - original)).toBeLessThan(0.2 * Math.abs(original));
    expect(index.detectionsOf(6)).toBe(base.regionSets[1]);
  });
});

describe('benchQueries', () => {
  it('makes the same queries from the same seed, naming labels', () => {
    const labels = ['person', 'dog', 'bus'];
    const a = benchQueries(seededRandom(4), labels, 20);
    expect(benchQueries(seededRandom(4), labels, 20)).toEqual(a);
    expect(a.every((q) => labels.some((l) => q.includes(l)) || q.includes('people'))).toBe(true);
  });
});
