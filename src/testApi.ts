/**
 * A small typed API on `window` for scripts and tests that drive the real app in a browser
 * (scripts/search.ts, e2e/): they ask the app for its state and run searches through the same
 * engine and model as the UI, instead of scraping the page.
 */
import type { BackendInfo, PackInfo, SearchOptions, SearchResponse } from './engine/api.ts';
import type { Engine, ErrorInfo } from './engine/useEngine.ts';

export interface AppState {
  readonly pack: Engine['pack']['status'];
  readonly packError: ErrorInfo | null;
  readonly packInfo: PackInfo | null;
  readonly backend: string | null;
  readonly backendInfo: BackendInfo | null;
  readonly indexing: Engine['indexing']['status'];
  readonly librarySize: number;
}

export interface ProbeSearchTestApi {
  state(): AppState;
  search(query: string, options?: SearchOptions): Promise<SearchResponse>;
  /** Only with `?test` in the page's URL: see EngineApi.simulateDeviceLoss. */
  simulateDeviceLoss?: () => Promise<BackendInfo>;
}

declare global {
  interface Window {
    probeSearch?: ProbeSearchTestApi;
  }
}

export function testApi(engine: Engine, testHooks = false): ProbeSearchTestApi {
  const { pack } = engine;
  return {
    state: () => ({
      pack: pack.status,
      packError: pack.status === 'error' ? pack.error : null,
      packInfo: pack.status === 'ready' ? pack.pack : null,
      backend: pack.status === 'ready' ? pack.backend.label : null,
      backendInfo: pack.status === 'ready' ? pack.backend : null,
      indexing: engine.indexing.status,
      librarySize: engine.librarySize,
    }),
    search: (query, options) => engine.search(query, options),
    ...(testHooks ? { simulateDeviceLoss: () => engine.simulateDeviceLoss() } : {}),
  };
}
