/**
 * Layout of a virtualized grid: sections, each a header row and rows of equal-sized cells.
 * Only the rows that meet the viewport (plus some overscan) are rendered, so a result list of
 * 10,000 photos keeps a few dozen cells in the DOM. Pure functions, tested on their own.
 */

export interface SectionSize {
  readonly key: string;
  readonly count: number;
}

export type GridRow =
  | {
      readonly kind: 'header';
      readonly section: number;
      readonly top: number;
      readonly height: number;
    }
  | {
      readonly kind: 'cells';
      readonly section: number;
      /** Cell indices [start, end) within the section. */
      readonly start: number;
      readonly end: number;
      readonly top: number;
      readonly height: number;
    };

export interface GridLayout {
  readonly rows: readonly GridRow[];
  readonly height: number;
}

export interface GridMetrics {
  readonly columns: number;
  readonly headerHeight: number;
  readonly rowHeight: number;
}

/** How many cells of at least `minCell` px (with `gap` between) fit in `width`; at least 1. */
export function columnsFor(width: number, minCell: number, gap: number): number {
  return Math.max(1, Math.floor((width + gap) / (minCell + gap)));
}

/** Rows of all sections, top to bottom; a section with no cells has its header only. */
export function layoutGrid(sections: readonly SectionSize[], metrics: GridMetrics): GridLayout {
  const { columns, headerHeight, rowHeight } = metrics;
  const rows: GridRow[] = [];
  let top = 0;
  sections.forEach((section, index) => {
    rows.push({ kind: 'header', section: index, top, height: headerHeight });
    top += headerHeight;
    for (let start = 0; start < section.count; start += columns) {
      const end = Math.min(section.count, start + columns);
      rows.push({ kind: 'cells', section: index, start, end, top, height: rowHeight });
      top += rowHeight;
    }
  });
  return { rows, height: top };
}

/** The first row whose bottom is below `y` (binary search; rows are sorted by top). */
function firstRowBelow(rows: readonly GridRow[], y: number): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const row = rows[mid];
    if (row !== undefined && row.top + row.height <= y) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The rows [first, last) meeting the viewport, widened by `overscan` px on both sides. */
export function visibleRows(
  layout: GridLayout,
  scrollTop: number,
  viewportHeight: number,
  overscan: number,
): { first: number; last: number } {
  const first = firstRowBelow(layout.rows, Math.max(0, scrollTop - overscan));
  const bottom = scrollTop + viewportHeight + overscan;
  let last = first;
  while (last < layout.rows.length && (layout.rows[last]?.top ?? Infinity) < bottom) last += 1;
  return { first, last };
}
