/**
 * Timing cells: repeated runs of one measurement, summarised by their median. A cell gets one
 * untimed warm-up run, then timed runs until it has `repeats` of them or has spent `maxCellMs`
 * (at least one timed run always), so a slow path (the plain-TS reference at K = 1,000) bounds
 * the benchmark's length instead of dominating it. The run count is reported with the median.
 */
import type { Timing } from './types.ts';

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? 0) + upper) / 2;
}

export function summarise(samples: readonly number[]): Timing {
  return {
    medianMs: median(samples),
    minMs: Math.min(...samples),
    maxMs: Math.max(...samples),
    runs: samples.length,
  };
}

export interface CellLimits {
  readonly repeats: number;
  readonly maxCellMs: number;
  /** Skip the warm-up run (when the same work has just run, e.g. one cell per K in a row). */
  readonly warm?: boolean;
}

/**
 * Times `run(i)` for i = 0, 1, … (i picks the query); `now` is a millisecond clock. The
 * warm-up's own time counts towards the cell's budget, so one very slow run ends the cell.
 */
export async function timeCell(
  run: (i: number) => Promise<unknown>,
  limits: CellLimits,
  now: () => number = () => performance.now(),
): Promise<Timing> {
  const started = now();
  if (limits.warm !== true) await run(0);
  const samples: number[] = [];
  for (let i = 0; i < Math.max(1, limits.repeats); i++) {
    if (samples.length > 0 && now() - started >= limits.maxCellMs) break;
    const t0 = now();
    await run(i);
    samples.push(now() - t0);
  }
  return summarise(samples);
}
