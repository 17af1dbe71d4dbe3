import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pixelSize, sniff, SNIFF_BYTES, type PhotoFormat } from './imageFormat.ts';
import { heifFile } from './testing/heifFile.ts';

const FIXTURES = resolve(import.meta.dirname, '../e2e/fixtures');
const fixture = (path: string) => new Uint8Array(readFileSync(resolve(FIXTURES, path)));
const head = (bytes: Uint8Array) => bytes.subarray(0, SNIFF_BYTES);

describe('sniff', () => {
  it.each<[string, PhotoFormat]>([
    ['photos/cat.jpg', 'jpeg'],
    ['photos/coffee.png', 'png'],
    ['photos/astronaut.webp', 'webp'],
    ['photos/rocket.bmp', 'bmp'],
    ['photos/rocket.avif', 'avif'],
    ['photos/exif.avif', 'avif'],
    ['photos/animated.gif', 'gif'],
    ['photos/cmyk.jpg', 'jpeg'],
    ['photos/really-a-png.jpg', 'png'],
  ])('knows %s as %s from its bytes', (path, format) => {
    expect(sniff(head(fixture(path)))).toEqual({ kind: 'photo', format });
  });

  it('tells an empty file, text behind an image name and HEIC apart', () => {
    expect(sniff(fixture('bad/empty.jpg'))).toEqual({ kind: 'empty' });
    expect(sniff(head(fixture('bad/text-named.jpg')))).toEqual({
      kind: 'not-image',
      looksLike: 'text',
    });
    expect(sniff(head(fixture('bad/phone.heic')))).toEqual({ kind: 'unsupported', format: 'heic' });
  });

  it('recognises other formats and binary data', () => {
    const bytes = (...values: number[]) => new Uint8Array(values);
    const text = (s: string) => new TextEncoder().encode(s);
    expect(sniff(bytes(0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0))).toEqual({
      kind: 'unsupported',
      format: 'tiff',
    });
    expect(sniff(text('<?xml version="1.0"?>\n<svg xmlns="…">'))).toEqual({
      kind: 'unsupported',
      format: 'svg',
    });
    expect(sniff(text('%PDF-1.7\n'))).toMatchObject({ looksLike: 'a PDF document' });
    expect(sniff(bytes(0, 0, 0, 0x18, ...text('ftypmp42')))).toMatchObject({
      looksLike: 'a video',
    });
    expect(sniff(bytes(0x00, 0x01, 0x02, 0xfe))).toMatchObject({ looksLike: 'unknown data' });
    // "BM" alone is text, not a bitmap.
    expect(sniff(text('BMW service notes'))).toMatchObject({ kind: 'not-image' });
  });
});

describe('pixelSize', () => {
  it.each<[string, PhotoFormat, number, number]>([
    ['photos/cat.jpg', 'jpeg', 96, 64],
    ['photos/coffee.png', 'png', 96, 64],
    ['photos/astronaut.webp', 'webp', 80, 80],
    ['photos/rocket.bmp', 'bmp', 48, 32],
    ['photos/rocket.avif', 'avif', 96, 64],
    ['photos/animated.gif', 'gif', 80, 53],
    ['photos/rotated-exif.jpg', 'jpeg', 120, 80],
    ['photos/exif.avif', 'avif', 96, 64],
    // Stored 96×64 with irot 1 (a quarter turn): decoders show it 64×96.
    ['photos/rotated-irot.avif', 'avif', 64, 96],
  ])('reads %s as %s %i×%i from its header', (path, format, width, height) => {
    expect(pixelSize(format, fixture(path))).toEqual({ width, height });
  });

  it("reads a HEIC's primary image size, turned by its irot property", () => {
    const heic = (irot?: number) =>
      heifFile({ brand: 'heic', width: 4032, height: 3024, ...(irot ? { irot } : {}) });
    expect(pixelSize('heic', heic())).toEqual({ width: 4032, height: 3024 });
    expect(pixelSize('heic', heic(2))).toEqual({ width: 4032, height: 3024 });
    expect(pixelSize('heic', heic(3))).toEqual({ width: 3024, height: 4032 });
    expect(pixelSize('heic', fixture('bad/phone.heic'))).toBeUndefined();
  });

  it('gives up on a cut-short header instead of throwing', () => {
    expect(pixelSize('png', fixture('photos/coffee.png').subarray(0, 12))).toBeUndefined();
    expect(pixelSize('jpeg', fixture('photos/cat.jpg').subarray(0, 30))).toBeUndefined();
  });
});
