/**
 * The engine: loads the model pack, indexes photos into the probe cache and answers searches.
 * Everything runs on one serial chain, so ORT sessions and cache writes never interleave.
 */
import type {
  BackendInfo,
  EngineApi,
  IndexProgress,
  IndexReport,
  PackInfo,
  PackProgress,
  PhotoFile,
  SearchHit,
  SearchOptions,
  SearchResponse,
  SkippedFile,
} from '../src/engine/api.ts';
import { EngineError } from '../src/engine/errors.ts';
import type { PackManifest } from '../src/model/manifest.ts';
import { tokenise, vocabularyIndex } from '../src/model/tokenizer.ts';
import {
  isIndexed,
  loadProbes,
  loadThumbnail,
  savePhoto,
  type PackKey,
} from '../src/storage/library.ts';
import { PackModels, wasmBackend, type Encoded } from './models.ts';
import { downloadPack } from './packFiles.ts';
import { decodePhoto, UnreadablePhotoError } from './photo.ts';
import { ProbeIndex } from './probeIndex.ts';
import { createSerial } from './serial.ts';

export const DEFAULT_SHORTLIST = 50;
export const DEFAULT_LIMIT = 24;
/** Candidates per cross-probe run: bounds the batch's memory, not its speed. */
const CROSS_PROBE_BATCH = 128;

interface LoadedPack {
  readonly modelsUrl: string;
  readonly manifest: PackManifest;
  readonly key: PackKey;
  readonly models: PackModels;
  readonly vocabulary: ReadonlyMap<string, number>;
  readonly index: ProbeIndex;
  readonly info: Omit<PackInfo, 'indexedPhotos'>;
}

