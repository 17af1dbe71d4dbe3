/**
 * React's one hook to the engine: owns an EngineBridge for the component's lifetime, loads the
 * model pack, and runs indexing. Searches go through `search` (callers debounce and drop stale
 * answers). Indexing is paused, resumed and cancelled between photos, inside the worker, so the
 * pack stays loaded; a cancelled run ends with its report like a finished one.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type {
  BackendInfo,
  BackendPreference,
  BenchmarkOptions,
  BenchmarkProgress,
  BenchmarkResult,
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
import { EngineBridge } from './bridge.ts';
import { isAbortError } from './errors.ts';

export interface ErrorInfo {
  readonly name: string;
  readonly message: string;
}

export type PackState =
  | { readonly status: 'loading'; readonly progress: PackProgress | null }
  | { readonly status: 'ready'; readonly pack: PackInfo; readonly backend: BackendInfo }
  | { readonly status: 'error'; readonly error: ErrorInfo };

export type IndexingState =
  | { readonly status: 'idle' }
  | { readonly status: 'running'; readonly progress: IndexProgress }
  /** Ended: complete, cancelled or stopped by a full disk (report.outcome says which). */
  | { readonly status: 'done'; readonly report: IndexReport }
  | { readonly status: 'error'; readonly error: ErrorInfo };

export interface Engine {
  readonly pack: PackState;
  readonly indexing: IndexingState;
  /** Photos searchable now; changes as indexing goes. */
  readonly librarySize: number;
  /** Photos indexed with another model pack: searchable again once indexed again. */
  readonly stalePhotos: number;
  retryPack(): void;
  /** One run at a time: callers wait for `indexing` to leave 'running'. */
  indexPhotos(request: IndexRequest): Promise<void>;
  pauseIndexing(): void;
  resumeIndexing(): void;
  cancelIndexing(): void;
  search(query: string, options?: SearchOptions): Promise<SearchResponse>;
  thumbnails(paths: readonly string[]): Promise<(Blob | null)[]>;
  photo(path: string): Promise<PhotoDetails | null>;
  /** Which of the photo's regions drove its match for `query` (occlusion, in the worker). */
  explainMatch(path: string, query: string): Promise<MatchExplanation>;
  /** For tests: the GPU device ends; resolves with the backend the engine fell back to. */
  simulateDeviceLoss(): Promise<BackendInfo>;
  /** The benchmark on this device (the panel owns its state; `signal` stops it). */
  runBenchmark(
    options: BenchmarkOptions,
    onProgress: (progress: BenchmarkProgress) => void,
    signal?: AbortSignal,
  ): Promise<BenchmarkResult>;
}

function errorInfo(error: unknown): ErrorInfo {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: String(error) };
}

