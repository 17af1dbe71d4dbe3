/** The figures an indexing progress line shows: rate, time left, share done. */
import type { IndexProgress } from '../engine/api.ts';

export interface ProgressFigures {
  /** Files handled per second of working time; null until there is a basis for it. */
  readonly perSecond: number | null;
  /** Seconds left at that rate; null when unknown. */
  readonly secondsLeft: number | null;
  /** 0–1. */
  readonly fraction: number;
}

/** Less than this much work is too little to extrapolate from. */
const MIN_SECONDS = 0.5;

export function progressFigures(progress: IndexProgress): ProgressFigures {
  const { done, total, activeSeconds } = progress;
  const fraction = total === 0 ? 1 : Math.min(1, done / total);
  if (done === 0 || activeSeconds < MIN_SECONDS) {
    return { perSecond: null, secondsLeft: null, fraction };
  }
  const perSecond = done / activeSeconds;
  return { perSecond, secondsLeft: (total - done) / perSecond, fraction };
}

/** "45 s", "3 min", "1 h 20 min": rounded as a person would say it. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

export function formatRate(perSecond: number): string {
  return perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}
