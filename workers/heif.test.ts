import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTiffExif } from './exif.ts';
import { readHeif } from './heif.ts';
import { box, heifFile, tiffBlock, uint, type HeifLayout } from './testing/heifFile.ts';

const FIXTURES = resolve(import.meta.dirname, '../e2e/fixtures');
const fixture = (path: string) => new Uint8Array(readFileSync(resolve(FIXTURES, path)));
const EXIF_HEADER = new TextEncoder().encode('Exif\0\0');
const TIFF = tiffBlock(6, 'Probe Phone Co.');

const base: HeifLayout = {
  brand: 'heic',
  width: 4032,
  height: 3024,
  irot: 3,
  exif: TIFF,
  exifPrefix: EXIF_HEADER,
};

describe('readHeif', () => {
  it('reads the Exif item, size and rotation of an AVIF written by avifenc', () => {
    // iloc version 0, 4-byte offsets and lengths; Exif after "Exif\0\0" (offset field 6).
    const avif = readHeif(fixture('photos/exif.avif'));
    expect(avif).toMatchObject({ width: 96, height: 64, quarterTurns: 0 });
    expect(parseTiffExif(avif.exifTiff ?? new Uint8Array())).toMatchObject({
      orientation: 6,
      make: 'Probe Camera Co.',
      model: 'PC-2',
    });
    expect(readHeif(fixture('photos/rotated-irot.avif'))).toEqual({
      width: 96,
      height: 64,
      quarterTurns: 1,
    });
  });

  it.each<[string, HeifLayout['iloc'], number?]>([
    ['version 0', { version: 0, offsetSize: 4, lengthSize: 4, baseOffsetSize: 0 }],
    [
      'version 0, base offset only',
      { version: 0, offsetSize: 0, lengthSize: 4, baseOffsetSize: 4 },
    ],
    ['version 1, 8-byte fields', { version: 1, offsetSize: 8, lengthSize: 8, baseOffsetSize: 8 }],
    [
      'version 1, index_size 4, three extents',
      { version: 1, offsetSize: 4, lengthSize: 4, baseOffsetSize: 4, indexSize: 4 },
      3,
    ],
    [
      'version 2 (32-bit item ids), index_size 8, two extents',
      { version: 2, offsetSize: 8, lengthSize: 4, baseOffsetSize: 0, indexSize: 8 },
      2,
    ],
  ])('finds the Exif item through an iloc of %s', (_, iloc, extents) => {
    const heif = readHeif(heifFile({ ...base, iloc, ...(extents ? { extents } : {}) }));
    expect(heif).toMatchObject({ width: 4032, height: 3024, quarterTurns: 3 });
    expect(heif.exifTiff).toEqual(TIFF);
  });

  it('reads an Exif item without a prefix and an mdat with a 64-bit size', () => {
    const heif = readHeif(heifFile({ ...base, exifPrefix: undefined, largeMdat: true }));
    expect(heif.exifTiff).toEqual(TIFF);
  });

  it('leaves out an Exif item stored elsewhere than in the file (construction method 1)', () => {
    const iloc = { version: 1, offsetSize: 4, lengthSize: 4, baseOffsetSize: 0 };
    const heif = readHeif(heifFile({ ...base, iloc: { ...iloc, constructionMethod: 1 } }));
    expect(heif).toEqual({ width: 4032, height: 3024, quarterTurns: 3 });
  });

  it('never throws on cut-off or malformed files, and still reads what is intact', () => {
    const file = heifFile(base);
    // Cut anywhere: no exception; the Exif item, last in the file, needs the whole file.
    for (let end = 0; end < file.length; end++) {
      const cut = readHeif(file.subarray(0, end));
      expect(cut.exifTiff).toBeUndefined();
    }
    const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset);
    const at = (bytes: Uint8Array, type: string) =>
      Buffer.from(bytes).indexOf(Buffer.from(type)) - 4;

    // A box size past the end of its parent: that box (the last in meta) is not read.
    const pastEnd = heifFile(base);
    view(pastEnd).setUint32(at(pastEnd, 'iprp'), 0x7fffffff);
    expect(readHeif(pastEnd)).toEqual({ quarterTurns: 0, exifTiff: TIFF });

    // A box claiming fewer bytes than its own header, and a zero-size box ("to the end").
    for (const size of [0, 1, 4, 7]) {
      const odd = heifFile(base);
      view(odd).setUint32(at(odd, 'pitm'), size);
      expect(() => readHeif(odd)).not.toThrow();
    }

    // A 64-bit size of 0 or 8 (less than its 16-byte header) would never move on: not read.
    for (const size of [0, 8]) {
      const stuck = heifFile({ ...base, largeMdat: true });
      view(stuck).setUint32(at(stuck, 'mdat') + 12, size);
      expect(readHeif(stuck)).toMatchObject({ width: 4032 });
    }

    // An iloc item count far beyond what the box holds, an extent past the end of the file.
    const manyItems = heifFile(base);
    view(manyItems).setUint16(at(manyItems, 'iloc') + 14, 0xffff);
    expect(readHeif(manyItems).exifTiff).toBeUndefined();
    const farExtent = heifFile(base);
    // iloc v0: 16 bytes of header, 14 per item; the Exif item's extent offset is 6 into it.
    const exifOffset = at(farExtent, 'iloc') + 16 + 14 + 6;
    view(farExtent).setUint32(exifOffset, farExtent.length - 4);
    expect(readHeif(farExtent).exifTiff).toBeUndefined();

    // An Exif item whose TIFF-header offset points past its end.
    const badOffset = heifFile(base);
    view(badOffset).setUint32(badOffset.length - TIFF.length - EXIF_HEADER.length - 4, 1e6);
    expect(readHeif(badOffset).exifTiff).toBeUndefined();

    // An ipma naming a property that ipco does not have (instead of ispe, the first).
    const noProperty = heifFile(base);
    noProperty[at(noProperty, 'ipma') + 19] = 0x80 + 9;
    expect(readHeif(noProperty)).toEqual({ quarterTurns: 3, exifTiff: TIFF });

    // No meta box at all, or not a HEIF file.
    expect(readHeif(box('ftyp', new TextEncoder().encode('avif')))).toEqual({ quarterTurns: 0 });
    expect(readHeif(uint(0xffd8ffe0, 4))).toEqual({ quarterTurns: 0 });
  });
});
