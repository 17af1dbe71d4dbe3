/**
 * A small EXIF reader: orientation, date taken, camera and GPS position, from a JPEG's APP1
 * segment, a PNG's eXIf chunk, a WebP's EXIF chunk or the Exif item of an AVIF or HEIC file
 * (workers/heif.ts). Only the tags the app uses are read;
 * anything malformed yields fewer fields, never an exception (a photo with broken metadata
 * still gets indexed). Plain TypeScript on bytes, no dependency.
 */
import { readHeif } from './heif.ts';
import type { PhotoFormat } from './imageFormat.ts';

export interface GpsPosition {
  /** Degrees, north positive. */
  readonly latitude: number;
  /** Degrees, east positive. */
  readonly longitude: number;
}

export interface PhotoExif {
  /** EXIF orientation 1–8 (1 = as stored). */
  readonly orientation?: number;
  /** Local time the photo was taken, "YYYY-MM-DDTHH:MM:SS" (with its UTC offset if known). */
  readonly takenAt?: string;
  readonly make?: string;
  readonly model?: string;
  readonly gps?: GpsPosition;
}

const TAG = {
  make: 0x010f,
  model: 0x0110,
  orientation: 0x0112,
  dateTime: 0x0132,
  exifIfd: 0x8769,
  gpsIfd: 0x8825,
  dateTimeOriginal: 0x9003,
  offsetTimeOriginal: 0x9011,
  gpsLatitudeRef: 1,
  gpsLatitude: 2,
  gpsLongitudeRef: 3,
  gpsLongitude: 4,
} as const;

const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 };

/** A TIFF structure (the body of an EXIF block) with its byte order. */
class Tiff {
  private readonly view: DataView;
  private readonly little: boolean;

  constructor(bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const order = this.view.getUint16(0);
    if (order !== 0x4949 && order !== 0x4d4d) throw new RangeError('not a TIFF header');
    this.little = order === 0x4949;
    if (this.u16(2) !== 42) throw new RangeError('not a TIFF header');
  }

  u16 = (at: number) => this.view.getUint16(at, this.little);
  u32 = (at: number) => this.view.getUint32(at, this.little);

  firstIfd(): number {
    return this.u32(4);
  }

  /** The entries of the IFD at `offset`: tag → offset of its value and its type and count. */
  entries(offset: number): Map<number, { type: number; count: number; at: number }> {
    const entries = new Map<number, { type: number; count: number; at: number }>();
    const count = this.u16(offset);
    for (let i = 0; i < count; i++) {
      const entry = offset + 2 + i * 12;
      const type = this.u16(entry + 2);
      const n = this.u32(entry + 4);
      const size = (TYPE_SIZES[type] ?? 0) * n;
      if (size === 0) continue;
      // Values of up to 4 bytes sit in the entry itself, longer ones at an offset.
      const at = size <= 4 ? entry + 8 : this.u32(entry + 8);
      if (at + size > this.view.byteLength) continue;
      entries.set(this.u16(entry), { type, count: n, at });
    }
    return entries;
  }

  text(entry: { type: number; count: number; at: number } | undefined): string | undefined {
    if (entry?.type !== 2) return undefined;
    const bytes = new Uint8Array(this.view.buffer, this.view.byteOffset + entry.at, entry.count);
    const end = bytes.indexOf(0);
    const text = new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end)).trim();
    return text === '' ? undefined : text;
  }

  short(entry: { type: number; at: number } | undefined): number | undefined {
    if (entry?.type === 3) return this.u16(entry.at);
    if (entry?.type === 4) return this.u32(entry.at);
    return undefined;
  }

  long(entry: { type: number; at: number } | undefined): number | undefined {
    return entry?.type === 4 ? this.u32(entry.at) : undefined;
  }

  /** Unsigned rationals (type 5), e.g. GPS degrees, minutes, seconds. */
  rationals(entry: { type: number; count: number; at: number } | undefined): number[] {
    if (entry?.type !== 5) return [];
    return Array.from({ length: entry.count }, (_, i) => {
      const denominator = this.u32(entry.at + i * 8 + 4);
      return denominator === 0 ? NaN : this.u32(entry.at + i * 8) / denominator;
    });
  }
}

