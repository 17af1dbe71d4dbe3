import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FULL_OPTIONS, QUICK_OPTIONS, SAMPLE_PHOTOS } from './presets.ts';

describe('benchmark presets', () => {
  it('lists exactly the bundled sample photos', () => {
    const folder = resolve(import.meta.dirname, '../../public/samples');
    const photos = readdirSync(folder).filter((name) => /\.(png|jpe?g)$/i.test(name));
    expect([...SAMPLE_PHOTOS].sort()).toEqual(photos.sort());
  });

  it('measures the issue’s library sizes and shortlists in the full run', () => {
    expect(FULL_OPTIONS.librarySizes).toEqual([1000, 10_000, 100_000]);
    expect(FULL_OPTIONS.shortlists).toEqual([100, 1000, 'default']);
    expect(QUICK_OPTIONS.librarySizes.every((n) => n <= 1000)).toBe(true);
  });
});
