import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTiffExif, readExif, swapsSides } from './exif.ts';
import { heifFile, tiffBlock } from './testing/heifFile.ts';

const FIXTURES = resolve(import.meta.dirname, '../e2e/fixtures');
const fixture = (path: string) => new Uint8Array(readFileSync(resolve(FIXTURES, path)));

describe('readExif', () => {
  it('reads orientation, camera, date taken and GPS from a JPEG APP1 segment', () => {
    const exif = readExif('jpeg', fixture('photos/rotated-exif.jpg'));
    expect(exif).toMatchObject({
      orientation: 6,
      make: 'Probe Camera Co.',
      model: 'PC-1',
      takenAt: '2023-07-14T09:30:05',
    });
    expect(exif.gps?.latitude).toBeCloseTo(48 + 51 / 60 + 29.52 / 3600, 6);
    expect(exif.gps?.longitude).toBeCloseTo(2 + 17 / 60 + 40.2 / 3600, 6);
    expect(swapsSides(exif.orientation)).toBe(true);
  });

  it('reads the Exif item of an AVIF and a HEIC, leaving their orientation to irot', () => {
    const avif = readExif('avif', fixture('photos/exif.avif'));
    // The item says orientation 6; AVIF turns by its irot property only, so it is left out.
    expect(avif).toEqual({
      make: 'Probe Camera Co.',
      model: 'PC-2',
      takenAt: '2024-02-29T18:45:00+11:00',
      gps: { latitude: expect.closeTo(-33.8567, 4), longitude: expect.closeTo(151.215, 4) },
    });
    const heic = heifFile({
      brand: 'heic',
      width: 4032,
      height: 3024,
      exif: tiffBlock(8, 'Probe Phone Co.'),
    });
    expect(readExif('heic', heic)).toEqual({ make: 'Probe Phone Co.' });
    expect(readExif('avif', fixture('photos/rocket.avif'))).toEqual({});
    expect(readExif('avif', heic.subarray(0, heic.length - 1))).toEqual({});
  });

  it('returns nothing for photos without EXIF and for other formats', () => {
    expect(readExif('jpeg', fixture('photos/cat.jpg'))).toEqual({});
    expect(readExif('png', fixture('photos/coffee.png'))).toEqual({});
    expect(readExif('gif', fixture('photos/animated.gif'))).toEqual({});
    expect(swapsSides(undefined)).toBe(false);
    expect(swapsSides(3)).toBe(false);
  });

  it('survives truncated and malformed EXIF blocks', () => {
    const full = fixture('photos/rotated-exif.jpg');
    // Cut inside the GPS values: the fields before still come through.
    for (let end = 4; end < 260; end += 7) {
      expect(() => readExif('jpeg', full.subarray(0, end))).not.toThrow();
    }
    expect(readExif('jpeg', full.subarray(0, 0x70))).toMatchObject({ orientation: 6 });
    expect(parseTiffExif(new Uint8Array([0x4d, 0x4d, 0, 42, 0xff, 0xff, 0xff, 0xff]))).toEqual({});
    expect(parseTiffExif(new TextEncoder().encode('nonsense'))).toEqual({});
  });

  it('reads little-endian blocks, southern and western positions, and a PNG eXIf chunk', () => {
    // A hand-made little-endian TIFF: IFD0 with orientation 3 and a GPS IFD (S, W).
    const bytes = new Uint8Array(128);
    const view = new DataView(bytes.buffer);
    bytes.set([0x49, 0x49, 42, 0], 0);
    view.setUint32(4, 8, true);
    view.setUint16(8, 2, true); // two entries
    const entry = (at: number, tag: number, type: number, count: number, value: number) => {
      view.setUint16(at, tag, true);
      view.setUint16(at + 2, type, true);
      view.setUint32(at + 4, count, true);
      view.setUint32(at + 8, value, true);
    };
    entry(10, 0x0112, 3, 1, 3);
    entry(22, 0x8825, 4, 1, 40);
    view.setUint16(40, 4, true); // GPS IFD: four entries
    entry(42, 1, 2, 2, 'S'.charCodeAt(0));
    entry(54, 2, 5, 3, 96);
    entry(66, 3, 2, 2, 'W'.charCodeAt(0));
    entry(78, 4, 5, 1, 120);
    [33, 1, 30, 1, 0, 1].forEach((v, i) => view.setUint32(96 + i * 4, v, true));
    view.setUint32(120, 70, true);
    view.setUint32(124, 1, true);
    expect(parseTiffExif(bytes)).toEqual({
      orientation: 3,
      gps: { latitude: -33.5, longitude: -70 },
    });
    // The same block in a PNG: signature, IHDR (13 bytes), eXIf.
    const png = new Uint8Array(8 + 25 + 12 + bytes.length);
    const pngView = new DataView(png.buffer);
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    pngView.setUint32(8, 13);
    png.set(new TextEncoder().encode('IHDR'), 12);
    pngView.setUint32(33, bytes.length);
    png.set(new TextEncoder().encode('eXIf'), 37);
    png.set(bytes, 41);
    expect(readExif('png', png)).toMatchObject({ orientation: 3 });
  });
});
