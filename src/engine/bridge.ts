/**
 * The UI's one way to the engine worker. Starts the worker on first use, wraps it with
 * Comlink, and owns its life: `terminate()` stops it (pending calls reject with an AbortError)
 * and the next call starts a fresh one. A call given an AbortSignal is cancelled by
 * terminating the worker, so a long indexing run stops at once; its finished photos are saved.
 * No progress callback runs after its call has settled: progress and results travel on
 * different message ports, so a late progress message could otherwise undo a final state.
 */
import { proxy, wrap, type Remote } from 'comlink';
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
  SearchOptions,
  SearchResponse,
} from './api.ts';
import { EngineError } from './errors.ts';

function startWorker(): Worker {
  return new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'probe-search-engine',
  });
}

/** A callback that stops passing calls on once closed. */
function gate<T>(callback: (value: T) => void): { open: (value: T) => void; close: () => void } {
  let closed = false;
  return {
    open: (value) => {
      if (!closed) callback(value);
    },
    close: () => {
      closed = true;
    },
  };
}

const terminated = () => new DOMException('The engine was stopped', 'AbortError');

export class EngineBridge {
  private worker: Worker | undefined;
  private remote: Remote<EngineApi> | undefined;
  /** Rejecters of calls in flight: a terminated worker never answers them. */
  private readonly pending = new Set<(reason: unknown) => void>();

  private readonly crashListeners = new Set<(error: EngineError) => void>();

  constructor(private readonly createWorker: () => Worker = startWorker) {}

  private api(): Remote<EngineApi> {
    if (this.remote === undefined) {
      const worker = this.createWorker();
      // An error event is a failure of the worker itself; the engine's own errors arrive as
      // rejections. Without this, a worker whose script fails to load would never answer.
      worker.addEventListener('error', (event) => {
        if (worker !== this.worker) return;
        event.preventDefault();
        const message = event.message || 'the engine worker failed to start or crashed';
        const error = new EngineError('EngineCrashError', message);
        this.stop(error);
        for (const listener of this.crashListeners) listener(error);
      });
      this.worker = worker;
      this.remote = wrap<EngineApi>(worker);
    }
    return this.remote;
  }

  private call<T>(run: (api: Remote<EngineApi>) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        reject(signal?.reason);
        this.terminate();
      };
      this.pending.add(reject);
      signal?.addEventListener('abort', onAbort, { once: true });
      run(this.api())
        .then(resolve, reject)
        .finally(() => {
          this.pending.delete(reject);
          signal?.removeEventListener('abort', onAbort);
        });
    });
  }

  loadPack(
    modelsUrl: string,
    onProgress: (progress: PackProgress) => void,
    signal?: AbortSignal,
    backend: BackendPreference = 'auto',
  ): Promise<PackInfo> {
    const progress = gate(onProgress);
    return this.call(
      (api) => api.loadPack(modelsUrl, proxy(progress.open), backend),
      signal,
    ).finally(progress.close);
  }

  backend(): Promise<BackendInfo> {
    return this.call((api) => api.backend());
  }

  /** `onChange` hears of each later change of backend of this worker (see EngineApi). */
  watchBackend(onChange: (change: BackendChange) => void): Promise<void> {
    return this.call((api) => api.watchBackend(proxy(onChange)));
  }

  simulateDeviceLoss(): Promise<BackendInfo> {
    return this.call((api) => api.simulateDeviceLoss());
  }

  indexPhotos(
    request: IndexRequest,
    onProgress: (progress: IndexProgress) => void,
    signal?: AbortSignal,
  ): Promise<IndexReport> {
    const progress = gate(onProgress);
    return this.call((api) => api.indexPhotos(request, proxy(progress.open)), signal).finally(
      progress.close,
    );
  }

  /** Pauses the indexing run in progress after its current photo; the pack stays loaded. */
  pauseIndexing(): Promise<void> {
    return this.call((api) => api.pauseIndexing());
  }

  resumeIndexing(): Promise<void> {
    return this.call((api) => api.resumeIndexing());
  }

  /** Ends the indexing run after its current photo; its report says 'cancelled'. */
  cancelIndexing(): Promise<void> {
    return this.call((api) => api.cancelIndexing());
  }

  search(query: string, options?: SearchOptions, signal?: AbortSignal): Promise<SearchResponse> {
    return this.call((api) => api.search(query, options), signal);
  }

  thumbnails(paths: readonly string[]): Promise<(Blob | null)[]> {
    return this.call((api) => api.thumbnails(paths));
  }

  photo(path: string): Promise<PhotoDetails | null> {
    return this.call((api) => api.photo(path));
  }

  explainMatch(path: string, query: string): Promise<MatchExplanation> {
    return this.call<MatchExplanation>((api) => api.explainMatch(path, query));
  }

  librarySize(): Promise<number> {
    return this.call((api) => api.librarySize());
  }

  /** The benchmark on the loaded pack; aborting stops the worker (the next call restarts it). */
  runBenchmark(
    options: BenchmarkOptions,
    onProgress: (progress: BenchmarkProgress) => void,
    signal?: AbortSignal,
  ): Promise<BenchmarkResult> {
    const progress = gate(onProgress);
    return this.call((api) => api.runBenchmark(options, proxy(progress.open)), signal).finally(
      progress.close,
    );
  }

  /**
   * `listener` hears of each crash of the worker, after the calls in flight were rejected: the
   * next call starts a fresh worker, which has no pack. Returns the unsubscribe.
   */
  onCrash(listener: (error: EngineError) => void): () => void {
    this.crashListeners.add(listener);
    return () => this.crashListeners.delete(listener);
  }

  /** Stops the worker now; calls in flight reject with an AbortError. */
  terminate(): void {
    this.stop(terminated());
  }

  private stop(reason: Error): void {
    this.worker?.terminate();
    this.worker = undefined;
    this.remote = undefined;
    const rejecters = [...this.pending];
    this.pending.clear();
    for (const reject of rejecters) reject(reason);
  }
}
