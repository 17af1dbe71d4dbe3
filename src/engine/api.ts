/**
 * The engine's one interface. The worker (workers/engine.worker.ts) exposes an object that
 * `satisfies EngineApi`; the UI reaches it only through src/engine/bridge.ts and imports these
 * types, never the worker's code. Every value here is structured-cloneable.
 */
import type { Detection } from '../model/detections.ts';
import type { WordGrounding } from '../model/grounding.ts';
import type {
  BenchmarkOptions,
  BenchmarkProgress,
  BenchmarkResult,
} from '../../workers/bench/types.ts';

export type * from '../../workers/bench/types.ts';

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
  /** Photos indexed with another pack (id or version): not searchable until indexed again. */
  readonly stalePhotos: number;
  /** Cross-probe score below which a result is not a good match. */
  readonly noMatchThreshold: number;
  /** Detector class names: a detection's classIndex indexes this list. */
  readonly labels: readonly string[];
  readonly loadMs: number;
  /** Stage 2 as it runs here: which implementation, its measured cost, the K it affords. */
  readonly crossProbe: {
    readonly label: string;
    readonly msPerCandidate: number;
    /** The shortlist K a search re-ranks unless told otherwise, sized to this cost. */
    readonly defaultShortlist: number;
  };
}

export type BackendKind = 'webgpu' | 'wasm';

/** Which backend to run on: 'auto' picks WebGPU where there is a GPU adapter. */
export type BackendPreference = 'auto' | BackendKind;

export interface BackendInfo {
  /** 'webgpu': models on ORT's WebGPU provider, stage 2 on the WGSL kernels; 'wasm': CPU. */
  readonly kind: BackendKind;
  /** Threads of ORT's CPU provider (on WebGPU it runs only the models' shape operations). */
  readonly threads: number;
  readonly crossOriginIsolated: boolean;
  /** The GPU adapter on WebGPU, e.g. "google swiftshader"; null on WASM. */
  readonly adapter: string | null;
  readonly shaderF16: boolean;
  /** For the UI, e.g. "WebGPU · google swiftshader" or "WASM · 2 threads". */
  readonly label: string;
  /** Why this is not the backend asked for (no WebGPU, a lost GPU); null when it is. */
  readonly note: string | null;
}

/** The backend changed after loading (a lost GPU device made the engine fall back to WASM). */
export interface BackendChange {
  readonly backend: BackendInfo;
  readonly crossProbe: PackInfo['crossProbe'];
}

/** A photo to index: `path` is its path inside the chosen folder and the cache key. */
export interface PhotoFile {
  /**
   * Its library key: the path under its folder's root ("Holiday/beach/1.jpg"), or for a loose
   * file (dropped or picked one by one) its bare name, which the run may number (see
   * RenamedFile).
   */
  readonly path: string;
  readonly file: File;
}

/** One scan to index: its files, and which folders it covered whole. */
export interface IndexRequest {
  readonly photos: readonly PhotoFile[];
  /**
   * Top folders the scan listed completely (path prefixes, no trailing "/"): photos indexed
   * under them that the scan did not find were deleted, and are dropped from the library.
   * Empty for loose files (dropped or picked one by one).
   */
  readonly folders: readonly string[];
}

export interface IndexProgress {
  /** Files handled so far (indexed, reused or skipped). */
  readonly done: number;
  readonly total: number;
  /** The file being read now; null once finished. */
  readonly current: string | null;
  readonly indexed: number;
  readonly reused: number;
  /** Files skipped so far; the report lists them with reasons. */
  readonly failed: number;
  /** Photos searchable now. */
  readonly librarySize: number;
  /** Seconds spent working, pauses not counted. */
  readonly activeSeconds: number;
  readonly paused: boolean;
}

export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
}

/** A file with the same bytes as another one (both are indexed). */
export interface DuplicateFile {
  readonly path: string;
  readonly sameAs: string;
}

/**
 * A loose file kept under a numbered name ("IMG_1.jpg" -> "IMG_1 (2).jpg"), because a
 * different photo of its name is in the library already: loose files have only their name to
 * be told apart by, and a photo never replaces another one that merely shares its name.
 */
export interface RenamedFile {
  readonly name: string;
  readonly path: string;
}

export interface IndexReport {
  /** How the run ended: all files handled, cancelled by the user, or stopped by a full disk. */
  readonly outcome: 'complete' | 'cancelled' | 'storage-full';
  readonly total: number;
  /** Photos run through the models now. */
  readonly indexed: number;
  /** Photos whose cached probes were still valid (same file, same pack). */
  readonly reused: number;
  /** Photos dropped because their files are gone from a folder scanned whole. */
  readonly removed: number;
  readonly skipped: readonly SkippedFile[];
  readonly duplicates: readonly DuplicateFile[];
  readonly renamed: readonly RenamedFile[];
  /** Seconds spent working, pauses not counted. */
  readonly seconds: number;
  readonly librarySize: number;
  /** Photos still indexed with another pack only (see PackInfo.stalePhotos). */
  readonly stalePhotos: number;
}

