import { describe, expect, it } from 'vitest';
import type { IndexProgress } from '../engine/api.ts';
import { formatDuration, formatRate, progressFigures } from './progressFigures.ts';

const progress = (done: number, total: number, activeSeconds: number): IndexProgress => ({
  done,
  total,
  current: null,
  indexed: done,
  reused: 0,
  failed: 0,
  librarySize: done,
  activeSeconds,
  paused: false,
});

describe('progressFigures', () => {
  it('extrapolates the rate of the working time to the files left', () => {
    expect(progressFigures(progress(20, 100, 10))).toEqual({
      perSecond: 2,
      secondsLeft: 40,
      fraction: 0.2,
    });
  });

  it('gives no rate or time left before there is work to extrapolate from', () => {
    expect(progressFigures(progress(0, 100, 3))).toMatchObject({ perSecond: null });
    expect(progressFigures(progress(3, 100, 0.1))).toMatchObject({ secondsLeft: null });
    expect(progressFigures(progress(0, 0, 0)).fraction).toBe(1);
  });
});

describe('formatting', () => {
  it('rounds durations and rates as a person would say them', () => {
    expect(formatDuration(0.2)).toBe('1 s');
    expect(formatDuration(44.6)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min');
    expect(formatDuration(3600)).toBe('1 h');
    expect(formatDuration(4800)).toBe('1 h 20 min');
    expect(formatRate(3.14)).toBe('3.1');
    expect(formatRate(42.4)).toBe('42');
  });
});
