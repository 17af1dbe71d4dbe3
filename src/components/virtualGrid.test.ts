import { describe, expect, it } from 'vitest';
import { columnsFor, layoutGrid, visibleRows } from './virtualGrid.ts';

const metrics = { columns: 4, headerHeight: 30, rowHeight: 100 };

describe('columnsFor', () => {
  it('fits cells and gaps, never fewer than one column', () => {
    expect(columnsFor(620, 140, 12)).toBe(4);
    expect(columnsFor(595, 140, 12)).toBe(3);
    expect(columnsFor(50, 140, 12)).toBe(1);
  });
});

describe('layoutGrid', () => {
  it('stacks each section as a header and rows of at most `columns` cells', () => {
    const layout = layoutGrid(
      [
        { key: 'good', count: 6 },
        { key: 'weak', count: 0 },
        { key: 'more', count: 4 },
      ],
      metrics,
    );
    expect(layout.rows).toEqual([
      { kind: 'header', section: 0, top: 0, height: 30 },
      { kind: 'cells', section: 0, start: 0, end: 4, top: 30, height: 100 },
      { kind: 'cells', section: 0, start: 4, end: 6, top: 130, height: 100 },
      { kind: 'header', section: 1, top: 230, height: 30 },
      { kind: 'header', section: 2, top: 260, height: 30 },
      { kind: 'cells', section: 2, start: 0, end: 4, top: 290, height: 100 },
    ]);
    expect(layout.height).toBe(390);
  });
});

describe('visibleRows', () => {
  it('keeps a handful of rows of a 10,000-cell grid, wherever it is scrolled', () => {
    const layout = layoutGrid([{ key: 'all', count: 10_000 }], metrics);
    expect(layout.rows).toHaveLength(2501);
    expect(visibleRows(layout, 0, 500, 200)).toEqual({ first: 0, last: 8 });
    const middle = visibleRows(layout, 125_000, 500, 200);
    expect(middle.last - middle.first).toBeLessThanOrEqual(10);
    expect(layout.rows[middle.first]?.top).toBeLessThanOrEqual(125_000 - 200);
    const end = visibleRows(layout, layout.height - 500, 500, 200);
    expect(end.last).toBe(layout.rows.length);
  });

  it('returns nothing for an empty layout', () => {
    expect(visibleRows(layoutGrid([], metrics), 0, 500, 100)).toEqual({ first: 0, last: 0 });
  });
});
