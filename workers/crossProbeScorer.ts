/**
 * Stage 2 of a search behind one small interface: score one encoded query against shortlisted
 * photos (rows of the ProbeIndex) through the cross-probe late layers. The ORT-WASM
 * implementation is here; a WebGPU (WGSL) one implements the same interface and the engine
 * picks one per backend. Each scorer measures its own cost per candidate, which sizes the
 * default shortlist so that a query stays interactive on the device it runs on.
 */
import type { Encoded, PackModels } from './models.ts';
import type { ProbeIndex } from './probeIndex.ts';

export interface CrossProbeScorer {
  /** For the UI, e.g. "cross-probe on WASM". */
  readonly label: string;
  /** Scores of `query` against the photos at `rows` of the index, in that order. */
  score(query: Encoded, rows: readonly number[]): Promise<Float32Array>;
  /** Scores of `query` against `count` photos given as probes and globals, not index rows. */
  scoreEncoded(query: Encoded, photos: Encoded, count: number): Promise<Float32Array>;
  /** Measured milliseconds per candidate on a full batch (after warm-up). */
  msPerCandidate(): Promise<number>;
}

/** Candidates per ORT run: bounds the batch's memory, not its speed. */
export const WASM_BATCH = 128;

export class WasmCrossProbeScorer implements CrossProbeScorer {
  readonly label = 'cross-probe on WASM';

  constructor(
    private readonly models: PackModels,
    private readonly index: ProbeIndex,
    /** Pt */
    private readonly textProbes: number,
  ) {}

  async score(query: Encoded, rows: readonly number[]): Promise<Float32Array> {
    const scores = new Float32Array(rows.length);
    for (let start = 0; start < rows.length; start += WASM_BATCH) {
      const batch = rows.slice(start, start + WASM_BATCH);
      scores.set(
        await this.models.crossProbe(query, this.index.gather(batch), batch.length),
        start,
      );
    }
    return scores;
  }

  async scoreEncoded(query: Encoded, photos: Encoded, count: number): Promise<Float32Array> {
    const { probeFloats, width } = this.index;
    const scores = new Float32Array(count);
    for (let start = 0; start < count; start += WASM_BATCH) {
      const end = Math.min(count, start + WASM_BATCH);
      const batch = {
        probes: photos.probes.subarray(start * probeFloats, end * probeFloats),
        global: photos.global.subarray(start * width, end * width),
      };
      scores.set(await this.models.crossProbe(query, batch, end - start), start);
    }
    return scores;
  }

  async msPerCandidate(): Promise<number> {
    const { probeFloats, width } = this.index;
    // Non-zero inputs, as real probes are: the same work as a real batch, nothing skipped.
    const filled = (length: number) => Float32Array.from({ length }, (_, i) => Math.sin(i));
    const query = { probes: filled(this.textProbes * width), global: filled(width) };
    const candidates = {
      probes: filled(WASM_BATCH * probeFloats),
      global: filled(WASM_BATCH * width),
    };
    // The median of a few runs: the first may still allocate, and the CPU may be shared.
    const runs: number[] = [];
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      await this.models.crossProbe(query, candidates, WASM_BATCH);
      runs.push(performance.now() - started);
    }
    runs.sort((x, y) => x - y);
    return (runs[2] ?? 0) / WASM_BATCH;
  }
}

/**
 * Stage-2 time a query may spend by default; text encoding and stage 1 come on top. Cross-probe
 * should cost close to a two-tower query (2–3 ms over 10,000 photos on 2 CPU cores): 8 ms keeps
 * the whole query within about 3× of it. On 2 CPU cores that is K ≈ 100 (the benchmark at K = 1000
 * measured 60 ms, 24× two-tower); a real GPU still fits the whole 1,000.
 */
export const STAGE2_BUDGET_MS = 8;
export const MIN_SHORTLIST = 50;
/** The largest default: on a real GPU the whole 1,000 fit in the budget. */
export const MAX_DEFAULT_SHORTLIST = 1000;

/** The default K: as many candidates as the budget allows, a multiple of 50, 50–1000. */
export function defaultShortlist(msPerCandidate: number): number {
  const fits = msPerCandidate > 0 ? STAGE2_BUDGET_MS / msPerCandidate : MAX_DEFAULT_SHORTLIST;
  const rounded = Math.floor(fits / MIN_SHORTLIST) * MIN_SHORTLIST;
  return Math.min(MAX_DEFAULT_SHORTLIST, Math.max(MIN_SHORTLIST, rounded));
}
