/**
 * The indexed library in memory, as search needs it: every photo's vision probes and global in
 * two contiguous float32 matrices, so stage 1 is one pass over the globals and stage 2 gathers
 * the shortlist's probes into one batch. Filled from the probe cache and kept in step with it.
 */
import type { Detection } from '../src/model/detections.ts';
import type { Encoded } from './models.ts';

export interface IndexedProbes {
  readonly path: string;
  readonly detections: readonly Detection[];
  /** float32 [Pv, d] */
  readonly probes: Float32Array;
  /** float32 [d] */
  readonly global: Float32Array;
}

export interface Candidate {
  readonly row: number;
  readonly path: string;
  /** Cosine of the query's and the photo's globals. */
  readonly score: number;
}

/** As torch.nn.functional.cosine_similarity: each norm clamped to at least this. */
const NORM_EPS = 1e-6;

function norm(v: Float32Array): number {
  let sum = 0;
  for (const x of v) sum += x * x;
  return Math.max(Math.sqrt(sum), NORM_EPS);
}

export class ProbeIndex {
  private readonly rows = new Map<string, number>();
  private paths: string[] = [];
  private detections: (readonly Detection[])[] = [];
  private probes: Float32Array;
  private globals: Float32Array;
  private globalNorms: Float32Array;

  constructor(
    /** Floats per photo in the probes matrix (Pv × d). */
    readonly probeFloats: number,
    /** d */
    readonly width: number,
    capacity = 64,
  ) {
    this.probes = new Float32Array(capacity * probeFloats);
    this.globals = new Float32Array(capacity * width);
    this.globalNorms = new Float32Array(capacity);
  }

  /** Changes whenever a photo is added, replaced or removed: caches keyed on it stay valid. */
  private changes = 0;

  get size(): number {
    return this.paths.length;
  }

  get version(): number {
    return this.changes;
  }

  private grow(): void {
    const capacity = this.globalNorms.length * 2;
    const grown = (old: Float32Array, perRow: number) => {
      const next = new Float32Array(capacity * perRow);
      next.set(old);
      return next;
    };
    this.probes = grown(this.probes, this.probeFloats);
    this.globals = grown(this.globals, this.width);
    this.globalNorms = grown(this.globalNorms, 1);
  }

  /** Adds a photo, or replaces the one with the same path. */
  set(photo: IndexedProbes): void {
    if (photo.probes.length !== this.probeFloats || photo.global.length !== this.width) {
      throw new Error(`${photo.path}: probes/global do not have the pack's shape`);
    }
    let row = this.rows.get(photo.path);
    if (row === undefined) {
      if (this.size === this.globalNorms.length) this.grow();
      row = this.size;
      this.rows.set(photo.path, row);
      this.paths.push(photo.path);
      this.detections.push(photo.detections);
    } else {
      this.detections[row] = photo.detections;
    }
    this.probes.set(photo.probes, row * this.probeFloats);
    this.globals.set(photo.global, row * this.width);
    this.globalNorms[row] = norm(photo.global);
    this.changes += 1;
  }

  /** Removes a photo (the last row moves into its place); false if it was not there. */
  delete(path: string): boolean {
    const row = this.rows.get(path);
    if (row === undefined) return false;
    const last = this.size - 1;
    const lastPath = this.path(last);
    if (row !== last) {
      this.probes.copyWithin(
        row * this.probeFloats,
        last * this.probeFloats,
        (last + 1) * this.probeFloats,
      );
      this.globals.copyWithin(row * this.width, last * this.width, (last + 1) * this.width);
      this.globalNorms[row] = this.globalNorms[last] ?? NORM_EPS;
      this.paths[row] = lastPath;
      this.detections[row] = this.detectionsOf(last);
      this.rows.set(lastPath, row);
    }
    this.rows.delete(path);
    this.paths.pop();
    this.detections.pop();
    this.changes += 1;
    return true;
  }

  has(path: string): boolean {
    return this.rows.has(path);
  }

  rowOf(path: string): number | undefined {
    return this.rows.get(path);
  }

  path(row: number): string {
    const path = this.paths[row];
    if (path === undefined) throw new RangeError(`no photo at row ${row}`);
    return path;
  }

  detectionsOf(row: number): readonly Detection[] {
    return this.detections[row] ?? [];
  }

  /** Stage 1: the `k` photos whose globals are closest (cosine) to `query`, best first. */
  shortlist(query: Float32Array, k: number): Candidate[] {
    if (query.length !== this.width) throw new Error(`query global has ${query.length} values`);
    const queryNorm = norm(query);
    const d = this.width;
    const scores = new Float32Array(this.size);
    for (let row = 0; row < this.size; row++) {
      let dot = 0;
      const offset = row * d;
      for (let i = 0; i < d; i++) dot += (query[i] ?? 0) * (this.globals[offset + i] ?? 0);
      scores[row] = dot / (queryNorm * (this.globalNorms[row] ?? NORM_EPS));
    }
    const score = (row: number) => scores[row] ?? -Infinity;
    const count = Math.min(Math.max(0, k), this.size);
    if (count === 0) return [];
    // Only the rows scoring at least the k-th best are sorted as objects: a numeric sort of a
    // copy finds that score fast even for 100k photos.
    const kth = scores.slice().sort()[this.size - count] ?? -Infinity;
    const rows: number[] = [];
    for (let row = 0; row < this.size; row++) if (score(row) >= kth) rows.push(row);
    rows.sort((a, b) => score(b) - score(a) || a - b);
    return rows.slice(0, count).map((row) => ({ row, path: this.path(row), score: score(row) }));
  }

  /** The probes [K, Pv, d] and globals [K, d] of the given rows, in that order. */
  gather(rows: readonly number[]): Encoded {
    const probes = new Float32Array(rows.length * this.probeFloats);
    const global = new Float32Array(rows.length * this.width);
    rows.forEach((row, i) => {
      probes.set(
        this.probes.subarray(row * this.probeFloats, (row + 1) * this.probeFloats),
        i * this.probeFloats,
      );
      global.set(this.globals.subarray(row * this.width, (row + 1) * this.width), i * this.width);
    });
    return { probes, global };
  }
}
