import { useEffect } from 'react';
import { BenchmarkPanel } from './components/BenchmarkPanel.tsx';
import { Intake } from './components/Intake.tsx';
import { OfflinePanel } from './components/OfflinePanel.tsx';
import { PackStatus } from './components/PackStatus.tsx';
import { SearchPanel } from './components/SearchPanel.tsx';
import { backendFromUrl, testHooksFromUrl } from './engine/backendParam.ts';
import { useEngine } from './engine/useEngine.ts';
import { testApi } from './testApi.ts';

/** Model packs live beside the app: models/index.json names the default one. */
const MODELS_URL = new URL('models/', document.baseURI).href;
/** `?backend=wasm|webgpu` forces a backend; `?test` adds test hooks to window.probeSearch. */
const BACKEND = backendFromUrl(location.search);
const TEST_HOOKS = testHooksFromUrl(location.search);

export function App() {
  const engine = useEngine(MODELS_URL, BACKEND);
  const ready = engine.pack.status === 'ready';
  // Scripts and tests drive the app through window.probeSearch (src/testApi.ts).
  useEffect(() => {
    window.probeSearch = testApi(engine, TEST_HOOKS);
  }, [engine]);
  return (
    <div className="app">
      <header className="app-header">
        <h1>Probe Search</h1>
        <p className="tagline">Search your photos by typing. Nothing leaves this device.</p>
        {engine.pack.status === 'ready' && (
          <span
            className="badge"
            data-testid="engine-backend"
            data-kind={engine.pack.backend.kind}
            title={engine.pack.pack.crossProbe.label}
          >
            {engine.pack.backend.label}
          </span>
        )}
      </header>
      {engine.pack.status === 'ready' && engine.pack.backend.note !== null && (
        <p className="warning" role="status" data-testid="engine-backend-note">
          {engine.pack.backend.note}
        </p>
      )}
      <PackStatus state={engine.pack} onRetry={engine.retryPack} />
      <main className="app-main">
        <Intake engine={engine} enabled={ready} />
        <SearchPanel engine={engine} enabled={ready} />
      </main>
      <OfflinePanel packReady={ready} />
      <BenchmarkPanel engine={engine} enabled={ready} />
    </div>
  );
}
