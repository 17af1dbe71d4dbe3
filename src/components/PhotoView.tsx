/**
 * One result, large: the photo with its detected regions drawn, the regions that drove the
 * match highlighted, its file name, date and size, and a way to open the original.
 *
 * Which regions drove the match is the model's own answer, worked out in the engine worker by
 * occlusion (workers/explain.ts): the photo is scored for the query with all its regions and
 * with each one left out in turn; a region's contribution is the drop in score without it.
 *
 * The original: a file of this session opens directly; after a reload, a photo from a
 * remembered folder ("Choose folder", or a dropped folder the browser gave a handle for) is
 * read through the folder's handle on the user's click, which may ask for read permission.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { MatchExplanation, PhotoDetails, SearchHit } from '../engine/api.ts';
import type { Engine, ErrorInfo } from '../engine/useEngine.ts';
import { readOriginal, topFolderOf, type OriginalRead } from '../intake/fileSystemAccess.ts';
import type { Detection } from '../model/detections.ts';
import { rememberedFolder } from '../storage/folders.ts';
import { baseName, formatBytes } from './format.ts';

interface PhotoViewProps {
  hit: SearchHit;
  /** The query this photo matched: the match that is explained. */
  query: string;
  labels: readonly string[];
  threshold: number;
  loadPhoto: Engine['photo'];
  explainMatch: Engine['explainMatch'];
  onClose: () => void;
}

type Loaded =
  | { readonly status: 'loading' }
  | { readonly status: 'missing' }
  /** Reading the library failed (the worker crashed, storage refused): said, not hidden. */
  | { readonly status: 'failed'; readonly error: ErrorInfo }
  | { readonly status: 'ready'; readonly details: PhotoDetails; readonly imageUrl: string | null };

type Attribution =
  | { readonly status: 'no-query' }
  | { readonly status: 'working' }
  | { readonly status: 'done'; readonly explanation: MatchExplanation }
  | { readonly status: 'error'; readonly error: ErrorInfo };

/** How the original can be reached when this session does not hold its file. */
type FolderOriginal =
  | { readonly status: 'looking' }
  /** Dropped or selected as files: nothing to reach it through after a reload. */
  | { readonly status: 'unreachable' }
  | { readonly status: 'remembered'; readonly folder: FileSystemDirectoryHandle }
  | { readonly status: 'opening'; readonly folder: FileSystemDirectoryHandle }
  | {
      readonly status: 'read';
      readonly folder: FileSystemDirectoryHandle;
      readonly read: Exclude<OriginalRead, { status: 'opened' }>;
    }
  | { readonly status: 'opened'; readonly file: File; readonly url: string };

interface DrawnRegion {
  readonly detection: Detection;
  /** Score drop without this region; null until (or unless) the match is explained. */
  readonly contribution: number | null;
  readonly highlighted: boolean;
}

