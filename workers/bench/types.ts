/**
 * The benchmark's options, progress and result: plain structured-cloneable data, shared by the
 * engine worker (workers/bench/benchmark.ts), the in-app panel and scripts/bench.ts. The engine
 * API (src/engine/api.ts) re-exports these types.
 */
import type { PhotoFile } from '../../src/engine/api.ts';
import type { ProbeRecall } from '../../src/model/manifest.ts';
import type { ProbeFormat } from '../../src/storage/probeCodec.ts';

/** A shortlist size K, or the backend's own default (sized by its measured cost). */
export type ShortlistSize = number | 'default';

/** A set of photo files to time indexing on, under a label ("samples", "640×480 JPEG"). */
export interface PhotoSet {
  readonly label: string;
  readonly photos: readonly PhotoFile[];
}

export interface BenchmarkOptions {
  /** Library sizes N to time queries on. */
  readonly librarySizes: readonly number[];
  /** Shortlist sizes K that stage 2 re-ranks. */
  readonly shortlists: readonly ShortlistSize[];
  /** Timed runs per cell (each a different query), after one untimed warm-up run. */
  readonly repeats: number;
  /** A cell stops adding runs once it has spent this long (at least one run is always timed). */
  readonly maxCellMs: number;
  /** Distinct region sets run through the vision encoder; the library tiles them to N. */
  readonly baseRegionSets: number;
  /** Side of the square matmul yardstick on ORT WASM, and on WebGPU. */
  readonly matmulSize: { readonly wasm: number; readonly webgpu: number };
  /** Photo sets to time indexing on (the panel sends the bundled samples, the script more). */
  readonly photoSets: readonly PhotoSet[];
  /** Time the WGSL kernels when WebGPU has an adapter. */
  readonly webgpu: boolean;
  readonly seed: number;
}

export interface BenchmarkProgress {
  /** What is being measured, for the UI ("queries, N = 10,000"). */
  readonly step: string;
  readonly done: number;
  readonly total: number;
}

/** Median and spread of one measured cell, in milliseconds. */
export interface Timing {
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly runs: number;
}

export interface GpuInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly description: string;
  readonly isFallbackAdapter: boolean;
}

export interface BackendReport {
  /** The engine's own backend (indexing runs on it), e.g. "WASM · 2 threads". */
  readonly engine: string;
  readonly userAgent: string;
  readonly cores: number;
  readonly wasmThreads: number;
  readonly crossOriginIsolated: boolean;
  /** null: no WebGPU adapter (or WebGPU not asked for); `gpuError` says why. */
  readonly gpu: GpuInfo | null;
  readonly gpuError: string | null;
}

/** Query latency on a library of N photos: medians of complete queries, text encoding included. */
export interface QueryRow {
  readonly librarySize: number;
  readonly textEncoding: Timing;
  /** Stage 1 alone (cosine of the globals over all N, top K kept), at the WASM default K. */
  readonly stage1: Timing;
  /** Two-tower query: text encoding + cosine of the globals over all N, ranked. */
  readonly twoTower: Timing;
  /** Cross-probe query (text + stage 1 + stage 2 on ORT WASM), by K. */
  readonly crossProbeWasm: readonly { readonly k: number; readonly timing: Timing }[];
  /** The same with stage 2 on the WGSL kernels; empty without WebGPU. */
  readonly crossProbeWebgpu: readonly { readonly k: number; readonly timing: Timing }[];
  /** Full cross-encoder query (text + stage 1 + the full model on the K), WASM default K. */
  readonly fullCrossEncoder: { readonly k: number; readonly timing: Timing };
  /** Why the WGSL cells are empty although WebGPU has an adapter (the library did not fit). */
  readonly webgpuSkipped: string | null;
}

/** Stage 2 alone on one shortlist of K candidates, by implementation. */
export interface Stage2Row {
  readonly k: number;
  /** Which requested K this is ("default (WASM)", "100"). */
  readonly label: string;
  readonly crossProbeWasm: Timing;
  readonly crossProbeWebgpu: Timing | null;
  readonly crossProbeReference: Timing;
  readonly fullCrossEncoder: Timing;
}

export interface MatmulReport {
  readonly size: number;
  readonly flops: number;
  readonly timing: Timing;
}

export interface ArchitectureAccuracy {
  readonly architecture: string;
  /** By query kind ("all", "count", "relation", …): text→image R@1 and R@10, in percent. */
  readonly byKind: readonly { readonly kind: string; readonly r1: number; readonly r10: number }[];
}

export interface IndexingRow {
  readonly label: string;
  readonly photos: number;
  readonly indexed: number;
  readonly seconds: number;
  readonly photosPerSecond: number;
  /** Milliseconds per photo, by part; `other` = reading, hashing, EXIF and the IndexedDB write. */
  readonly perPhotoMs: {
    readonly decode: number;
    readonly detector: number;
    readonly visionEncoder: number;
    readonly other: number;
  };
}

export interface QuantisationRow {
  readonly format: ProbeFormat;
  /** Bytes per photo in this format for vision probes + global. */
  readonly bytesPerPhoto: number;
  /** From manifest.metrics.probeQuantisation (pack build time); null when the pack lacks it. */
  readonly recall: ProbeRecall | null;
}

export interface StorageReport {
  /** The format the library stores probes in. */
  readonly storedFormat: ProbeFormat;
  /** Probe + global bytes per photo as stored, read back after the indexing rows; null: none. */
  readonly storedBytesPerPhoto: number | null;
  readonly quantisation: readonly QuantisationRow[];
}

export interface BenchmarkResult {
  readonly pack: { readonly id: string; readonly version: string };
  readonly backend: BackendReport;
  readonly options: Omit<BenchmarkOptions, 'photoSets'>;
  /** How the synthetic libraries were made, in words. */
  readonly libraryNote: string;
  /** K that the WASM scorer (and the WGSL runner, when present) picks by default. */
  readonly defaultShortlist: { readonly wasm: number; readonly webgpu: number | null };
  readonly queries: readonly QueryRow[];
  readonly stage2: readonly Stage2Row[];
  /** From manifest.metrics.perPairFlops.maxShapes. */
  readonly perPairFlops: { readonly crossProbe: number; readonly fullCrossEncoder: number } | null;
  readonly matmul: { readonly wasm: MatmulReport; readonly webgpu: MatmulReport | null };
  readonly accuracy: readonly ArchitectureAccuracy[];
  readonly indexing: readonly IndexingRow[];
  readonly storage: StorageReport;
  readonly seconds: number;
}

/** The tab's peak memory while the benchmark ran, sampled from outside the worker. */
export interface MemoryReport {
  readonly peakBytes: number;
  readonly samples: number;
  /** Which measurement: "measureUserAgentSpecificMemory" (whole tab) or a narrower one. */
  readonly source: string;
}

/** What the panel shows and scripts/bench.ts prints: the worker's result and the tab's memory. */
export interface BenchmarkReport {
  readonly result: BenchmarkResult;
  readonly memory: MemoryReport | null;
}
