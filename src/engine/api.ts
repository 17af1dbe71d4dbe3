/**
 * The engine's one interface. The worker (workers/engine.worker.ts) exposes an object that
 * `satisfies EngineApi`; the UI reaches it only through src/engine/bridge.ts and imports these
 * types, never the worker's code. Every value here is structured-cloneable.
 */
import type { Detection } from '../model/detections.ts';

/** Pack loading runs in phases; each reports its own progress (bytes, or steps). */
export type PackPhase = 'download' | 'compile' | 'warm-up';

export interface PackProgress {
  readonly phase: PackPhase;
  /** The file or model being handled. */
  readonly item: string;
  /** Bytes for 'download' (all files together), models for 'compile' and 'warm-up'. */
  readonly done: number;
  readonly total: number;
}

export interface PackInfo {
  readonly id: string;
  readonly version: string;
  readonly downloadedBytes: number;
  /** Photos already indexed with this pack (from the probe cache). */
  readonly indexedPhotos: number;
  /** Cross-probe score below which a result is not a good match. */
  readonly noMatchThreshold: number;
  /** Detector class names: a detection's classIndex indexes this list. */
  readonly labels: readonly string[];
  readonly loadMs: number;
}

export interface BackendInfo {
  readonly kind: 'wasm';
  readonly threads: number;
  readonly crossOriginIsolated: boolean;
  /** For the UI, e.g. "WASM · 2 threads". */
  readonly label: string;
}

/** A photo to index: `path` is its path inside the chosen folder and the cache key. */
export interface PhotoFile {
  readonly path: string;
  readonly file: File;
}

export interface IndexProgress {
  readonly done: number;
  readonly total: number;
  /** The file being read now; null once finished. */
  readonly current: string | null;
}

export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
}

export interface IndexReport {
  readonly total: number;
  /** Photos run through the models now. */
  readonly indexed: number;
  /** Photos whose cached probes were still valid (same file, same pack). */
  readonly reused: number;
  readonly skipped: readonly SkippedFile[];
  readonly seconds: number;
  readonly librarySize: number;
}

export interface SearchOptions {
  /** Stage-1 shortlist size: how many photos the cross-probe layers re-rank. */
  readonly shortlist?: number;
  /** Results returned at most. */
  readonly limit?: number;
}

export interface SearchHit {
  readonly path: string;
  /** Cross-probe score (stage 2), the ranking key. */
  readonly score: number;
  /** Cosine of the globals (stage 1, the two-tower score). */
  readonly globalScore: number;
  readonly thumbnail: Blob | null;
  readonly detections: readonly Detection[];
}

export interface SearchTimings {
  readonly textMs: number;
  readonly shortlistMs: number;
  readonly crossProbeMs: number;
  readonly totalMs: number;
}

export interface SearchResponse {
  readonly query: string;
  readonly words: readonly string[];
  /** Query words the vocabulary does not know. */
  readonly unknownWords: readonly string[];
  readonly hits: readonly SearchHit[];
  readonly librarySize: number;
  readonly timings: SearchTimings;
}

export interface EngineApi {
  /**
   * Loads the default pack named by `${modelsUrl}index.json` (modelsUrl absolute, ending in
   * "/"); a second call with the same URL returns the loaded pack.
   */
  loadPack(modelsUrl: string, onProgress: (progress: PackProgress) => void): Promise<PackInfo>;
  backend(): Promise<BackendInfo>;
  indexPhotos(
    photos: readonly PhotoFile[],
    onProgress: (progress: IndexProgress) => void,
  ): Promise<IndexReport>;
  search(query: string, options?: SearchOptions): Promise<SearchResponse>;
  librarySize(): Promise<number>;
}