function formatDate(date: number | null, source: PhotoDetails['dateSource']): string {
  if (date === null) return 'unknown';
  const text = new Date(date).toLocaleString();
  return source === 'exif' ? `${text} (taken)` : `${text} (file modified)`;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(2)}%`;
}

/** "+0.123" or "−0.004": a change of score. */
function signed(value: number): string {
  return `${value < 0 ? '−' : '+'}${Math.abs(value).toFixed(3)}`;
}

function errorInfo(error: unknown): ErrorInfo {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: String(error) };
}

function AttributionNote({
  attribution,
  regions,
  labelOf,
}: {
  attribution: Attribution;
  regions: readonly DrawnRegion[];
  labelOf: (d: Detection) => string;
}) {
  const explanation = attribution.status === 'done' ? attribution.explanation : null;
  const status = explanation?.status ?? attribution.status;
  const note = (className: string, text: ReactNode) => (
    <figcaption className={className} data-testid="photo-attribution" data-status={status}>
      {text}
    </figcaption>
  );
  if (attribution.status === 'error') {
    return (
      <figcaption
        className="error"
        role="alert"
        data-testid="photo-attribution"
        data-status={status}
      >
        Could not work out which regions drove this match ({attribution.error.name}):{' '}
        {attribution.error.message}. The boxes are the objects the detector found.
      </figcaption>
    );
  }
  if (explanation?.status === 'stale') {
    return note(
      'warning',
      <>
        This photo was indexed with another version of the model: index its folder again to see
        which regions drive the match.
      </>,
    );
  }
  if (explanation?.status === 'not-indexed') {
    return note('warning', 'This photo is no longer in the library: no region can be credited.');
  }
  if (regions.length === 0 || explanation?.status === 'no-regions') {
    return note(
      'muted',
      <>
        The detector found no objects in this photo, so no region can be credited with the match.
      </>,
    );
  }
  if (attribution.status === 'no-query')
    return note('muted', 'Boxes: the objects the detector found.');
  if (explanation?.status === 'no-query') {
    return note(
      'muted',
      <>
        Boxes: the objects the detector found. No word of the query is one the model reads, so no
        region is credited.
      </>,
    );
  }
  if (explanation === null) {
    return note(
      'muted',
      'Boxes: the objects the detector found. Working out which of them drove the match…',
    );
  }
  const drivers = regions
    .filter((r) => r.highlighted)
    .sort((a, b) => (b.contribution ?? 0) - (a.contribution ?? 0));
  return (
    <figcaption
      className="photo-attribution"
      data-testid="photo-attribution"
      data-status={status}
      data-full-score={explanation.fullScore}
    >
      {drivers.length === 0 ? (
        <span>
          No region clearly drove this match: leaving out any one of them barely moves it.
        </span>
      ) : (
        <span>
          Drove the match:{' '}
          {drivers.map((r, i) => (
            <span key={i} className="driver" data-testid="photo-driver">
              {labelOf(r.detection)} {signed(r.contribution ?? 0)}
            </span>
          ))}
        </span>
      )}
      <span className="muted">
        Removing a region lowers the model’s score ({explanation.fullScore.toFixed(3)}) by the
        number shown: each region was left out in turn and the photo scored again.
      </span>
    </figcaption>
  );
}

function OriginalProblem({
  read,
  folder,
  path,
}: {
  read: Exclude<OriginalRead, { status: 'opened' }>;
  folder: string;
  path: string;
}) {
  switch (read.status) {
    case 'denied':
      return (
        <>
          Permission to read “{folder}” was not given, so the original cannot be opened. Click Open
          original again to be asked again.
        </>
      );
    case 'missing':
      return (
        <>
          “{path}” is no longer in the folder “{folder}”: it was moved, renamed or deleted. Re-scan
          the folder to bring the library up to date.
        </>
      );
    case 'failed':
      return (
        <>
          Could not open the original ({read.name}): {read.message}
        </>
      );
  }
}

function OriginalAccess({
  path,
  details,
  original,
  onOpen,
}: {
  path: string;
  details: PhotoDetails;
  original: FolderOriginal;
  onOpen: (folder: FileSystemDirectoryHandle) => void;
}) {
  switch (original.status) {
    case 'looking':
      return null;
    case 'unreachable':
      return (
        <p className="muted" data-testid="photo-original-unavailable">
          The original file cannot be reached after a reload: it was dropped or selected as files,
          which the browser does not let this page keep (the large view shows the stored thumbnail).
          To open it, drop its folder here again, or add the folder with “Choose folder” so that it
          is remembered.
        </p>
      );
    case 'opened': {
      const changed =
        original.file.size !== details.size || original.file.lastModified !== details.lastModified;
      return (
        <>
          <a
            className="button"
            href={original.url}
            target="_blank"
            rel="noopener"
            data-testid="photo-open-original"
          >
            Open original in a new tab
          </a>
          {changed && (
            <p className="warning" data-testid="photo-original-changed">
              This file has changed since it was indexed: the boxes and scores describe the indexed
              version. Re-scan its folder to index it again.
            </p>
          )}
        </>
      );
    }
    case 'remembered':
    case 'opening':
    case 'read': {
      const { folder } = original;
      return (
        <>
          <button
            type="button"
            onClick={() => onOpen(folder)}
            disabled={original.status === 'opening'}
            data-testid="photo-open-from-folder"
          >
            Open original
          </button>{' '}
          <span className="muted">from the remembered folder “{folder.name}”</span>
          {original.status === 'read' && (
            <p className="error" role="alert" data-testid="photo-original-error">
              <OriginalProblem read={original.read} folder={folder.name} path={path} />
            </p>
          )}
        </>
      );
    }
  }
}

export function PhotoView({
  hit,
  query,
  labels,
  threshold,
  loadPhoto,
  explainMatch,
  onClose,
}: PhotoViewProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });
  const hasQuery = query.trim() !== '';
  const [attribution, setAttribution] = useState<Attribution>(
    hasQuery ? { status: 'working' } : { status: 'no-query' },
  );
  const [original, setOriginal] = useState<FolderOriginal>({ status: 'looking' });

  useEffect(() => {
    const element = dialog.current;
    if (element !== null && !element.open) element.showModal();
  }, []);

  useEffect(() => {
    let imageUrl: string | null = null;
    let live = true;
    void loadPhoto(hit.path).then(
      async (details) => {
        if (!live) return;
        if (details === null) {
          setLoaded({ status: 'missing' });
          return;
        }
        const image = details.original ?? details.thumbnail;
        imageUrl = image === null ? null : URL.createObjectURL(image);
        setLoaded({ status: 'ready', details, imageUrl });
        if (details.original !== null) return;
        const top = topFolderOf(hit.path);
        const folder = top === null ? undefined : await rememberedFolder(top);
        if (live) {
          setOriginal(
            folder === undefined ? { status: 'unreachable' } : { status: 'remembered', folder },
          );
        }
      },
      (error: unknown) => {
        if (live) setLoaded({ status: 'failed', error: errorInfo(error) });
      },
    );
    return () => {
      live = false;
      if (imageUrl !== null) URL.revokeObjectURL(imageUrl);
    };
  }, [hit.path, loadPhoto]);

  useEffect(() => {
    if (!hasQuery) return;
    let live = true;
    explainMatch(hit.path, query).then(
      (explanation) => {
        if (live) setAttribution({ status: 'done', explanation });
      },
      (error: unknown) => {
        if (live) setAttribution({ status: 'error', error: errorInfo(error) });
      },
    );
    return () => {
      live = false;
    };
  }, [hit.path, query, hasQuery, explainMatch]);

  // The object URL of an original read through its folder lives as long as the view.
  const openedUrl = original.status === 'opened' ? original.url : null;
  useEffect(
    () => () => {
      if (openedUrl !== null) URL.revokeObjectURL(openedUrl);
    },
    [openedUrl],
  );

  /** On the user's click: the permission prompt, if any, needs this gesture. */
  const openFromFolder = (folder: FileSystemDirectoryHandle) => {
    setOriginal({ status: 'opening', folder });
    void readOriginal(folder, hit.path).then((read) => {
      setOriginal(
        read.status === 'opened'
          ? { status: 'opened', file: read.file, url: URL.createObjectURL(read.file) }
          : { status: 'read', folder, read },
      );
    });
  };

  const details = loaded.status === 'ready' ? loaded.details : null;
  const explanation = attribution.status === 'done' ? attribution.explanation : null;
  const regions: readonly DrawnRegion[] =
    explanation?.status === 'explained'
      ? explanation.regions
      : (details?.detections ?? hit.detections).map((detection) => ({
          detection,
          contribution: null,
          highlighted: false,
        }));
  const labelOf = (d: Detection) => labels[d.classIndex] ?? `class ${d.classIndex}`;
  const imageUrl = openedUrl ?? (loaded.status === 'ready' ? loaded.imageUrl : null);

  return (
    <dialog
      ref={dialog}
      className="photo-view"
      data-testid="photo-view"
      aria-labelledby="photo-view-title"
      onClose={onClose}
    >
      <header className="photo-view-header">
        <h2 id="photo-view-title" title={hit.path}>
          {baseName(hit.path)}
        </h2>
        <button type="button" onClick={() => dialog.current?.close()} data-testid="photo-close">
          Close
        </button>
      </header>
      {loaded.status === 'missing' &&
        (explanation?.status === 'stale' ? (
          <p className="warning">
            This photo was indexed with another version of the model: index its folder again to open
            it here.
          </p>
        ) : (
          <p className="warning">This photo is no longer in the library.</p>
        ))}
      {loaded.status === 'failed' && (
        <p className="error" role="alert" data-testid="photo-load-error">
          Could not open this photo ({loaded.error.name}): {loaded.error.message}. The library is
          untouched; reload the page if this happens again.
        </p>
      )}
      {loaded.status === 'ready' && (
        <div className="photo-view-body">
          <figure className="photo-figure">
            {imageUrl !== null ? (
              <div className="photo-frame">
                <img src={imageUrl} alt={hit.path} data-testid="photo-image" />
                <svg viewBox="0 0 1 1" preserveAspectRatio="none" aria-hidden="true">
                  {regions.map(({ detection: d, highlighted }, i) => (
                    <rect
                      key={i}
                      className={highlighted ? 'region matched' : 'region'}
                      x={d.box[0]}
                      y={d.box[1]}
                      width={Math.max(0, d.box[2] - d.box[0])}
                      height={Math.max(0, d.box[3] - d.box[1])}
                      vectorEffect="non-scaling-stroke"
                    />
                  ))}
                </svg>
                {regions.map(({ detection: d, contribution, highlighted }, i) => (
                  <span
                    key={i}
                    className={highlighted ? 'region-label matched' : 'region-label'}
                    style={{ left: percent(d.box[0]), top: percent(d.box[1]) }}
                    title={
                      `detector confidence ${d.score.toFixed(2)}` +
                      (contribution === null
                        ? ''
                        : ` · removing it changes the score by ${signed(-contribution)}`)
                    }
                    data-testid="photo-region"
                    data-matched={highlighted}
                    data-contribution={contribution ?? undefined}
                  >
                    {labelOf(d)}
                    {highlighted && contribution !== null ? ` ${signed(contribution)}` : ''}
                  </span>
                ))}
              </div>
            ) : (
              <p className="muted">No image stored for this photo.</p>
            )}
            <AttributionNote attribution={attribution} regions={regions} labelOf={labelOf} />
          </figure>
          <dl className="photo-facts" data-testid="photo-facts">
            <dt>File</dt>
            <dd>
              <code>{hit.path}</code>
            </dd>
            <dt>Date</dt>
            <dd data-testid="photo-date">
              {formatDate(loaded.details.date, loaded.details.dateSource)}
            </dd>
            <dt>Size</dt>
            <dd data-testid="photo-size">
              {formatBytes(loaded.details.size)} · {loaded.details.width} × {loaded.details.height}{' '}
              px
            </dd>
            <dt>Score</dt>
            <dd>
              {hit.score.toFixed(3)} cross-probe
              {hit.score < threshold ? ' (weak match)' : ''} · {hit.globalScore.toFixed(3)}{' '}
              two-tower
            </dd>
          </dl>
          {loaded.details.original !== null && loaded.imageUrl !== null ? (
            <a
              className="button"
              href={loaded.imageUrl}
              target="_blank"
              rel="noopener"
              data-testid="photo-open-original"
            >
              Open original
            </a>
          ) : (
            <OriginalAccess
              path={hit.path}
              details={loaded.details}
              original={original}
              onOpen={openFromFolder}
            />
          )}
        </div>
      )}
    </dialog>
  );
}
