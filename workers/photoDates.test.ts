import { describe, expect, it } from 'vitest';
import { photoDate } from './photoDates.ts';

describe('photoDate', () => {
  it('prefers the EXIF capture date, read as local time', () => {
    const taken = photoDate({ lastModified: 5, exif: { takenAt: '2023-07-14T09:30:05' } });
    expect(taken).toEqual({ date: new Date(2023, 6, 14, 9, 30, 5).getTime(), source: 'exif' });
  });

  it("falls back to the file's lastModified without or with an unreadable EXIF date", () => {
    expect(photoDate({ lastModified: 5, exif: {} })).toEqual({ date: 5, source: 'file' });
    expect(photoDate({ lastModified: 7, exif: { takenAt: '0000-00-00T00:00:00' } })).toEqual({
      date: 7,
      source: 'file',
    });
  });
});
