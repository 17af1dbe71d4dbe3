/**
 * The benchmark's synthetic libraries and queries. A few hundred random-but-plausible region
 * sets (1–7 detected objects, a person in many, repeated classes for counts, boxes of 8–60% of
 * the side inside the frame, detector-like scores) go through the pack's real vision encoder;
 * a library of N photos tiles those encodings, each copy with Gaussian noise of 2% of its own
 * RMS added to every probe and global value, so no two photos tie. Seeded: a run repeats.
 */
import type { Detection } from '../../src/model/detections.ts';
import type { Encoded } from '../models.ts';
import { ProbeIndex } from '../probeIndex.ts';
import type { Random } from './random.ts';

/** Noise added to a tiled copy, relative to the RMS of the vector it perturbs. */
export const TILE_NOISE = 0.02;
const PERSON = 0;

export function randomRegionSet(random: Random, classes: number): Detection[] {
  const count = 1 + Math.min(random.int(4), random.int(7)) + random.int(2);
  const detections: Detection[] = [];
  for (let i = 0; i < count; i++) {
    const previous = detections[detections.length - 1];
    const classIndex =
      previous !== undefined && random.next() < 0.3
        ? previous.classIndex
        : random.next() < 0.35
          ? PERSON
          : random.int(classes);
    const w = 0.08 + random.next() * 0.52;
    const h = 0.08 + random.next() * 0.52;
    const x0 = random.next() * (1 - w);
    const y0 = random.next() * (1 - h);
    detections.push({
      classIndex,
      score: 0.3 + random.next() * 0.65,
      box: [x0, y0, x0 + w, y0 + h],
    });
  }
  return detections.sort((a, b) => b.score - a.score);
}

export interface BaseLibrary {
  readonly regionSets: readonly (readonly Detection[])[];
  /** The vision encoder's output for them: probes [S, Pv, d], globals [S, d]. */
  readonly encoded: Encoded;
}

/** S region sets run through the vision encoder in batches. */
export async function encodeBaseLibrary(
  random: Random,
  count: number,
  classes: number,
  encodeVision: (images: readonly (readonly Detection[])[]) => Promise<Encoded>,
  batch = 64,
): Promise<BaseLibrary> {
  const regionSets = Array.from({ length: count }, () => randomRegionSet(random, classes));
  const parts: Encoded[] = [];
  for (let start = 0; start < count; start += batch) {
    const out = await encodeVision(regionSets.slice(start, start + batch));
    parts.push({ probes: out.probes.slice(), global: out.global.slice() });
  }
  const join = (arrays: Float32Array[]) => {
    const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of arrays) {
      out.set(a, at);
      at += a.length;
    }
    return out;
  };
  return {
    regionSets,
    encoded: { probes: join(parts.map((p) => p.probes)), global: join(parts.map((p) => p.global)) },
  };
}

function rms(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v * v;
  return Math.sqrt(sum / Math.max(1, values.length));
}

/**
 * A ProbeIndex of N photos: row i is base set i mod S, perturbed unless it is the first copy
 * (rows < S are the encoder's own outputs).
 */
export function tiledLibrary(
  base: BaseLibrary,
  size: number,
  shape: { readonly probeFloats: number; readonly width: number },
  random: Random,
): ProbeIndex {
  const { probeFloats, width } = shape;
  const sets = base.regionSets.length;
  const index = new ProbeIndex(probeFloats, width, size);
  for (let row = 0; row < size; row++) {
    const b = row % sets;
    const probes = base.encoded.probes.slice(b * probeFloats, (b + 1) * probeFloats);
    const global = base.encoded.global.slice(b * width, (b + 1) * width);
    if (row >= sets) {
      for (const v of [probes, global]) {
        const sigma = TILE_NOISE * rms(v);
        for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) + sigma * random.normal();
      }
    }
    index.set({ path: `bench/${row}`, detections: base.regionSets[b] ?? [], probes, global });
  }
  return index;
}

/** Plural of a detector label for "two …" queries (good enough for COCO's names). */
function plural(label: string): string {
  if (/(s|sh|ch|x)$/.test(label)) return `${label}es`;
  if (label === 'person') return 'people';
  if (label === 'mouse') return 'mice';
  if (label === 'knife') return 'knives';
  return `${label}s`;
}

/** Queries in the training captions' style: objects, counts, relations, negation. */
export function benchQueries(random: Random, labels: readonly string[], count: number): string[] {
  const templates: ((a: string, b: string) => string)[] = [
    (a) => `a ${a}`,
    (a) => `two ${plural(a)}`,
    (a, b) => `a ${a} next to a ${b}`,
    (a, b) => `a ${a} above a ${b}`,
    (a, b) => `a ${a} and no ${b}`,
    (a, b) => `a ${a} with a ${b} on the left`,
  ];
  return Array.from({ length: count }, () => {
    const a = random.next() < 0.3 ? (labels[PERSON] ?? 'person') : random.pick(labels);
    return random.pick(templates)(a, random.pick(labels));
  });
}
