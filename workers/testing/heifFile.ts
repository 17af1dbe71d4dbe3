/**
 * Test support: HEIF files (AVIF, HEIC) built box by box, for the layouts avifenc does not
 * write (iloc versions 1 and 2, 8-byte fields, split extents, 64-bit box sizes) and for
 * malformed ones. The real AVIFs are e2e/fixtures/photos/*.avif (scripts/make-fixtures.py).
 * The image data is a stand-in: these files are for the metadata readers, not for a decoder.
 */

const ascii = (text: string) => new TextEncoder().encode(text);

function concat(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A big-endian unsigned integer of `size` bytes (0, 1, 2, 4 or 8). */
export function uint(value: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = size - 1, rest = value; i >= 0; i--, rest = Math.floor(rest / 256)) {
    bytes[i] = rest % 256;
  }
  return bytes;
}

export function box(type: string, ...payload: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const body = concat(...payload);
  return concat(uint(8 + body.length, 4), ascii(type), body);
}

/** A box with a 64-bit size (size field 1, then largesize). */
function largeBox(type: string, ...payload: readonly Uint8Array[]): Uint8Array {
  const body = concat(...payload);
  return concat(uint(1, 4), ascii(type), uint(16 + body.length, 8), body);
}

function fullBox(type: string, version: number, flags: number, ...payload: Uint8Array[]) {
  return box(type, uint(version, 1), uint(flags, 3), ...payload);
}

/** A TIFF block: IFD0 with orientation and camera make (big-endian). */
export function tiffBlock(orientation: number, make: string): Uint8Array {
  const text = concat(ascii(make), new Uint8Array([0]));
  const ifd = concat(
    uint(2, 2),
    concat(uint(0x010f, 2), uint(2, 2), uint(text.length, 4), uint(38, 4)),
    concat(uint(0x0112, 2), uint(3, 2), uint(1, 4), uint(orientation, 2), uint(0, 2)),
    uint(0, 4),
  );
  return concat(ascii('MM'), uint(42, 2), uint(8, 4), ifd, text);
}

export interface HeifLayout {
  /** 'avif' or 'heic': the ftyp brand and the primary item's type. */
  readonly brand: 'avif' | 'heic';
  readonly width: number;
  readonly height: number;
  /** irot angle (quarter turns anticlockwise); no irot property when undefined. */
  readonly irot?: number;
  /** The Exif item's payload after its 4-byte TIFF-header offset; no Exif item when undefined. */
  readonly exif?: Uint8Array;
  /** Bytes between that offset field and the TIFF header ("Exif\0\0" in practice). */
  readonly exifPrefix?: Uint8Array;
  /** iloc version (0–2) and field sizes; index_size only for versions 1 and 2. */
  readonly iloc?: {
    readonly version: number;
    readonly offsetSize: number;
    readonly lengthSize: number;
    readonly baseOffsetSize: number;
    readonly indexSize?: number;
    readonly constructionMethod?: number;
  };
  /** Split the Exif item into this many extents. */
  readonly extents?: number;
  /** Write mdat with a 64-bit size. */
  readonly largeMdat?: boolean;
}

const PRIMARY = 1;
const EXIF = 2;

