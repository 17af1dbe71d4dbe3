import { describe, expect, it } from 'vitest';
import { baseName, formatBytes, objectSummary } from './format.ts';

describe('format', () => {
  it('summarises detections by label, most frequent first', () => {
    const labels = ['person', 'bicycle', 'car'];
    const detections = [2, 0, 2, 2, 0, 1].map((classIndex) => ({ classIndex }));
    expect(objectSummary(detections, labels)).toBe('car ×3, person ×2, bicycle');
    expect(objectSummary([], labels)).toBe('');
  });

  it('formats sizes and file names', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(4_930_000)).toBe('4.7 MB');
    expect(baseName('trip/day 1/cat.jpg')).toBe('cat.jpg');
    expect(baseName('cat.jpg')).toBe('cat.jpg');
  });
});
