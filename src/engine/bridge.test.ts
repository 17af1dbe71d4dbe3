import { expose } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  BackendInfo,
  EngineApi,
  IndexProgress,
  IndexReport,
  IndexRequest,
  PackProgress,
  SearchResponse,
} from './api.ts';
import { EngineBridge } from './bridge.ts';
import { EngineError, engineErrorName, isAbortError } from './errors.ts';

const NO_PHOTOS: IndexRequest = { photos: [], folders: [] };

const WASM_BACKEND: BackendInfo = {
  kind: 'wasm',
  threads: 1,
  crossOriginIsolated: false,
  adapter: null,
  shaderF16: false,
  label: 'WASM · 1 thread',
  note: null,
};

/** An in-process engine behind a real MessageChannel, as the worker would be. */
function fakeEngine(): EngineApi {
  let loaded = false;
  let endRun: ((outcome: IndexReport['outcome']) => void) | undefined;
  return {
    async loadPack(_url, onProgress) {
      onProgress({ phase: 'download', item: 'a.onnx', done: 5, total: 10 });
      onProgress({ phase: 'compile', item: 'a.onnx', done: 1, total: 1 });
      // Sent as the call returns: on its own port, it may arrive after the result.
      setTimeout(() => onProgress({ phase: 'warm-up', item: 'late', done: 1, total: 1 }), 5);
      loaded = true;
      return {
        id: 'fake',
        version: '1',
        downloadedBytes: 10,
        indexedPhotos: 0,
        stalePhotos: 0,
        noMatchThreshold: 0.5,
        labels: ['person'],
        loadMs: 1,
        crossProbe: { label: 'fake', msPerCandidate: 0.1, defaultShortlist: 800 },
      };
    },
    async backend() {
      return WASM_BACKEND;
    },
    async watchBackend() {},
    async simulateDeviceLoss() {
      return WASM_BACKEND;
    },
    indexPhotos(request, onProgress) {
      onProgress({
        done: 0,
        total: request.photos.length,
        current: 'slow.jpg',
        indexed: 0,
        reused: 0,
        failed: 0,
        librarySize: 0,
        activeSeconds: 0,
        paused: false,
      });
      // Never finishes by itself: only cancelling ends it.
      return new Promise((resolve) => {
        endRun = (outcome) =>
          resolve({
            outcome,
            total: request.photos.length,
            indexed: 0,
            reused: 0,
            removed: 0,
            skipped: [],
            duplicates: [],
            renamed: [],
            seconds: 0,
            librarySize: 0,
            stalePhotos: 0,
          });
      });
    },
    async pauseIndexing() {},
    async resumeIndexing() {},
    async cancelIndexing() {
      endRun?.('cancelled');
    },
    async search(query): Promise<SearchResponse> {
      if (!loaded) throw new EngineError('PackNotLoadedError', 'No model pack is loaded');
      return {
        query,
        words: [query],
        unknownWords: [],
        grounding: [],
        shortlist: 0,
        hits: [],
        librarySize: 0,
        timings: { textMs: 0, shortlistMs: 0, crossProbeMs: 0, totalMs: 0 },
      };
    },
    async thumbnails(paths) {
      return paths.map(() => null);
    },
    async photo() {
      return null;
    },
    async explainMatch() {
      return { status: 'not-indexed' };
    },
    async librarySize() {
      return 0;
    },
    async runBenchmark() {
      throw new EngineError('PackNotLoadedError', 'the fake engine has no benchmark');
    },
  };
}

const ports: MessagePort[] = [];
let started = 0;

function startFakeWorker(): Worker {
  started += 1;
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  expose(fakeEngine(), port2);
  const worker = Object.assign(port1, {
    terminate() {
      port1.close();
      port2.close();
    },
  });
  return worker as unknown as Worker;
}

afterEach(() => {
  for (const port of ports.splice(0)) port.close();
  started = 0;
});

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
};

describe('EngineBridge', () => {
  it('starts the worker on first use; no progress arrives after the result', async () => {
    const bridge = new EngineBridge(startFakeWorker);
    expect(started).toBe(0);
    const progress: PackProgress[] = [];
    const info = await bridge.loadPack('https://x/models/', (p) => progress.push(p));
    expect(started).toBe(1);
    expect(info.id).toBe('fake');
    const count = progress.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(progress).toHaveLength(count);
    expect(progress.every((p) => p.item !== 'late')).toBe(true);
    expect((await bridge.backend()).label).toBe('WASM · 1 thread');
    bridge.terminate();
  });

  it('rejects with the engine error name and message', async () => {
    const bridge = new EngineBridge(startFakeWorker);
    const error = await bridge.search('a cat').catch((e: unknown) => e);
    expect(engineErrorName(error)).toBe('PackNotLoadedError');
    expect((error as Error).message).toBe('No model pack is loaded');
    bridge.terminate();
  });

  it('cancels a call through its AbortSignal by stopping the worker; the next call restarts it', async () => {
    const bridge = new EngineBridge(startFakeWorker);
    const controller = new AbortController();
    const progress: IndexProgress[] = [];
    const run = bridge.indexPhotos(NO_PHOTOS, (p) => progress.push(p), controller.signal);
    await until(() => progress.length === 1);
    controller.abort();
    expect(isAbortError(await run.catch((e: unknown) => e))).toBe(true);
    await bridge.loadPack('https://x/models/', () => {});
    expect(started).toBe(2);
    bridge.terminate();
  });

  it('cancels an indexing run inside the engine: the run ends with its report', async () => {
    const bridge = new EngineBridge(startFakeWorker);
    const progress: IndexProgress[] = [];
    const run = bridge.indexPhotos(NO_PHOTOS, (p) => progress.push(p));
    await until(() => progress.length === 1);
    await bridge.pauseIndexing();
    await bridge.cancelIndexing();
    expect((await run).outcome).toBe('cancelled');
    expect(started).toBe(1);
    bridge.terminate();
  });

  it('rejects calls in flight when terminated', async () => {
    const bridge = new EngineBridge(startFakeWorker);
    const run = bridge.indexPhotos(NO_PHOTOS, () => {});
    bridge.terminate();
    expect(isAbortError(await run.catch((e: unknown) => e))).toBe(true);
  });

  it('rejects calls in flight with EngineCrashError when the worker itself fails', async () => {
    let worker: Worker | undefined;
    const bridge = new EngineBridge(() => (worker = startFakeWorker()));
    const crashes: string[] = [];
    bridge.onCrash((crash) => crashes.push(crash.message));
    const run = bridge.indexPhotos(NO_PHOTOS, () => {});
    worker?.dispatchEvent(Object.assign(new Event('error'), { message: 'script failed' }));
    const error = await run.catch((e: unknown) => e);
    expect(engineErrorName(error)).toBe('EngineCrashError');
    // Told once, so the app can load the pack into the next worker.
    expect(crashes).toEqual(['script failed']);
    expect((error as Error).message).toBe('script failed');
    expect((await bridge.backend()).kind).toBe('wasm');
    expect(started).toBe(2);
    bridge.terminate();
  });

  it('rejects at once when the signal is already aborted, without starting a worker', async () => {
    const bridge = new EngineBridge(startFakeWorker);
    const error = await bridge.search('x', {}, AbortSignal.abort()).catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(started).toBe(0);
  });
});
