import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProbeIndex } from './probeIndex.ts';

// Golden vectors of a built pack (tiny test pack or the bundled one), when present.
const GOLDEN = ['.cache/build/tiny-pack', 'public/models/cpb-coco80-v1']
  .map((dir) => resolve(import.meta.dirname, '..', dir, 'golden.json'))
  .find((file) => existsSync(file));

interface Golden {
  tolerance: number;
  queries: { textGlobal: number[] }[];
  images: { visionGlobal: number[] }[];
  scores: { globalCosine: number[][] };
}

function photo(path: string, global: number[], probeValue = 0) {
  return {
    path,
    detections: [],
    probes: new Float32Array(4).fill(probeValue),
    global: new Float32Array(global),
  };
}

describe('ProbeIndex', () => {
  it('shortlists by cosine of globals, best first, ties by insertion order', () => {
    const index = new ProbeIndex(4, 2);
    index.set(photo('right.jpg', [1, 0]));
    index.set(photo('up.jpg', [0, 3]));
    index.set(photo('diagonal.jpg', [2, 2]));
    index.set(photo('left.jpg', [-1, 0]));
    index.set(photo('up-again.jpg', [0, 1]));
    const hits = index.shortlist(new Float32Array([0, 2]), 3);
    expect(hits.map((h) => h.path)).toEqual(['up.jpg', 'up-again.jpg', 'diagonal.jpg']);
    expect(hits[0]?.score).toBeCloseTo(1, 6);
    expect(hits[2]?.score).toBeCloseTo(Math.SQRT1_2, 6);
    expect(index.shortlist(new Float32Array([1, 0]), 10)).toHaveLength(5);
  });

  it('replaces a photo with the same path and grows past its capacity', () => {
    const index = new ProbeIndex(4, 2, 1);
    for (let i = 0; i < 5; i++) index.set(photo(`p${i}.jpg`, [1, i], i));
    index.set(photo('p0.jpg', [-1, 0], 9));
    expect(index.size).toBe(5);
    expect(index.shortlist(new Float32Array([-1, 0]), 1)[0]?.path).toBe('p0.jpg');
    const batch = index.gather([3, 0]);
    expect([...batch.probes]).toEqual([3, 3, 3, 3, 9, 9, 9, 9]);
    expect([...batch.global]).toEqual([1, 3, -1, 0]);
  });

  it('removes a photo by moving the last row into its place, and counts every change', () => {
    const index = new ProbeIndex(4, 2);
    for (let i = 0; i < 3; i++) index.set(photo(`p${i}.jpg`, [1, i], i));
    const version = index.version;
    expect(index.delete('p0.jpg')).toBe(true);
    expect(index.delete('p0.jpg')).toBe(false);
    expect(index.version).toBe(version + 1);
    expect(index.size).toBe(2);
    expect(index.rowOf('p2.jpg')).toBe(0);
    expect([...index.gather([0]).probes]).toEqual([2, 2, 2, 2]);
    expect(index.shortlist(new Float32Array([1, 2]), 5).map((h) => h.path)).toEqual([
      'p2.jpg',
      'p1.jpg',
    ]);
  });

  it('shortlists the k best of many rows, exactly as a full sort would', () => {
    const index = new ProbeIndex(1, 2);
    for (let i = 0; i < 500; i++) {
      const angle = (i * 7.31) % (2 * Math.PI);
      index.set({
        ...photo(`p${i}.jpg`, [Math.cos(angle), Math.sin(angle)]),
        probes: new Float32Array(1),
      });
    }
    const query = new Float32Array([0.3, -1]);
    const all = index.shortlist(query, 500);
    expect(index.shortlist(query, 37)).toEqual(all.slice(0, 37));
    expect(index.shortlist(query, 0)).toEqual([]);
  });

  it('refuses probes of another shape', () => {
    const index = new ProbeIndex(4, 2);
    expect(() => index.set(photo('odd.jpg', [1, 2, 3]))).toThrow(/shape/);
  });

  it.skipIf(GOLDEN === undefined)(
    "scores stage 1 as the pack's two-tower cosine (golden vectors)",
    () => {
      const golden = JSON.parse(readFileSync(GOLDEN ?? '', 'utf8')) as Golden;
      const width = golden.images[0]?.visionGlobal.length ?? 0;
      const index = new ProbeIndex(1, width);
      golden.images.forEach((image, i) =>
        index.set({
          path: `image${i}`,
          detections: [],
          probes: new Float32Array(1),
          global: new Float32Array(image.visionGlobal),
        }),
      );
      golden.queries.forEach((query, q) => {
        const hits = index.shortlist(new Float32Array(query.textGlobal), golden.images.length);
        for (const hit of hits) {
          const expected = golden.scores.globalCosine[q]?.[hit.row];
          expect(Math.abs(hit.score - (expected ?? NaN))).toBeLessThan(golden.tolerance);
        }
      });
    },
  );
});
