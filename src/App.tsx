import { useEffect } from 'react';
import { Intake } from './components/Intake.tsx';
import { OfflinePanel } from './components/OfflinePanel.tsx';
import { PackStatus } from './components/PackStatus.tsx';
import { SearchPanel } from './components/SearchPanel.tsx';
import { useEngine } from './engine/useEngine.ts';
import { testApi } from './testApi.ts';

/** Model packs live beside the app: models/index.json names the default one. */
const MODELS_URL = new URL('models/', document.baseURI).href;

export function App() {
  const engine = useEngine(MODELS_URL);
  const ready = engine.pack.status === 'ready';
  // Scripts and tests drive the app through window.probeSearch (src/testApi.ts).
  useEffect(() => {
    window.probeSearch = testApi(engine);
  }, [engine]);
  return (
    <div className="app">
      <header className="app-header">
        <h1>Probe Search</h1>
        <p className="tagline">Search your photos by typing. Nothing leaves this device.</p>
        {engine.pack.status === 'ready' && (
          <span className="badge" data-testid="engine-backend">
            {engine.pack.backend.label}
          </span>
        )}
      </header>
      <PackStatus state={engine.pack} onRetry={engine.retryPack} />
      <main className="app-main">
        <Intake engine={engine} enabled={ready} />
        <SearchPanel engine={engine} enabled={ready} />
      </main>
      <OfflinePanel packReady={ready} />
    </div>
  );
}
