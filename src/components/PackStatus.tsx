import type { PackProgress } from '../engine/api.ts';
import type { PackState } from '../engine/useEngine.ts';
import { formatBytes } from './format.ts';

const PHASE_LABELS: Record<PackProgress['phase'], string> = {
  download: 'Downloading the model',
  compile: 'Preparing the model',
  'warm-up': 'Warming up',
};

function progressText(progress: PackProgress): string {
  return progress.phase === 'download'
    ? `${formatBytes(progress.done)} of ${formatBytes(progress.total)}`
    : `${progress.done} of ${progress.total} · ${progress.item}`;
}

export function PackStatus({ state, onRetry }: { state: PackState; onRetry: () => void }) {
  if (state.status === 'ready') {
    return (
      <p className="pack-ready" data-testid="pack-ready">
        Model {state.pack.id} {state.pack.version} ready · {formatBytes(state.pack.downloadedBytes)}{' '}
        · loaded in {(state.pack.loadMs / 1000).toFixed(1)} s
      </p>
    );
  }
  if (state.status === 'error') {
    return (
      <div className="panel panel-error" role="alert" data-testid="pack-error">
        <p>
          The model could not be loaded ({state.error.name}): {state.error.message}
        </p>
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      </div>
    );
  }
  const { progress } = state;
  return (
    <div className="panel" data-testid="pack-loading" aria-live="polite">
      <p>
        {progress === null ? 'Starting the engine…' : PHASE_LABELS[progress.phase]}
        {progress !== null && <span className="muted"> · {progressText(progress)}</span>}
      </p>
      <progress
        data-testid="pack-progress"
        data-phase={progress?.phase ?? 'start'}
        value={progress?.done ?? 0}
        max={progress?.total || 1}
      />
    </div>
  );
}
