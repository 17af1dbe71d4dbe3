import { useCallback, useEffect, useRef, useState, type ChangeEvent, type DragEvent } from 'react';
import type { IndexRequest } from '../engine/api.ts';
import type { Engine } from '../engine/useEngine.ts';
import { canPickFolders, ensureReadPermission } from '../intake/fileSystemAccess.ts';
import { fetchSamplePhotos } from '../intake/samples.ts';
import { scanDrop, scanFolder, scanInput, takeDrop } from '../intake/scan.ts';
import {
  forgetFolder,
  rememberedFolders,
  rememberFolder,
  SAMPLES_ROOT,
  type LibraryFolder,
} from '../storage/folders.ts';
import { IndexingProgress } from './IndexingProgress.tsx';
import { IndexingReport } from './IndexingReport.tsx';

/** React has no typed prop for the non-standard folder attribute; set it on the element. */
function allowFolders(input: HTMLInputElement | null): void {
  input?.setAttribute('webkitdirectory', '');
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

const isAbort = (error: unknown) => error instanceof DOMException && error.name === 'AbortError';

interface StatusProps {
  engine: Engine;
  stopping: boolean;
  onCancel: () => void;
}

function IndexingStatus({ engine, stopping, onCancel }: StatusProps) {
  const { indexing } = engine;
  switch (indexing.status) {
    case 'idle':
      return null;
    case 'running':
      return (
        <IndexingProgress
          progress={indexing.progress}
          stopping={stopping}
          onPause={engine.pauseIndexing}
          onResume={engine.resumeIndexing}
          onCancel={onCancel}
        />
      );
    case 'error':
      return (
        <p className="error" role="alert" data-testid="intake-error">
          Indexing failed ({indexing.error.name}): {indexing.error.message}
        </p>
      );
    case 'done':
      return <IndexingReport report={indexing.report} />;
  }
}

/** Where photos come in: drop, folder picker (remembered for later visits) or folder input. */
export function Intake({ engine, enabled }: { engine: Engine; enabled: boolean }) {
  const running = engine.indexing.status === 'running';
  const [folders, setFolders] = useState<LibraryFolder[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [listing, setListing] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [stopping, setStopping] = useState(false);
  const input = useRef<HTMLInputElement | null>(null);
  const busy = !enabled || running || listing;
  const { indexPhotos, cancelIndexing } = engine;

  const refreshFolders = useCallback(async () => setFolders(await rememberedFolders()), []);

  useEffect(() => {
    let live = true;
    void rememberedFolders().then((found) => {
      if (live) setFolders(found);
    });
    // A file dropped beside the drop zone must not make the browser open it instead of the app.
    const keepPage = (event: Event) => event.preventDefault();
    window.addEventListener('dragover', keepPage);
    window.addEventListener('drop', keepPage);
    return () => {
      live = false;
      window.removeEventListener('dragover', keepPage);
      window.removeEventListener('drop', keepPage);
    };
  }, []);

  /** Lists the files (`what` names the source for messages), then indexes them. */
  const index = useCallback(
    async (scan: () => Promise<IndexRequest>, what: string) => {
      setNotice(null);
      setListing(true);
      let request: IndexRequest;
      try {
        request = await scan();
      } catch (error) {
        setNotice(`Could not read ${what}: ${messageOf(error)}`);
        return;
      } finally {
        setListing(false);
      }
      if (request.photos.length === 0) {
        setNotice(`No files found in ${what}.`);
        return;
      }
      setStopping(false);
      await indexPhotos(request);
    },
    [indexPhotos],
  );

  const chooseFolder = async () => {
    if (!canPickFolders() || window.showDirectoryPicker === undefined) {
      input.current?.click();
      return;
    }
    let handle: FileSystemDirectoryHandle;
    try {
      handle = await window.showDirectoryPicker({ id: 'probe-search-photos', mode: 'read' });
    } catch (error) {
      if (!isAbort(error)) setNotice(`Could not open the folder: ${messageOf(error)}`);
      return;
    }
    const root = await rememberFolder(handle);
    await refreshFolders();
    await index(() => scanFolder(handle, root), `“${root}”`);
  };

  const rescan = async ({ handle, root }: LibraryFolder) => {
    try {
      if (!(await ensureReadPermission(handle))) {
        setNotice(`Permission to read “${root}” was not given.`);
        return;
      }
    } catch (error) {
      setNotice(`Could not open “${root}”: ${messageOf(error)}`);
      return;
    }
    await index(() => scanFolder(handle, root), `“${root}”`);
  };

  const forget = async (root: string) => {
    await forgetFolder(root);
    await refreshFolders();
  };

  const onInput = (event: ChangeEvent<HTMLInputElement>) => {
    const target = event.currentTarget;
    const files = target.files;
    const request = files === null ? null : scanInput(files);
    // Cleared so that choosing the same folder again (after changes) fires a change event.
    target.value = '';
    if (request !== null) void index(async () => request, 'the chosen folder');
  };

  const onDragOver = (event: DragEvent<HTMLElement>) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = busy ? 'none' : 'copy';
    setDragging(true);
  };

  const onDrop = (event: DragEvent<HTMLElement>) => {
    event.preventDefault();
    setDragging(false);
    if (busy) {
      setNotice(running ? 'Wait for the indexing in progress to end.' : 'Not ready yet.');
      return;
    }
    // Before any await: afterwards the drop's data is gone.
    const items = takeDrop(event.dataTransfer);
    const rootOf = async (handle: FileSystemDirectoryHandle) => {
      const root = await rememberFolder(handle);
      await refreshFolders();
      return root;
    };
    void index(() => scanDrop(items, rootOf), 'the dropped items');
  };

  const onCancel = () => {
    setStopping(true);
    cancelIndexing();
  };

  const { librarySize, stalePhotos } = engine;
  return (
    <section
      className={`panel intake${dragging ? ' dragging' : ''}`}
      aria-labelledby="intake-title"
      onDragOver={onDragOver}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      data-testid="intake-drop-zone"
    >
      <h2 id="intake-title">Your photos</h2>
      <p className="muted">
        <span data-testid="library-size">
          {librarySize} {librarySize === 1 ? 'photo' : 'photos'} indexed
        </span>{' '}
        on this device.
      </p>
      {stalePhotos > 0 && (
        <p className="warning" data-testid="intake-stale">
          {stalePhotos} {stalePhotos === 1 ? 'photo was' : 'photos were'} indexed with another
          version of the model and cannot be searched until indexed again: choose or re-scan their
          folder.
        </p>
      )}
      <div className="button-row">
        <button
          type="button"
          onClick={() => void chooseFolder()}
          disabled={busy}
          data-testid="intake-choose-folder"
        >
          Choose folder
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() =>
            void index(
              async () => ({ photos: await fetchSamplePhotos(), folders: [SAMPLES_ROOT] }),
              'the sample photos',
            )
          }
          disabled={busy}
          data-testid="intake-try-samples"
        >
          Try the sample photos
        </button>
      </div>
      <input
        ref={(element) => {
          input.current = element;
          allowFolders(element);
        }}
        type="file"
        multiple
        className="visually-hidden"
        tabIndex={-1}
        aria-label="Folder of photos"
        data-testid="intake-folder-input"
        disabled={busy}
        onChange={onInput}
      />
      <p className="muted drop-hint">…or drop photos or folders here.</p>
      {!canPickFolders() && (
        <p className="muted" data-testid="intake-name-only">
          This browser tells folders apart by their name only: a folder named like one indexed
          before is taken for it, and replaces its photos.
        </p>
      )}
      {folders.length > 0 && (
        <ul className="folders" data-testid="intake-folders">
          {folders.map((folder) => (
            <li key={folder.root} data-testid="intake-folder">
              <span className="folder-name">{folder.root}</span>
              <button
                type="button"
                className="secondary"
                onClick={() => void rescan(folder)}
                disabled={busy}
                data-testid="intake-rescan"
              >
                Re-scan
              </button>
              <button
                type="button"
                className="secondary"
                onClick={() => void forget(folder.root)}
                disabled={running}
                aria-label={`Forget ${folder.root}`}
              >
                Forget
              </button>
            </li>
          ))}
        </ul>
      )}
      {listing && <p data-testid="intake-listing">Listing files…</p>}
      {notice !== null && (
        <p className="warning" role="status" data-testid="intake-notice">
          {notice}
        </p>
      )}
      <IndexingStatus engine={engine} stopping={stopping} onCancel={onCancel} />
    </section>
  );
}
