import type { ChangeEvent } from 'react';
import type { PhotoFile } from '../engine/api.ts';
import type { Engine } from '../engine/useEngine.ts';

/** The folder input: files come with their path inside the chosen folder. */
function photoFiles(files: FileList): PhotoFile[] {
  return Array.from(files, (file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** React has no typed prop for the non-standard folder attribute; set it on the element. */
function allowFolders(input: HTMLInputElement | null): void {
  input?.setAttribute('webkitdirectory', '');
}

function IndexingStatus({ engine }: { engine: Engine }) {
  const { indexing } = engine;
  switch (indexing.status) {
    case 'idle':
      return null;
    case 'running': {
      const { done, total, current } = indexing.progress;
      return (
        <div data-testid="intake-progress" aria-live="polite">
          <p>
            Indexing {done} of {total}
            {current !== null && <span className="muted"> · {current}</span>}
          </p>
          <progress value={done} max={total || 1} />
          <button type="button" onClick={engine.cancelIndexing} data-testid="intake-cancel">
            Stop
          </button>
        </div>
      );
    }
    case 'cancelled':
      return <p data-testid="intake-report">Indexing stopped; photos done so far are kept.</p>;
    case 'error':
      return (
        <p className="error" role="alert" data-testid="intake-error">
          Indexing failed ({indexing.error.name}): {indexing.error.message}
        </p>
      );
    case 'done': {
      const { indexed, reused, skipped, seconds, total } = indexing.report;
      const rate = indexed > 0 && seconds > 0 ? ` (${(indexed / seconds).toFixed(1)}/s)` : '';
      return (
        <div data-testid="intake-report">
          <p>
            {total} files: {indexed} indexed in {seconds.toFixed(1)} s{rate}, {reused} already
            indexed, {skipped.length} skipped.
          </p>
          {skipped.length > 0 && (
            <details>
              <summary>Skipped files</summary>
              <ul data-testid="intake-skipped">
                {skipped.map((s) => (
                  <li key={s.path}>
                    <code>{s.path}</code>: {s.reason}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </div>
      );
    }
  }
}

export function Intake({ engine, enabled }: { engine: Engine; enabled: boolean }) {
  const running = engine.indexing.status === 'running';
  const onChange = (event: ChangeEvent<HTMLInputElement>) => {
    const input = event.currentTarget;
    const photos = input.files === null ? [] : photoFiles(input.files);
    // Cleared so that choosing the same folder again (after changes) fires a change event.
    input.value = '';
    if (photos.length > 0) void engine.indexPhotos(photos);
  };
  return (
    <section className="panel intake" aria-labelledby="intake-title">
      <h2 id="intake-title">Your photos</h2>
      <p className="muted">
        <span data-testid="library-size">
          {engine.librarySize} {engine.librarySize === 1 ? 'photo' : 'photos'} indexed
        </span>{' '}
        on this device.
      </p>
      <label className={`button${enabled && !running ? '' : ' disabled'}`}>
        Choose folder
        <input
          ref={allowFolders}
          type="file"
          multiple
          className="visually-hidden"
          data-testid="intake-folder-input"
          disabled={!enabled || running}
          onChange={onChange}
        />
      </label>
      <IndexingStatus engine={engine} />
    </section>
  );
}