/** "2023:07:14 09:30:05" → "2023-07-14T09:30:05" (+ offset); undefined if not a date. */
function isoDate(exifDate: string | undefined, offset: string | undefined): string | undefined {
  const match = exifDate?.match(/^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  if (y === '0000') return undefined;
  const zone = offset !== undefined && /^[+-]\d{2}:\d{2}$/.test(offset) ? offset : '';
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${zone}`;
}

function degrees(dms: number[], ref: string | undefined, negative: string): number | undefined {
  const [d, m = 0, s = 0] = dms;
  if (d === undefined || ![d, m, s].every(Number.isFinite)) return undefined;
  const value = d + m / 60 + s / 3600;
  return ref?.toUpperCase() === negative ? -value : value;
}

function gpsOf(tiff: Tiff, offset: number): GpsPosition | undefined {
  const gps = tiff.entries(offset);
  const latitude = degrees(
    tiff.rationals(gps.get(TAG.gpsLatitude)),
    tiff.text(gps.get(TAG.gpsLatitudeRef)),
    'S',
  );
  const longitude = degrees(
    tiff.rationals(gps.get(TAG.gpsLongitude)),
    tiff.text(gps.get(TAG.gpsLongitudeRef)),
    'W',
  );
  if (latitude === undefined || longitude === undefined) return undefined;
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return undefined;
  // 0,0 is what many cameras write when they had no fix.
  if (latitude === 0 && longitude === 0) return undefined;
  return { latitude, longitude };
}

/** The fields of one TIFF-structured EXIF block (starting at its byte-order mark). */
export function parseTiffExif(bytes: Uint8Array): PhotoExif {
  let tiff: Tiff;
  try {
    tiff = new Tiff(bytes);
  } catch {
    return {};
  }
  const exif: { -readonly [K in keyof PhotoExif]: PhotoExif[K] } = {};
  const guard = (read: () => void) => {
    try {
      read();
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
  };
  guard(() => {
    const ifd0 = tiff.entries(tiff.firstIfd());
    const orientation = tiff.short(ifd0.get(TAG.orientation));
    if (orientation !== undefined && orientation >= 1 && orientation <= 8) {
      exif.orientation = orientation;
    }
    const make = tiff.text(ifd0.get(TAG.make));
    if (make !== undefined) exif.make = make;
    const model = tiff.text(ifd0.get(TAG.model));
    if (model !== undefined) exif.model = model;
    const modified = isoDate(tiff.text(ifd0.get(TAG.dateTime)), undefined);
    if (modified !== undefined) exif.takenAt = modified;
    const exifIfd = tiff.long(ifd0.get(TAG.exifIfd));
    if (exifIfd !== undefined) {
      guard(() => {
        const sub = tiff.entries(exifIfd);
        const taken = isoDate(
          tiff.text(sub.get(TAG.dateTimeOriginal)),
          tiff.text(sub.get(TAG.offsetTimeOriginal)),
        );
        if (taken !== undefined) exif.takenAt = taken;
      });
    }
    const gpsIfd = tiff.long(ifd0.get(TAG.gpsIfd));
    if (gpsIfd !== undefined) {
      guard(() => {
        const gps = gpsOf(tiff, gpsIfd);
        if (gps !== undefined) exif.gps = gps;
      });
    }
  });
  return exif;
}

const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]; // "Exif\0\0"

function hasHeader(bytes: Uint8Array, at: number): boolean {
  return EXIF_HEADER.every((b, i) => bytes[at + i] === b);
}

/** The TIFF block of a JPEG's first EXIF APP1 segment. */
function jpegExif(bytes: Uint8Array): Uint8Array | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1] ?? 0;
    // Start of scan or end of image: no metadata segments after this.
    if (marker === 0xda || marker === 0xd9) return undefined;
    const length = view.getUint16(at + 2);
    if (marker === 0xe1 && hasHeader(bytes, at + 4)) {
      return bytes.subarray(at + 10, Math.min(bytes.length, at + 2 + length));
    }
    at += 2 + length;
  }
  return undefined;
}

/** PNG's eXIf chunk holds the TIFF block directly. */
function pngExif(bytes: Uint8Array): Uint8Array | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 8; at + 8 <= bytes.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === 'eXIf') return bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + length));
    if (type === 'IDAT' || type === 'IEND') return undefined;
    at += 12 + length;
  }
  return undefined;
}

/** WebP's EXIF chunk (sometimes with a leading "Exif\0\0"). */
function webpExif(bytes: Uint8Array): Uint8Array | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 12; at + 8 <= bytes.length;) {
    const type = String.fromCharCode(...bytes.subarray(at, at + 4));
    const length = view.getUint32(at + 4, true);
    if (type === 'EXIF') {
      const start = hasHeader(bytes, at + 8) ? at + 14 : at + 8;
      return bytes.subarray(start, Math.min(bytes.length, at + 8 + length));
    }
    at += 8 + length + (length % 2);
  }
  return undefined;
}

/**
 * The EXIF fields of a photo from the start of its bytes (64 KB holds them in practice), or
 * for AVIF and HEIC from the whole file: their Exif item may sit after the image data.
 */
export function readExif(format: PhotoFormat | 'heic', bytes: Uint8Array): PhotoExif {
  let block: Uint8Array | undefined;
  try {
    if (format === 'jpeg') block = jpegExif(bytes);
    else if (format === 'png') block = pngExif(bytes);
    else if (format === 'webp') block = webpExif(bytes);
    else if (format === 'avif' || format === 'heic') block = readHeif(bytes).exifTiff;
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
  }
  if (block === undefined) return {};
  const exif: { -readonly [K in keyof PhotoExif]: PhotoExif[K] } = parseTiffExif(block);
  // A HEIF image turns by its own irot/imir properties, which the decoder applies; its Exif
  // orientation is not applied (Chromium decodes an AVIF with Exif orientation 6 and no irot
  // unturned), so passing it on would turn the photo a second time.
  if (format === 'avif' || format === 'heic') delete exif.orientation;
  return exif;
}

/** Whether the orientation turns the photo by 90° (its width and height swap on display). */
export function swapsSides(orientation: number | undefined): boolean {
  return orientation !== undefined && orientation >= 5 && orientation <= 8;
}
