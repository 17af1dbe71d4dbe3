import { describe, expect, it } from 'vitest';
import { median, summarise, timeCell } from './stats.ts';

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it('summarises runs with their count and spread', () => {
    expect(summarise([3, 1, 2])).toEqual({ medianMs: 2, minMs: 1, maxMs: 3, runs: 3 });
  });
});

describe('timeCell', () => {
  /** A fake clock that each run advances by the given durations. */
  function fakeRuns(durations: readonly number[]) {
    let clock = 0;
    const calls: number[] = [];
    const run = async (i: number) => {
      calls.push(i);
      clock += durations[calls.length - 1] ?? 0;
    };
    return { run, calls, now: () => clock };
  }

  it('warms up once, then times `repeats` runs with distinct indices', async () => {
    const fake = fakeRuns([100, 10, 30, 20]);
    const timing = await timeCell(fake.run, { repeats: 3, maxCellMs: 1e9 }, fake.now);
    expect(fake.calls).toEqual([0, 0, 1, 2]);
    expect(timing).toEqual({ medianMs: 20, minMs: 10, maxMs: 30, runs: 3 });
  });

  it('stops adding runs once the budget is spent, but always times one', async () => {
    const fake = fakeRuns([500, 500, 500, 500]);
    const timing = await timeCell(fake.run, { repeats: 3, maxCellMs: 800 }, fake.now);
    expect(timing.runs).toBe(1);
    expect(fake.calls).toEqual([0, 0]);
  });

  it('skips the warm-up when told the path is warm', async () => {
    const fake = fakeRuns([7, 9]);
    const timing = await timeCell(fake.run, { repeats: 2, maxCellMs: 1e9, warm: true }, fake.now);
    expect(fake.calls).toEqual([0, 1]);
    expect(timing.medianMs).toBe(8);
  });
});