/** `backend`: the backend to ask the engine for (the page's `?backend=`). */
export function useEngine(modelsUrl: string, backend: BackendPreference = 'auto'): Engine {
  const [bridge] = useState(() => new EngineBridge());
  const [pack, setPack] = useState<PackState>({ status: 'loading', progress: null });
  const [loadRequest, setLoadRequest] = useState(0);
  const [indexing, setIndexing] = useState<IndexingState>({ status: 'idle' });
  const [librarySize, setLibrarySize] = useState(0);
  const [stalePhotos, setStalePhotos] = useState(0);

  useEffect(() => () => bridge.terminate(), [bridge]);

  useEffect(() => {
    const controller = new AbortController();
    const onProgress = (progress: PackProgress) => {
      if (!controller.signal.aborted) setPack({ status: 'loading', progress });
    };
    bridge
      .loadPack(modelsUrl, onProgress, controller.signal, backend)
      .then(async (info) => {
        if (controller.signal.aborted) return;
        const running = await bridge.backend();
        setLibrarySize(info.indexedPhotos);
        setStalePhotos(info.stalePhotos);
        setPack({ status: 'ready', pack: info, backend: running });
        // A lost GPU device switches the engine to WASM later on: the badge follows.
        await bridge.watchBackend((change) => {
          if (controller.signal.aborted) return;
          setPack((state) =>
            state.status === 'ready'
              ? {
                  status: 'ready',
                  pack: { ...state.pack, crossProbe: change.crossProbe },
                  backend: change.backend,
                }
              : state,
          );
        });
      })
      .catch((error: unknown) => {
        if (!isAbortError(error)) setPack({ status: 'error', error: errorInfo(error) });
      });
    return () => controller.abort();
  }, [bridge, modelsUrl, backend, loadRequest]);

  const reloadPack = useCallback(() => {
    setPack({ status: 'loading', progress: null });
    setLoadRequest((n) => n + 1);
  }, []);

  // A crashed worker is replaced by a fresh one without a pack: load it again, so the library
  // stays searchable. Only from 'ready': a crash while loading shows the load's error (and its
  // retry) instead of looping.
  const packReady = useRef(false);
  useEffect(() => {
    packReady.current = pack.status === 'ready';
  }, [pack.status]);
  useEffect(
    () =>
      bridge.onCrash(() => {
        if (packReady.current) reloadPack();
      }),
    [bridge, reloadPack],
  );

  const indexPhotos = useCallback(
    async (request: IndexRequest) => {
      let finished = false;
      setIndexing({
        status: 'running',
        progress: {
          done: 0,
          total: request.photos.length,
          current: null,
          indexed: 0,
          reused: 0,
          failed: 0,
          librarySize,
          activeSeconds: 0,
          paused: false,
        },
      });
      try {
        const report = await bridge.indexPhotos(request, (progress) => {
          if (finished) return;
          setLibrarySize(progress.librarySize);
          setIndexing({ status: 'running', progress });
        });
        setLibrarySize(report.librarySize);
        setStalePhotos(report.stalePhotos);
        setIndexing({ status: 'done', report });
      } catch (error) {
        setIndexing({ status: 'error', error: errorInfo(error) });
        if (isAbortError(error)) reloadPack();
      } finally {
        finished = true;
      }
    },
    [bridge, librarySize, reloadPack],
  );

  const reportControlError = useCallback((error: unknown) => {
    setIndexing({ status: 'error', error: errorInfo(error) });
  }, []);
  const pauseIndexing = useCallback(
    () => void bridge.pauseIndexing().catch(reportControlError),
    [bridge, reportControlError],
  );
  const resumeIndexing = useCallback(
    () => void bridge.resumeIndexing().catch(reportControlError),
    [bridge, reportControlError],
  );
  const cancelIndexing = useCallback(
    () => void bridge.cancelIndexing().catch(reportControlError),
    [bridge, reportControlError],
  );

  const search = useCallback(
    (query: string, options?: SearchOptions) => bridge.search(query, options),
    [bridge],
  );

  const thumbnails = useCallback((paths: readonly string[]) => bridge.thumbnails(paths), [bridge]);
  const photo = useCallback((path: string) => bridge.photo(path), [bridge]);
  const explainMatch = useCallback(
    (path: string, query: string) => bridge.explainMatch(path, query),
    [bridge],
  );
  const simulateDeviceLoss = useCallback(() => bridge.simulateDeviceLoss(), [bridge]);
  const runBenchmark = useCallback(
    (
      options: BenchmarkOptions,
      onProgress: (progress: BenchmarkProgress) => void,
      signal?: AbortSignal,
    ) =>
      bridge.runBenchmark(options, onProgress, signal).catch((error: unknown) => {
        // Stopping a run terminates the worker: load the pack into a fresh one.
        if (isAbortError(error)) reloadPack();
        throw error;
      }),
    [bridge, reloadPack],
  );

  return {
    pack,
    indexing,
    librarySize,
    retryPack: reloadPack,
    stalePhotos,
    indexPhotos,
    pauseIndexing,
    resumeIndexing,
    cancelIndexing,
    search,
    thumbnails,
    photo,
    explainMatch,
    runBenchmark,
    simulateDeviceLoss,
  };
}
