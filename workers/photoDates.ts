/**
 * When a photo was taken, for sorting results by date: its EXIF capture date where indexing
 * stored one, or else the file's lastModified.
 */
import type { DateSource } from '../src/engine/api.ts';
import type { PhotoMeta } from '../src/storage/library.ts';

export interface PhotoDate {
  /** Milliseconds since 1970. */
  readonly date: number;
  readonly source: DateSource;
}

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/** EXIF dates are stored as local times without a zone ("2023-07-14T09:30:05"), read as such. */
function localTime(text: string): number {
  const match = LOCAL_TIME.exec(text);
  if (match === null) return NaN;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1800 || month < 1 || month > 12 || day < 1 || day > 31) return NaN;
  return new Date(year, month - 1, day, hour, minute, second).getTime();
}

export function photoDate(meta: Pick<PhotoMeta, 'lastModified' | 'exif'>): PhotoDate {
  const taken = meta.exif.takenAt === undefined ? NaN : localTime(meta.exif.takenAt);
  return Number.isFinite(taken)
    ? { date: taken, source: 'exif' }
    : { date: meta.lastModified, source: 'file' };
}