/** A HEIF file: ftyp, meta (hdlr, pitm, iinf, iloc, iprp) and mdat with the Exif item. */
export function heifFile(layout: HeifLayout): Uint8Array<ArrayBuffer> {
  const iloc = layout.iloc ?? { version: 0, offsetSize: 4, lengthSize: 4, baseOffsetSize: 0 };
  const idSize = iloc.version === 2 ? 4 : 2;
  const exifItem =
    layout.exif === undefined
      ? undefined
      : concat(
          uint(layout.exifPrefix?.length ?? 0, 4),
          layout.exifPrefix ?? new Uint8Array(),
          layout.exif,
        );
  const image = new Uint8Array(16).fill(0xaa); // stands in for the coded image
  const ftyp = box('ftyp', ascii(layout.brand), uint(0, 4), ascii('mif1'), ascii(layout.brand));

  /** The meta box with the mdat payload at `mdatStart`: [image, Exif item]. */
  const meta = (mdatStart: number) => {
    const infe = (id: number, type: string) =>
      iloc.version === 2
        ? fullBox('infe', 3, 0, uint(id, 4), uint(0, 2), ascii(type), new Uint8Array([0]))
        : fullBox('infe', 2, 0, uint(id, 2), uint(0, 2), ascii(type), new Uint8Array([0]));
    const primaryType = layout.brand === 'avif' ? 'av01' : 'hvc1';
    const items = [infe(PRIMARY, primaryType)];
    if (exifItem !== undefined) items.push(infe(EXIF, 'Exif'));
    const iinf = fullBox('iinf', 0, 0, uint(items.length, 2), ...items);

    const location = (id: number, start: number, length: number, parts: number) => {
      const head = [uint(id, idSize)];
      if (iloc.version > 0) head.push(uint(iloc.constructionMethod ?? 0, 2));
      // With a base offset, extent offsets count from it.
      const base = iloc.baseOffsetSize > 0 ? start : 0;
      head.push(uint(0, 2), uint(base, iloc.baseOffsetSize), uint(parts, 2));
      const size = Math.ceil(length / parts);
      for (let p = 0; p < parts; p++) {
        const offset = start - base + p * size;
        if (iloc.version > 0 && (iloc.indexSize ?? 0) > 0) head.push(uint(0, iloc.indexSize ?? 0));
        head.push(uint(offset, iloc.offsetSize));
        head.push(uint(Math.min(size, length - p * size), iloc.lengthSize));
      }
      return concat(...head);
    };
    const sizes =
      (iloc.offsetSize << 12) |
      (iloc.lengthSize << 8) |
      (iloc.baseOffsetSize << 4) |
      (iloc.version > 0 ? (iloc.indexSize ?? 0) : 0);
    const locations = [location(PRIMARY, mdatStart, image.length, 1)];
    if (exifItem !== undefined) {
      const start = mdatStart + image.length;
      locations.push(location(EXIF, start, exifItem.length, layout.extents ?? 1));
    }
    const ilocBox = fullBox(
      'iloc',
      iloc.version,
      0,
      uint(sizes, 2),
      uint(locations.length, idSize),
      ...locations,
    );

    const properties = [fullBox('ispe', 0, 0, uint(layout.width, 4), uint(layout.height, 4))];
    if (layout.irot !== undefined) properties.push(box('irot', uint(layout.irot, 1)));
    const ipco = box('ipco', ...properties);
    // Version 1 (32-bit item ids) and flags 1 (16-bit property indices) with version 2 iloc.
    const wide = iloc.version === 2;
    const association = (index: number) => uint(0x80 * (wide ? 256 : 1) + index, wide ? 2 : 1);
    const ipma = fullBox(
      'ipma',
      wide ? 1 : 0,
      wide ? 1 : 0,
      uint(1, 4),
      uint(PRIMARY, wide ? 4 : 2),
      uint(properties.length, 1),
      ...properties.map((_, i) => association(i + 1)),
    );
    return fullBox(
      'meta',
      0,
      0,
      fullBox('hdlr', 0, 0, uint(0, 4), ascii('pict'), new Uint8Array(13)),
      fullBox('pitm', 0, 0, uint(PRIMARY, 2)),
      iinf,
      ilocBox,
      box('iprp', ipco, ipma),
    );
  };

  const mdatPayload = concat(image, exifItem ?? new Uint8Array());
  const mdatHeader = layout.largeMdat === true ? 16 : 8;
  // Field sizes are fixed, so the meta box's length does not depend on the offsets in it.
  const metaLength = meta(0).length;
  const mdatStart = ftyp.length + metaLength + mdatHeader;
  const mdat = layout.largeMdat === true ? largeBox('mdat', mdatPayload) : box('mdat', mdatPayload);
  return concat(ftyp, meta(mdatStart), mdat);
}
