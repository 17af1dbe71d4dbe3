/**
 * React's one hook to the engine: owns an EngineBridge for the component's lifetime, loads the
 * model pack, and runs indexing. Searches go through `search` (callers debounce and drop stale
 * answers). Cancelling indexing stops the worker, so the pack is then loaded again.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type {
  BackendInfo,
  IndexProgress,
  IndexReport,
  PackInfo,
  PackProgress,
  PhotoFile,
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
  | { readonly status: 'done'; readonly report: IndexReport }
  | { readonly status: 'cancelled' }
  | { readonly status: 'error'; readonly error: ErrorInfo };

export interface Engine {
  readonly pack: PackState;
  readonly indexing: IndexingState;
  /** Photos searchable now; changes after each indexing run. */
  readonly librarySize: number;
  retryPack(): void;
  /** One run at a time: callers wait for `indexing` to leave 'running'. */
  indexPhotos(photos: readonly PhotoFile[]): Promise<void>;
  cancelIndexing(): void;
  search(query: string, options?: SearchOptions): Promise<SearchResponse>;
}

function errorInfo(error: unknown): ErrorInfo {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: String(error) };
}

export function useEngine(modelsUrl: string): Engine {
  const [bridge] = useState(() => new EngineBridge());
  const [pack, setPack] = useState<PackState>({ status: 'loading', progress: null });
  const [loadRequest, setLoadRequest] = useState(0);
  const [indexing, setIndexing] = useState<IndexingState>({ status: 'idle' });
  const [librarySize, setLibrarySize] = useState(0);
  const indexingAbort = useRef<AbortController | null>(null);

  useEffect(() => () => bridge.terminate(), [bridge]);

  useEffect(() => {
    const controller = new AbortController();
    const onProgress = (progress: PackProgress) => {
      if (!controller.signal.aborted) setPack({ status: 'loading', progress });
    };
    bridge
      .loadPack(modelsUrl, onProgress, controller.signal)
      .then(async (info) => {
        if (controller.signal.aborted) return;
        const backend = await bridge.backend();
        setLibrarySize(info.indexedPhotos);
        setPack({ status: 'ready', pack: info, backend });
      })
      .catch((error: unknown) => {
        if (!isAbortError(error)) setPack({ status: 'error', error: errorInfo(error) });
      });
    return () => controller.abort();
  }, [bridge, modelsUrl, loadRequest]);

  const reloadPack = useCallback(() => {
    setPack({ status: 'loading', progress: null });
    setLoadRequest((n) => n + 1);
  }, []);

  const indexPhotos = useCallback(
    async (photos: readonly PhotoFile[]) => {
      const controller = new AbortController();
      indexingAbort.current = controller;
      setIndexing({
        status: 'running',
        progress: { done: 0, total: photos.length, current: null },
      });
      try {
        const report = await bridge.indexPhotos(
          photos,
          (progress) => {
            if (!controller.signal.aborted) setIndexing({ status: 'running', progress });
          },
          controller.signal,
        );
        setLibrarySize(report.librarySize);
        setIndexing({ status: 'done', report });
      } catch (error) {
        if (isAbortError(error)) {
          setIndexing({ status: 'cancelled' });
          // The worker was stopped with the pack in it.
          reloadPack();
        } else {
          setIndexing({ status: 'error', error: errorInfo(error) });
        }
      } finally {
        if (indexingAbort.current === controller) indexingAbort.current = null;
      }
    },
    [bridge, reloadPack],
  );

  const cancelIndexing = useCallback(() => indexingAbort.current?.abort(), []);

  const search = useCallback(
    (query: string, options?: SearchOptions) => bridge.search(query, options),
    [bridge],
  );

  return {
    pack,
    indexing,
    librarySize,
    retryPack: reloadPack,
    indexPhotos,
    cancelIndexing,
    search,
  };
}
