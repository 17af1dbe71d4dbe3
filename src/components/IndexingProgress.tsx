import type { IndexProgress } from '../engine/api.ts';
import { formatDuration, formatRate, progressFigures } from '../intake/progressFigures.ts';

interface Props {
  progress: IndexProgress;
  /** Cancel was asked for; the run ends at the next stage of the photo in hand. */
  stopping: boolean;
  onPause: () => void;
  onResume: () => void;
  onCancel: () => void;
}

/** The running indexing: done/total, rate, time left, the current file, and its controls. */
export function IndexingProgress({ progress, stopping, onPause, onResume, onCancel }: Props) {
  const { done, total, current, indexed, reused, failed, paused } = progress;
  const { perSecond, secondsLeft } = progressFigures(progress);
  const state = stopping ? 'Stopping' : paused ? 'Paused' : 'Indexing';
  return (
    <div className="indexing-progress" data-testid="intake-progress">
      <p aria-live="polite">
        <span data-testid="intake-progress-count">
          {state}: {done} of {total}
        </span>
        {perSecond !== null && !paused && (
          <span className="muted" data-testid="intake-rate">
            {' '}
            · {formatRate(perSecond)} photos/s
          </span>
        )}
        {secondsLeft !== null && !paused && (
          <span className="muted" data-testid="intake-eta">
            {' '}
            · about {formatDuration(secondsLeft)} left
          </span>
        )}
      </p>
      <progress value={done} max={total || 1} data-testid="intake-progress-bar">
        {done} of {total}
      </progress>
      {current !== null && (
        <p className="muted current-file" title={current} data-testid="intake-current">
          {current}
        </p>
      )}
      <p className="muted" data-testid="intake-progress-counts">
        {indexed} indexed, {reused} unchanged, {failed} skipped
      </p>
      <div className="button-row">
        {paused ? (
          <button type="button" onClick={onResume} disabled={stopping} data-testid="intake-resume">
            Resume
          </button>
        ) : (
          <button type="button" onClick={onPause} disabled={stopping} data-testid="intake-pause">
            Pause
          </button>
        )}
        <button
          type="button"
          className="secondary"
          onClick={onCancel}
          disabled={stopping}
          data-testid="intake-cancel"
        >
          Cancel
        </button>
      </div>
    </div>
  );
}