function parseVocabulary(bytes: Uint8Array, file: string): ReadonlyMap<string, number> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new EngineError('PackCorruptError', `${file} is not valid JSON`, { cause: error });
  }
  const words = (json as { words?: unknown } | null)?.words;
  if (!Array.isArray(words) || !words.every((w) => typeof w === 'string')) {
    throw new EngineError('PackCorruptError', `${file} has no "words" list of strings`);
  }
  try {
    return vocabularyIndex(words);
  } catch (error) {
    throw new EngineError('PackCorruptError', `${file}: ${String(error)}`, { cause: error });
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

export function createEngine() {
  const serial = createSerial();
  let loaded: LoadedPack | undefined;

  function requirePack(): LoadedPack {
    if (loaded === undefined) {
      throw new EngineError('PackNotLoadedError', 'No model pack is loaded');
    }
    return loaded;
  }

  async function load(
    modelsUrl: string,
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
    const vocabulary = parseVocabulary(
      pack.files.get(manifest.text.vocabFile) ?? new Uint8Array(),
      manifest.text.vocabFile,
    );
    const models = await PackModels.create(pack, (p) => notify(onProgress, p));
    const key = { id: manifest.id, version: manifest.version };
    const { vision, width: d } = manifest.probes;
    const index = new ProbeIndex(vision * d, d);
    for (const record of await loadProbes(key, { probeFloats: vision * d, globalFloats: d })) {
      index.set({
        path: record.path,
        detections: record.detections,
        probes: new Float32Array(record.visionProbes),
        global: new Float32Array(record.visionGlobal),
      });
    }
    return {
      modelsUrl,
      manifest,
      key,
      models,
      vocabulary,
      index,
      info: {
        id: manifest.id,
        version: manifest.version,
        downloadedBytes: pack.bytes,
        noMatchThreshold: manifest.scoring.noMatchThreshold,
        labels: manifest.detector.labels,
        loadMs: elapsed(started),
      },
    };
  }

  async function indexOne(pack: LoadedPack, photo: PhotoFile): Promise<void> {
    const { manifest, models, key, index } = pack;
    const [, inputSize] = manifest.detector.input.shape;
    const decoded = await decodePhoto(photo.file, inputSize, manifest.detector.input.padValue);
    const detections = await models.detect(decoded.input, decoded.geometry);
    const encoded = await models.encodeVision([detections]);
    // Copies that own exactly their bytes: ORT's output views may share a larger buffer.
    const probes = encoded.probes.slice();
    const global = encoded.global.slice();
    await savePhoto({
      meta: {
        path: photo.path,
        size: photo.file.size,
        lastModified: photo.file.lastModified,
        width: decoded.width,
        height: decoded.height,
        indexedAt: Date.now(),
      },
      probes: {
        path: photo.path,
        packId: key.id,
        packVersion: key.version,
        detections,
        visionProbes: probes.buffer,
        visionGlobal: global.buffer,
      },
      thumbnail: decoded.thumbnail,
    });
    index.set({ path: photo.path, detections, probes, global });
  }

  async function crossProbeScores(
    pack: LoadedPack,
    query: Encoded,
    rows: readonly number[],
  ): Promise<Float32Array> {
    const scores = new Float32Array(rows.length);
    for (let start = 0; start < rows.length; start += CROSS_PROBE_BATCH) {
      const batch = rows.slice(start, start + CROSS_PROBE_BATCH);
      scores.set(
        await pack.models.crossProbe(query, pack.index.gather(batch), batch.length),
        start,
      );
    }
    return scores;
  }

  const engine = {
    loadPack(modelsUrl: string, onProgress: (progress: PackProgress) => void): Promise<PackInfo> {
      return serial(async () => {
        if (loaded?.modelsUrl !== modelsUrl) {
          const previous = loaded;
          loaded = undefined;
          await previous?.models.release();
          // Only a successful load is kept: after a failure the next call tries again.
          loaded = await load(modelsUrl, onProgress);
        }
        return { ...loaded.info, indexedPhotos: loaded.index.size };
      });
    },

    async backend(): Promise<BackendInfo> {
      const { threads, crossOriginIsolated } = wasmBackend();
      return {
        kind: 'wasm',
        threads,
        crossOriginIsolated,
        label: `WASM · ${threads} ${threads === 1 ? 'thread' : 'threads'}`,
      };
    },

    /** One serial task per photo: searches typed meanwhile run between photos. */
    async indexPhotos(
      photos: readonly PhotoFile[],
      onProgress: (progress: IndexProgress) => void,
    ): Promise<IndexReport> {
      const started = performance.now();
      const skipped: SkippedFile[] = [];
      let indexed = 0;
      let reused = 0;
      for (const [done, photo] of photos.entries()) {
        notify(onProgress, { done, total: photos.length, current: photo.path });
        const outcome = await serial(async () => {
          const pack = requirePack();
          const identity = {
            path: photo.path,
            size: photo.file.size,
            lastModified: photo.file.lastModified,
          };
          if (pack.index.has(photo.path) && (await isIndexed(identity, pack.key))) return 'reused';
          try {
            await indexOne(pack, photo);
            return 'indexed';
          } catch (error) {
            if (!(error instanceof UnreadablePhotoError)) throw error;
            return { path: photo.path, reason: error.message };
          }
        });
        if (outcome === 'reused') reused += 1;
        else if (outcome === 'indexed') indexed += 1;
        else skipped.push(outcome);
      }
      notify(onProgress, { done: photos.length, total: photos.length, current: null });
      return {
        total: photos.length,
        indexed,
        reused,
        skipped,
        seconds: elapsed(started) / 1000,
        librarySize: await engine.librarySize(),
      };
    },

    search(query: string, options: SearchOptions = {}): Promise<SearchResponse> {
      return serial(async () => {
        const pack = requirePack();
        const started = performance.now();
        const tokens = tokenise(query, pack.manifest.text.tokenizer, pack.vocabulary);
        const empty = { textMs: 0, shortlistMs: 0, crossProbeMs: 0, totalMs: 0 };
        const response = {
          query,
          words: tokens.words,
          unknownWords: tokens.unknownWords,
          librarySize: pack.index.size,
        };
        if (tokens.words.length === 0 || pack.index.size === 0) {
          return { ...response, hits: [], timings: empty };
        }
        const encoded = await pack.models.encodeText(tokens.ids);
        const textDone = performance.now();
        const shortlist = pack.index.shortlist(
          encoded.global,
          options.shortlist ?? DEFAULT_SHORTLIST,
        );
        const shortlistDone = performance.now();
        const scores = await crossProbeScores(
          pack,
          encoded,
          shortlist.map((c) => c.row),
        );
        const crossDone = performance.now();
        const ranked = shortlist
          .map((candidate, i) => ({ candidate, score: scores[i] ?? -Infinity }))
          .sort((a, b) => b.score - a.score || a.candidate.row - b.candidate.row)
          .slice(0, options.limit ?? DEFAULT_LIMIT);
        const hits: SearchHit[] = await Promise.all(
          ranked.map(async ({ candidate, score }) => ({
            path: candidate.path,
            score,
            globalScore: candidate.score,
            thumbnail: (await loadThumbnail(candidate.path)) ?? null,
            detections: pack.index.detectionsOf(candidate.row),
          })),
        );
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

    async librarySize(): Promise<number> {
      return loaded?.index.size ?? 0;
    },
  } satisfies EngineApi;
  return engine;
}
