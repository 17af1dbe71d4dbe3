/**
 * The engine: loads the model pack, indexes photos into the probe cache and answers searches.
 * Everything runs on one serial chain, so ORT sessions and cache writes never interleave.
 */
import type {
  BackendChange,
  BackendInfo,
  BackendPreference,
  BenchmarkOptions,
  BenchmarkProgress,
  BenchmarkResult,
  EngineApi,
  IndexProgress,
  IndexReport,
  IndexRequest,
  MatchExplanation,
  PackInfo,
  PackProgress,
  PhotoDetails,
  SearchHit,
  SearchOptions,
  SearchResponse,
} from '../src/engine/api.ts';
import { EngineError } from '../src/engine/errors.ts';
import type { PackManifest } from '../src/model/manifest.ts';
import {
  groundWords,
  parseVocabulary,
  VocabularyFormatError,
  type Vocabulary,
} from '../src/model/grounding.ts';
import { tokenise } from '../src/model/tokenizer.ts';
import {
  loadPhotoMeta,
  loadPhotoMetas,
  loadProbes,
  loadThumbnail,
  type FileIdentity,
  type PackKey,
  type PhotoMeta,
} from '../src/storage/library.ts';
import {
  fallBackToWasm,
  loadOrt,
  startRuntime,
  wasmBackendInfo,
  type EngineRuntime,
} from './backend.ts';
import { defaultShortlist, type CrossProbeScorer } from './crossProbeScorer.ts';
import { wasmBackend, type PackModels } from './models.ts';
import { photoDate } from './photoDates.ts';
import { downloadPack, type DownloadedPack } from './packFiles.ts';
import { explainMatch, type ExplainPack } from './explain.ts';
import { IndexingControl, runIndexing, type IndexerPack } from './indexer.ts';
import { decodePhoto } from './photo.ts';
import { ProbeIndex } from './probeIndex.ts';
import { createSerial, type Serial } from './serial.ts';
import { retryAfterDeviceLoss } from './deviceLoss.ts';
import { runBenchmark } from './bench/benchmark.ts';

interface LoadedPack {
  readonly modelsUrl: string;
  readonly preference: BackendPreference;
  /** The pack's files, kept to rebuild the sessions on WASM after a GPU device loss. */
  readonly files: DownloadedPack;
  /** The backend; `models` and `scorer` are its. */
  readonly runtime: EngineRuntime;
  readonly manifest: PackManifest;
  readonly key: PackKey;
  readonly models: PackModels;
  readonly vocabulary: Vocabulary;
  readonly index: ProbeIndex;
  readonly scorer: CrossProbeScorer;
  /** Paths whose cached probes are from another pack: indexing them again clears them. */
  readonly stale: Set<string>;
  readonly info: Omit<PackInfo, 'indexedPhotos' | 'stalePhotos'>;
}

function readVocabulary(bytes: Uint8Array, file: string): Vocabulary {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new EngineError('PackCorruptError', `${file} is not valid JSON`, { cause: error });
  }
  try {
    return parseVocabulary(json);
  } catch (error) {
    if (!(error instanceof VocabularyFormatError)) throw error;
    throw new EngineError('PackCorruptError', `${file}: ${error.message}`, { cause: error });
  }
}

/**
 * Calls a progress callback without waiting for it: across Comlink it is a message to the UI,
 * and a UI that has stopped listening must not fail the work it was watching.
 */
function notify<T>(callback: (value: T) => unknown, value: T): void {
  void Promise.resolve()
    .then(() => callback(value))
    .catch(() => undefined);
}

const elapsed = (since: number) => Math.round((performance.now() - since) * 10) / 10;

async function crossProbeInfo(scorer: CrossProbeScorer): Promise<PackInfo['crossProbe']> {
  const msPerCandidate = await scorer.msPerCandidate();
  return {
    label: scorer.label,
    msPerCandidate,
    defaultShortlist: defaultShortlist(msPerCandidate),
  };
}

