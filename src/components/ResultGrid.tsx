/**
 * The result grid, virtualized: sections (good matches, weak matches) of thumbnail cells in a
 * scrolling box, with only the rows near the viewport in the DOM (see virtualGrid.ts). Cell
 * size is fixed, so the layout is known without measuring cells; the box's width (observed)
 * sets the number of columns.
 */
import { useLayoutEffect, useMemo, useRef, useState, type ReactNode, type RefObject } from 'react';
import type { SearchHit } from '../engine/api.ts';
import { baseName, objectSummary } from './format.ts';
import { useThumbnails } from './useThumbnails.ts';
import { columnsFor, layoutGrid, visibleRows } from './virtualGrid.ts';

const MIN_CELL = 140;
const GAP = 12;
const ROW_HEIGHT = 212;
const HEADER_HEIGHT = 40;
/** Rows rendered above and below the viewport, in px: scrolling shows no blank rows. */
const OVERSCAN = 400;

export interface ResultSection {
  readonly key: string;
  readonly title: ReactNode;
  readonly hits: readonly SearchHit[];
  /** Shown dimmed: below the pack's no-match threshold. */
  readonly weak: boolean;
}

interface ResultGridProps {
  sections: readonly ResultSection[];
  labels: readonly string[];
  fetchThumbnails: (paths: readonly string[]) => Promise<(Blob | null)[]>;
  /** Changes when stored thumbnails may have changed (after indexing). */
  thumbnailGeneration: string;
  onOpen: (hit: SearchHit) => void;
}

function useBoxSize(box: RefObject<HTMLDivElement | null>) {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useLayoutEffect(() => {
    const element = box.current;
    if (element === null) return;
    const measure = () => setSize({ width: element.clientWidth, height: element.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [box]);
  return size;
}

export function ResultGrid({
  sections,
  labels,
  fetchThumbnails,
  thumbnailGeneration,
  onOpen,
}: ResultGridProps) {
  const box = useRef<HTMLDivElement>(null);
  const { width, height } = useBoxSize(box);
  const [scrollTop, setScrollTop] = useState(0);
  const columns = columnsFor(width, MIN_CELL, GAP);
  const layout = useMemo(
    () =>
      layoutGrid(
        sections.map((s) => ({ key: s.key, count: s.hits.length })),
        { columns, headerHeight: HEADER_HEIGHT, rowHeight: ROW_HEIGHT },
      ),
    [sections, columns],
  );
  const { first, last } = visibleRows(layout, scrollTop, height, OVERSCAN);
  const rows = layout.rows.slice(first, last);
  const visiblePaths = rows.flatMap((row) =>
    row.kind === 'cells'
      ? (sections[row.section]?.hits.slice(row.start, row.end).map((h) => h.path) ?? [])
      : [],
  );
  const thumbnails = useThumbnails(fetchThumbnails, visiblePaths, thumbnailGeneration);

  // New results (another query or order) start at the top; the scroll event updates scrollTop.
  useLayoutEffect(() => {
    box.current?.scrollTo(0, 0);
  }, [sections]);

  return (
    <div
      ref={box}
      className="result-grid"
      data-testid="search-results"
      data-rendered-rows={rows.length}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
    >
      <div className="result-grid-inner" style={{ height: layout.height }}>
        {rows.map((row) => {
          const section = sections[row.section];
          if (section === undefined) return null;
          if (row.kind === 'header') {
            return (
              <div
                key={`h-${section.key}`}
                className="result-section-title"
                data-testid={`search-section-${section.key}`}
                style={{ top: row.top, height: row.height }}
              >
                {section.title}
              </div>
            );
          }
          return (
            <ol
              key={`r-${section.key}-${row.start}`}
              className="result-row"
              start={row.start + 1}
              style={{
                top: row.top,
                height: row.height,
                gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
                gap: GAP,
              }}
            >
              {section.hits.slice(row.start, row.end).map((hit) => {
                const url = thumbnails.get(hit.path);
                return (
                  <li
                    key={hit.path}
                    className={section.weak ? 'result weak' : 'result'}
                    data-testid="search-result"
                    data-path={hit.path}
                    data-section={section.key}
                  >
                    <button
                      type="button"
                      className="result-open"
                      onClick={() => onOpen(hit)}
                      title={`Open ${hit.path}`}
                    >
                      {url ? (
                        <img src={url} alt={hit.path} loading="lazy" />
                      ) : (
                        <span className="no-thumbnail" aria-hidden="true" />
                      )}
                      <span className="result-name">{baseName(hit.path)}</span>
                      <span className="result-score" data-testid="search-result-score">
                        {hit.score.toFixed(3)}
                      </span>
                      <span className="result-objects muted" data-testid="search-result-objects">
                        {objectSummary(hit.detections, labels) || 'no objects found'}
                      </span>
                    </button>
                  </li>
                );
              })}
            </ol>
          );
        })}
      </div>
    </div>
  );
}
