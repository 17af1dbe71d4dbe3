/**
 * One result, large: the photo with its detected regions drawn, the regions that drove the
 * match highlighted, its file name, date and size, and a way to open the original.
 *
 * Attribution is deliberately simple and says so: a region is highlighted when the query names
 * its object kind (by name, plural, synonym, or the training word a query word is read as).
 * The cross-probe score itself mixes all regions through the vision probes; per-region
 * attention is not shown.
 */
import { useEffect, useRef, useState } from 'react';
import type { PhotoDetails, SearchHit } from '../engine/api.ts';
import type { Engine } from '../engine/useEngine.ts';
import { baseName, formatBytes } from './format.ts';

interface PhotoViewProps {
  hit: SearchHit;
  /** Detector classes the query names. */
  queryClasses: readonly number[];
  labels: readonly string[];
  threshold: number;
  loadPhoto: Engine['photo'];
  onClose: () => void;
}

type Loaded =
  | { readonly status: 'loading' }
  | { readonly status: 'missing' }
  | { readonly status: 'ready'; readonly details: PhotoDetails; readonly imageUrl: string | null };

function formatDate(date: number | null, source: PhotoDetails['dateSource']): string {
  if (date === null) return 'unknown';
  const text = new Date(date).toLocaleString();
  return source === 'exif' ? `${text} (taken)` : `${text} (file modified)`;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(2)}%`;
}

export function PhotoView({
  hit,
  queryClasses,
  labels,
  threshold,
  loadPhoto,
  onClose,
}: PhotoViewProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });

  useEffect(() => {
    const element = dialog.current;
    if (element !== null && !element.open) element.showModal();
  }, []);

  useEffect(() => {
    let imageUrl: string | null = null;
    let live = true;
    void loadPhoto(hit.path).then((details) => {
      if (!live) return;
      if (details === null) {
        setLoaded({ status: 'missing' });
        return;
      }
      const image = details.original ?? details.thumbnail;
      imageUrl = image === null ? null : URL.createObjectURL(image);
      setLoaded({ status: 'ready', details, imageUrl });
    });
    return () => {
      live = false;
      if (imageUrl !== null) URL.revokeObjectURL(imageUrl);
    };
  }, [hit.path, loadPhoto]);

  const matched = new Set(queryClasses);
  const details = loaded.status === 'ready' ? loaded.details : null;
  const detections = details?.detections ?? hit.detections;

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
      {loaded.status === 'missing' && (
        <p className="warning">This photo is no longer in the library.</p>
      )}
      {loaded.status === 'ready' && (
        <div className="photo-view-body">
          <figure className="photo-figure">
            {loaded.imageUrl !== null ? (
              <div className="photo-frame">
                <img src={loaded.imageUrl} alt={hit.path} data-testid="photo-image" />
                <svg viewBox="0 0 1 1" preserveAspectRatio="none" aria-hidden="true">
                  {detections.map((d, i) => (
                    <rect
                      key={i}
                      className={matched.has(d.classIndex) ? 'region matched' : 'region'}
                      x={d.box[0]}
                      y={d.box[1]}
                      width={Math.max(0, d.box[2] - d.box[0])}
                      height={Math.max(0, d.box[3] - d.box[1])}
                      vectorEffect="non-scaling-stroke"
                    />
                  ))}
                </svg>
                {detections.map((d, i) => (
                  <span
                    key={i}
                    className={matched.has(d.classIndex) ? 'region-label matched' : 'region-label'}
                    style={{ left: percent(d.box[0]), top: percent(d.box[1]) }}
                    data-testid="photo-region"
                    data-matched={matched.has(d.classIndex)}
                  >
                    {labels[d.classIndex] ?? `class ${d.classIndex}`} {d.score.toFixed(2)}
                  </span>
                ))}
              </div>
            ) : (
              <p className="muted">No image stored for this photo.</p>
            )}
            <figcaption className="muted">
              {detections.length === 0
                ? 'The detector found no objects in this photo.'
                : matched.size === 0 || !detections.some((d) => matched.has(d.classIndex))
                  ? 'Boxes: objects the detector found. None is of a kind your query names.'
                  : 'Boxes: objects the detector found. Highlighted: the kinds your query names (by word, plural or synonym), which drove this match.'}
            </figcaption>
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
            <p className="muted" data-testid="photo-original-unavailable">
              The original file is not available in this session (the large view shows the stored
              thumbnail). Choose its folder again to open it.
            </p>
          )}
        </div>
      )}
    </dialog>
  );
}