export function createEngine() {
  const serial = createSerial();
  let loaded: LoadedPack | undefined;
  /** The files given to indexPhotos in this session, by path: the photo view opens them. */
  const sessionFiles = new Map<string, File>();

  /** Photo records as of one state of the index (its version), for dating search hits. */
  let metaCache: { readonly version: number; readonly metas: Map<string, PhotoMeta> } | undefined;

  async function photoMetas(pack: LoadedPack): Promise<Map<string, PhotoMeta>> {
    const { version } = pack.index;
    if (metaCache?.version !== version) metaCache = { version, metas: await loadPhotoMetas() };
    return metaCache.metas;
  }

  /** The session's file for a photo, if it is still the version that was indexed. */
  function originalFile(meta: FileIdentity): File | null {
    const file = sessionFiles.get(meta.path);
    return file !== undefined && file.size === meta.size && file.lastModified === meta.lastModified
      ? file
      : null;
  }

  function requirePack(): LoadedPack {
    if (loaded === undefined) {
      throw new EngineError('PackNotLoadedError', 'No model pack is loaded');
    }
    return loaded;
  }

  /** Told of every later change of backend (the UI's badge). */
  let backendWatcher: ((change: BackendChange) => void) | undefined;
  /** The fall-back to WASM after a device loss, while it runs or once it has. */
  let fallback: Promise<void> = Promise.resolve();
  /** The serial chain for a search or one photo's indexing: run again if the GPU is lost mid-way. */
  const step: Serial = (task) =>
    retryAfterDeviceLoss(serial, task, () => loaded?.runtime.gpu?.device ?? null);

  /** A lost GPU device: the same pack and index, the sessions rebuilt on WASM. */
  async function fallBack(lost: EngineRuntime, reason: string): Promise<void> {
    const pack = loaded;
    if (pack?.runtime !== lost) return;
    let runtime: EngineRuntime;
    let crossProbe: PackInfo['crossProbe'];
    try {
      runtime = await fallBackToWasm(lost, pack.files, pack.index, reason);
      crossProbe = await crossProbeInfo(runtime.scorer);
    } catch (error) {
      // Nothing left to run on: the next call reports that no pack is loaded.
      loaded = undefined;
      throw error;
    }
    loaded = {
      ...pack,
      runtime,
      models: runtime.models,
      scorer: runtime.scorer,
      info: { ...pack.info, crossProbe },
    };
    if (backendWatcher !== undefined)
      notify(backendWatcher, { backend: runtime.backend, crossProbe });
  }

  async function load(
    modelsUrl: string,
    preference: BackendPreference,
    onProgress: (p: PackProgress) => void,
  ): Promise<LoadedPack> {
    const started = performance.now();
    const pack = await downloadPack(modelsUrl, (p) => notify(onProgress, p));
    const { manifest } = pack;
    const [, height, width] = manifest.detector.input.shape;
    if (height !== width) {
      throw new EngineError(
        'PackUnsupportedError',
        `detector input ${width}×${height} is not square`,
      );
    }
    const vocabulary = readVocabulary(
      pack.files.get(manifest.text.vocabFile) ?? new Uint8Array(),
      manifest.text.vocabFile,
    );
    const key = { id: manifest.id, version: manifest.version };
    const { vision, width: d } = manifest.probes;
    const index = new ProbeIndex(vision * d, d);
    const cached = await loadProbes(key, { probeFloats: vision * d, globalFloats: d });
    for (const record of cached.records) {
      index.set({
        path: record.path,
        detections: record.detections,
        probes: new Float32Array(record.visionProbes),
        global: new Float32Array(record.visionGlobal),
      });
    }
    const runtime: EngineRuntime = await startRuntime({
      pack,
      index,
      preference,
      onProgress: (p) => notify(onProgress, p),
      onDeviceLost: (reason) => {
        fallback = serial(() => fallBack(runtime, reason)).catch(() => undefined);
      },
    });
    const crossProbe = await crossProbeInfo(runtime.scorer);
    return {
      modelsUrl,
      preference,
      files: pack,
      runtime,
      manifest,
      key,
      models: runtime.models,
      vocabulary,
      index,
      scorer: runtime.scorer,
      stale: new Set(cached.stale),
      info: {
        id: manifest.id,
        version: manifest.version,
        downloadedBytes: pack.bytes,
        noMatchThreshold: manifest.scoring.noMatchThreshold,
        labels: manifest.detector.labels,
        loadMs: elapsed(started),
        crossProbe,
      },
    };
  }

  /** What an indexing run needs of the loaded pack. */
  function indexerPack(): IndexerPack {
    const pack = requirePack();
    const { input } = pack.manifest.detector;
    return {
      key: pack.key,
      inputSize: input.shape[1],
      padValue: input.padValue,
      index: pack.index,
      stale: pack.stale,
      detect: (image, geometry) => pack.models.detect(image, geometry),
      encodeVision: (detections) => pack.models.encodeVision(detections),
    };
  }

  /** What explaining a match needs: the loaded pack's own sessions and stage-2 scorer. */
  function explainPack(): ExplainPack {
    const pack = requirePack();
    return {
      regionsOf(path) {
        const row = pack.index.rowOf(path);
        if (row !== undefined) return pack.index.detectionsOf(row);
        return pack.stale.has(path) ? 'stale' : undefined;
      },
      async encodeQuery(query) {
        // Tokenised and encoded as search does, so the full set's score is the search's.
        const tokens = tokenise(query, pack.manifest.text.tokenizer, pack.vocabulary.index);
        return tokens.words.length === 0 ? null : pack.models.encodeText(tokens.ids);
      },
      encodeVision: (sets) => pack.models.encodeVision(sets),
      scoreEncoded: (query, photos, count) => pack.scorer.scoreEncoded(query, photos, count),
    };
  }

  /** Indexing runs, one after another; `control` steers the one in progress. */
  let runs: Promise<unknown> = Promise.resolve();
  let control: IndexingControl | undefined;

  const engine = {
    loadPack(
      modelsUrl: string,
      onProgress: (progress: PackProgress) => void,
      backend: BackendPreference = 'auto',
    ): Promise<PackInfo> {
      return serial(async () => {
        if (loaded?.modelsUrl !== modelsUrl || loaded.preference !== backend) {
          const previous = loaded;
          loaded = undefined;
          await previous?.runtime.release();
          // Only a successful load is kept: after a failure the next call tries again.
          loaded = await load(modelsUrl, backend, onProgress);
        }
        return {
          ...loaded.info,
          indexedPhotos: loaded.index.size,
          stalePhotos: loaded.stale.size,
        };
      });
    },

    backend(): Promise<BackendInfo> {
      return serial(async () => loaded?.runtime.backend ?? wasmBackendInfo(null));
    },

    async watchBackend(onChange: (change: BackendChange) => void): Promise<void> {
      backendWatcher = onChange;
    },

    async simulateDeviceLoss(): Promise<BackendInfo> {
      // At once, even while a step runs on the device (behind a pack load in progress, if any).
      const gpu = (loaded ?? (await serial(async () => requirePack()))).runtime.gpu;
      if (gpu !== null) {
        // Not GpuContext.destroy(): that is a deliberate end, which is never reported as a loss.
        gpu.device.destroy();
        await gpu.device.lost;
        await fallback;
      }
      return engine.backend();
    },

    /** One serial task per photo: searches typed meanwhile run between photos. */
    indexPhotos(
      request: IndexRequest,
      onProgress: (progress: IndexProgress) => void,
    ): Promise<IndexReport> {
      for (const photo of request.photos) sessionFiles.set(photo.path, photo.file);
      const run = runs.then(() => {
        const now = () => performance.now();
        const runControl = new IndexingControl(now);
        control = runControl;
        return runIndexing(request, (p) => notify(onProgress, p), runControl, {
          serial: step,
          pack: indexerPack,
          decode: decodePhoto,
          now,
          progressIntervalMs: 100,
        }).finally(() => {
          if (control === runControl) control = undefined;
        });
      });
      runs = run.catch(() => undefined);
      return run;
    },

    async pauseIndexing(): Promise<void> {
      control?.pause();
    },

    async resumeIndexing(): Promise<void> {
      control?.resume();
    },

    async cancelIndexing(): Promise<void> {
      control?.cancel();
    },

    search(query: string, options: SearchOptions = {}): Promise<SearchResponse> {
      return step(async () => {
        const pack = requirePack();
        const started = performance.now();
        const tokens = tokenise(query, pack.manifest.text.tokenizer, pack.vocabulary.index);
        const grounding = groundWords(tokens.words, pack.vocabulary);
        const k = Math.max(
          1,
          Math.round(options.shortlist ?? pack.info.crossProbe.defaultShortlist),
        );
        const response = {
          query,
          words: tokens.words,
          unknownWords: tokens.unknownWords,
          grounding,
          shortlist: Math.min(k, pack.index.size),
          librarySize: pack.index.size,
        };
        if (tokens.words.length === 0 || pack.index.size === 0) {
          const none = { textMs: 0, shortlistMs: 0, crossProbeMs: 0, totalMs: 0 };
          return { ...response, hits: [], timings: none };
        }
        const encoded = await pack.models.encodeText(tokens.ids);
        const textDone = performance.now();
        const shortlist = pack.index.shortlist(encoded.global, k);
        const shortlistDone = performance.now();
        const scores = await pack.scorer.score(
          encoded,
          shortlist.map((c) => c.row),
        );
        const crossDone = performance.now();
        const ranked = shortlist
          .map((candidate, i) => ({ candidate, score: scores[i] ?? -Infinity }))
          .sort((a, b) => b.score - a.score || a.candidate.row - b.candidate.row)
          .slice(0, options.limit ?? shortlist.length);
        const metas = await photoMetas(pack);
        const hits: SearchHit[] = ranked.map(({ candidate, score }) => {
          const meta = metas.get(candidate.path);
          const dated = meta === undefined ? null : photoDate(meta);
          return {
            path: candidate.path,
            score,
            globalScore: candidate.score,
            detections: pack.index.detectionsOf(candidate.row),
            date: dated?.date ?? null,
            dateSource: dated?.source ?? null,
          };
        });
        return {
          ...response,
          hits,
          timings: {
            textMs: Math.round((textDone - started) * 10) / 10,
            shortlistMs: Math.round((shortlistDone - textDone) * 10) / 10,
            crossProbeMs: Math.round((crossDone - shortlistDone) * 10) / 10,
            totalMs: elapsed(started),
          },
        };
      });
    },

    /** Not on the serial chain: IndexedDB reads need no model, so thumbnails never wait. */
    async thumbnails(paths: readonly string[]): Promise<(Blob | null)[]> {
      return Promise.all(paths.map(async (path) => (await loadThumbnail(path)) ?? null));
    },

    async photo(path: string): Promise<PhotoDetails | null> {
      // Without a pack (a fresh worker after a crash) "not in the library" would be a lie.
      const { index } = requirePack();
      const meta = await loadPhotoMeta(path);
      const row = index.rowOf(path);
      if (meta === undefined || row === undefined) return null;
      const dated = photoDate(meta);
      return {
        path,
        size: meta.size,
        lastModified: meta.lastModified,
        date: dated.date,
        dateSource: dated.source,
        width: meta.width,
        height: meta.height,
        detections: index.detectionsOf(row),
        thumbnail: (await loadThumbnail(path)) ?? null,
        original: originalFile(meta),
      };
    },

    explainMatch(path: string, query: string): Promise<MatchExplanation> {
      return step(() => explainMatch(explainPack(), path, query));
    },

    async librarySize(): Promise<number> {
      return loaded?.index.size ?? 0;
    },

    async runBenchmark(
      options: BenchmarkOptions,
      onProgress: (progress: BenchmarkProgress) => void,
    ): Promise<BenchmarkResult> {
      // Behind a pack load in progress, if any.
      const pack = await serial(async () => requirePack());
      const { runtime } = pack;
      return runBenchmark(
        {
          manifest: pack.manifest,
          files: pack.files,
          packUrl: new URL(`${encodeURIComponent(pack.manifest.id)}/`, pack.modelsUrl).href,
          packKey: pack.key,
          models: pack.models,
          wasmModels: runtime.backend.kind === 'wasm' ? pack.models : null,
          wasmOrt: await loadOrt('wasm'),
          gpu: runtime.gpu,
          vocabulary: pack.vocabulary,
          serial,
          wasm: wasmBackend(),
          engineBackend: runtime.backend.label,
          decode: decodePhoto,
        },
        options,
        (p) => notify(onProgress, p),
      );
    },
  } satisfies EngineApi;
  return engine;
}