export interface SearchOptions {
  /** Stage-1 shortlist size K: how many photos the cross-probe layers re-rank. */
  readonly shortlist?: number;
  /** Results returned at most (default: the whole shortlist). */
  readonly limit?: number;
}

/** Where a photo's date comes from: its EXIF capture date, or else the file's lastModified. */
export type DateSource = 'exif' | 'file';

export interface SearchHit {
  readonly path: string;
  /** Cross-probe score (stage 2), the ranking key. */
  readonly score: number;
  /** Cosine of the globals (stage 1, the two-tower score). */
  readonly globalScore: number;
  readonly detections: readonly Detection[];
  /** Milliseconds since 1970; null when the photo's record has none. */
  readonly date: number | null;
  readonly dateSource: DateSource | null;
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
  /** How the model reads each distinct query word. */
  readonly grounding: readonly WordGrounding[];
  /** The K used: photos re-ranked by the cross-probe layers. */
  readonly shortlist: number;
  /** Best first by cross-probe score. */
  readonly hits: readonly SearchHit[];
  readonly librarySize: number;
  readonly timings: SearchTimings;
}

/** One indexed photo, for the photo view. */
export interface PhotoDetails {
  readonly path: string;
  /** File size in bytes. */
  readonly size: number;
  readonly lastModified: number;
  readonly date: number | null;
  readonly dateSource: DateSource | null;
  /** Pixel size after EXIF orientation. */
  readonly width: number;
  readonly height: number;
  readonly detections: readonly Detection[];
  readonly thumbnail: Blob | null;
  /** The original file when this session can still read it; null otherwise. */
  readonly original: File | null;
}

/** One detected region and how much the match leans on it (see MatchExplanation). */
export interface RegionContribution {
  readonly detection: Detection;
  /** The cross-probe score of the photo with this region left out. */
  readonly scoreWithout: number;
  /** fullScore − scoreWithout: positive when removing the region lowers the score. */
  readonly contribution: number;
  /** Whether this region clearly drove the match (at least `highlightFrom`). */
  readonly highlighted: boolean;
}

/**
 * Which regions drove one photo's match for one query, by occlusion: the photo's stored
 * detections scored through the vision encoder and the cross-probe layers search uses, in full
 * and with each region left out in turn.
 */
export type MatchExplanation =
  | {
      readonly status: 'explained';
      /** The score of the full region set: the search's score for this photo. */
      readonly fullScore: number;
      /** Every detection of the photo, in the stored order. */
      readonly regions: readonly RegionContribution[];
      /** The smallest contribution highlighted; null when no region clearly drove the match. */
      readonly highlightFrom: number | null;
    }
  /** The detector found nothing: the score comes from the photo's empty region set. */
  | { readonly status: 'no-regions'; readonly fullScore: number }
  /** The query has no word the model reads. */
  | { readonly status: 'no-query' }
  /** Indexed with another pack: its probes and detections are not this model's. */
  | { readonly status: 'stale' }
  | { readonly status: 'not-indexed' };

export interface EngineApi {
  /**
   * Loads the default pack named by `${modelsUrl}index.json` (modelsUrl absolute, ending in
   * "/") on the backend `backend` asks for ('auto' by default); a second call with the same
   * URL and backend returns the loaded pack.
   */
  loadPack(
    modelsUrl: string,
    onProgress: (progress: PackProgress) => void,
    backend?: BackendPreference,
  ): Promise<PackInfo>;
  backend(): Promise<BackendInfo>;
  /** Calls `onChange` at each later change of backend; a new watcher replaces the last one. */
  watchBackend(onChange: (change: BackendChange) => void): Promise<void>;
  /**
   * For tests: ends the GPU device as a driver reset would, at once (a search running on it
   * fails and runs again on WASM), and resolves once the engine has fallen back to WASM (at
   * once, unchanged, when it is not on WebGPU).
   */
  simulateDeviceLoss(): Promise<BackendInfo>;
  /** Runs one at a time: a second call starts when the first has ended. */
  indexPhotos(
    request: IndexRequest,
    onProgress: (progress: IndexProgress) => void,
  ): Promise<IndexReport>;
  /** Pause, resume or cancel the indexing run in progress (no-ops when there is none). */
  pauseIndexing(): Promise<void>;
  resumeIndexing(): Promise<void>;
  cancelIndexing(): Promise<void>;
  search(query: string, options?: SearchOptions): Promise<SearchResponse>;
  /** Stored thumbnails of the given photos, in that order (null where there is none). */
  thumbnails(paths: readonly string[]): Promise<(Blob | null)[]>;
  /** An indexed photo's details; null when it is not in the library. */
  photo(path: string): Promise<PhotoDetails | null>;
  /** Which of the photo's regions drove its match for `query` (see MatchExplanation). */
  explainMatch(path: string, query: string): Promise<MatchExplanation>;
  librarySize(): Promise<number>;
  /**
   * The benchmark (workers/bench) on the loaded pack and this device: minutes for the full
   * options. Photos it indexes go to a library of its own (never the user's), deleted again.
   */
  runBenchmark(
    options: BenchmarkOptions,
    onProgress: (progress: BenchmarkProgress) => void,
  ): Promise<BenchmarkResult>;
}
