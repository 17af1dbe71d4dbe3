/**
 * What a file really is, from its first bytes (magic numbers), never from its name: a text file
 * called .jpg is not an image, a PNG called .jpg is a PNG. Also the pixel size from the header,
 * read before decoding so that a huge image is decoded scaled down (or refused), not whole.
 * Plain TypeScript on bytes: runs in the worker and in unit tests alike.
 */
import { readHeif } from './heif.ts';

/** Formats the browser decodes for us (createImageBitmap in Chromium, Firefox and Safari). */
export type PhotoFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'bmp' | 'avif';

/** Image formats we recognise but cannot index in this browser. */
export type UnsupportedFormat = 'heic' | 'tiff' | 'svg' | 'ico' | 'psd' | 'jxl';

export type Sniffed =
  | { readonly kind: 'photo'; readonly format: PhotoFormat }
  | { readonly kind: 'unsupported'; readonly format: UnsupportedFormat }
  | { readonly kind: 'empty' }
  | { readonly kind: 'not-image'; readonly looksLike: string };

/** Bytes `sniff` needs from the start of a file. */
export const SNIFF_BYTES = 64;

const ascii = (bytes: Uint8Array, start: number, length: number) =>
  String.fromCharCode(...bytes.subarray(start, start + length));

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0): boolean {
  return signature.every((b, i) => bytes[at + i] === b);
}

/** ISO-BMFF (HEIF family) major and compatible brands from the leading ftyp box. */
function ftypBrands(bytes: Uint8Array): string[] {
  if (ascii(bytes, 4, 4) !== 'ftyp') return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxSize = bytes.length >= 4 ? view.getUint32(0) : 0;
  const end = Math.min(boxSize, bytes.length);
  const brands = [ascii(bytes, 8, 4)];
  for (let at = 16; at + 4 <= end; at += 4) brands.push(ascii(bytes, at, 4));
  return brands;
}

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);

/** Text (UTF-8 or ASCII with common control characters) rather than binary data. */
function looksLikeText(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b === 0) return false;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) return false;
  }
  return true;
}

function notImage(bytes: Uint8Array): Sniffed {
  const head = ascii(bytes, 0, 8);
  if (head.startsWith('%PDF')) return { kind: 'not-image', looksLike: 'a PDF document' };
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) {
    return { kind: 'not-image', looksLike: 'a ZIP archive or office document' };
  }
  const brands = ftypBrands(bytes);
  if (brands.some((b) => ['isom', 'mp41', 'mp42', 'qt  ', 'M4V ', 'avc1'].includes(b))) {
    return { kind: 'not-image', looksLike: 'a video' };
  }
  if (looksLikeText(bytes)) return { kind: 'not-image', looksLike: 'text' };
  return { kind: 'not-image', looksLike: 'unknown data' };
}

/** The file's real format from its first SNIFF_BYTES bytes (fewer if the file is shorter). */
export function sniff(bytes: Uint8Array): Sniffed {
  if (bytes.length === 0) return { kind: 'empty' };
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { kind: 'photo', format: 'jpeg' };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return { kind: 'photo', format: 'png' };
  }
  const head = ascii(bytes, 0, 6);
  if (head === 'GIF87a' || head === 'GIF89a') return { kind: 'photo', format: 'gif' };
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') {
    return { kind: 'photo', format: 'webp' };
  }
  // "BM" followed by a plausible header size (12, 40, 52, 56, 64, 108 or 124 bytes).
  if (head.startsWith('BM') && [12, 40, 52, 56, 64, 108, 124].includes(bytes[14] ?? 0)) {
    return { kind: 'photo', format: 'bmp' };
  }
  const brands = ftypBrands(bytes);
  if (brands.includes('avif') || brands.includes('avis')) return { kind: 'photo', format: 'avif' };
  if (brands.some((b) => HEIC_BRANDS.has(b)) || brands[0] === 'mif1' || brands[0] === 'msf1') {
    return { kind: 'unsupported', format: 'heic' };
  }
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) {
    return { kind: 'unsupported', format: 'tiff' };
  }
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) return { kind: 'unsupported', format: 'ico' };
  if (head.startsWith('8BPS')) return { kind: 'unsupported', format: 'psd' };
  if (startsWith(bytes, [0xff, 0x0a]) || ascii(bytes, 4, 8) === 'JXL \r\n\x87\n') {
    return { kind: 'unsupported', format: 'jxl' };
  }
  const text = new TextDecoder().decode(bytes).trimStart().toLowerCase();
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) {
    return { kind: 'unsupported', format: 'svg' };
  }
  return notImage(bytes);
}

export interface PixelSize {
  readonly width: number;
  readonly height: number;
}

function jpegSize(view: DataView): PixelSize | undefined {
  let at = 2;
  while (at + 9 < view.byteLength) {
    if (view.getUint8(at) !== 0xff) return undefined;
    const marker = view.getUint8(at + 1);
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    // Start-of-frame markers C0–CF, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: view.getUint16(at + 5), width: view.getUint16(at + 7) };
    }
    at += 2 + view.getUint16(at + 2);
  }
  return undefined;
}

function webpSize(bytes: Uint8Array, view: DataView): PixelSize | undefined {
  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8X' && view.byteLength >= 30) {
    const read24 = (at: number) =>
      view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getUint8(at + 2) << 16);
    return { width: read24(24) + 1, height: read24(27) + 1 };
  }
  if (chunk === 'VP8 ' && view.byteLength >= 30) {
    return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  }
  if (chunk === 'VP8L' && view.byteLength >= 25) {
    const bits = view.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  return undefined;
}

/**
 * AVIF and HEIC: the primary image's 'ispe' size, turned by its 'irot' property (decoders
 * always apply it, unlike EXIF orientation, which these formats leave to irot).
 */
function heifSize(bytes: Uint8Array): PixelSize | undefined {
  const { width, height, quarterTurns } = readHeif(bytes);
  if (width === undefined || height === undefined) return undefined;
  return quarterTurns % 2 === 1 ? { width: height, height: width } : { width, height };
}

/**
 * The stored pixel size (before EXIF orientation) from the header, or undefined when the
 * header is cut short or malformed (the decoder then has the last word). `bytes` is the start
 * of the file; 64 KB covers every header here but a JPEG with very large metadata, and HEIF
 * files whose meta box comes after the image data.
 */
export function pixelSize(format: PhotoFormat | 'heic', bytes: Uint8Array): PixelSize | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    switch (format) {
      case 'jpeg':
        return jpegSize(view);
      case 'png':
        return { width: view.getUint32(16), height: view.getUint32(20) };
      case 'gif':
        return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
      case 'bmp': {
        if (view.getUint32(14, true) === 12) {
          return { width: view.getUint16(18, true), height: view.getUint16(20, true) };
        }
        // Height is negative for top-down bitmaps.
        return {
          width: Math.abs(view.getInt32(18, true)),
          height: Math.abs(view.getInt32(22, true)),
        };
      }
      case 'webp':
        return webpSize(bytes, view);
      case 'avif':
      case 'heic':
        return heifSize(bytes);
    }
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}
