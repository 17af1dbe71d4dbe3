/**
 * The little of a HEIF file (AVIF, HEIC: ISO/IEC 23008-12 on the ISO base media file format)
 * that indexing needs: the primary image's pixel size and rotation, and its Exif item. It walks
 * the boxes on the way only (meta → pitm, iinf/infe, iloc, iprp/ipco/ipma). Box sizes are
 * checked against their parent before anything inside is read, so a truncated or malformed
 * file (sizes past the end, zero-length boxes) yields fewer fields, never an exception or a
 * loop. Plain TypeScript on bytes, no dependency.
 */

/** A box's payload (after its size, type and, for 64-bit sizes, largesize). */
interface Box {
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

/** Sequential big-endian reads that refuse to go past `end` (RangeError). */
class Cursor {
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    public at: number,
    private readonly end: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private take(size: number): number {
    if (this.at + size > this.end) throw new RangeError('read past the end of the box');
    const at = this.at;
    this.at += size;
    return at;
  }

  u8 = () => this.view.getUint8(this.take(1));
  u16 = () => this.view.getUint16(this.take(2));
  u32 = () => this.view.getUint32(this.take(4));

  /** A four-character code: a box or item type. */
  fourCC(): string {
    const at = this.take(4);
    return String.fromCharCode(...this.bytes.subarray(at, at + 4));
  }

  /** An unsigned integer of 0, 4 or 8 bytes (iloc's field sizes); 8-byte ones must fit 2^53. */
  uint(size: number): number {
    if (size === 0) return 0;
    if (size === 4) return this.u32();
    if (size === 8) {
      const value = this.u32() * 2 ** 32 + this.u32();
      if (!Number.isSafeInteger(value)) throw new RangeError('64-bit value beyond 2^53');
      return value;
    }
    throw new RangeError(`field size ${size} is not 0, 4 or 8`);
  }

  /** Version and flags of a FullBox. */
  fullBox(): { version: number; flags: number } {
    const word = this.u32();
    return { version: word >>> 24, flags: word & 0xffffff };
  }
}

/**
 * The boxes between `start` and `end`. Walking stops at the first box whose header is cut off
 * or whose size is smaller than its header or reaches past `end`: every step moves forward by
 * at least 8 bytes, so a malformed file cannot make it loop.
 */
function children(bytes: Uint8Array, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  const cursor = new Cursor(bytes, start, end);
  while (cursor.at + 8 <= end) {
    const at = cursor.at;
    let size = cursor.u32();
    const type = cursor.fourCC();
    if (size === 1) {
      // A 64-bit size; one beyond 2^53 is past any end anyway.
      if (cursor.at + 8 > end) break;
      size = cursor.u32() * 2 ** 32 + cursor.u32();
    } else if (size === 0) {
      size = end - at; // "extends to the end of the file" (of the enclosing box here)
    }
    const payload = cursor.at;
    if (size < payload - at || at + size > end) break;
    boxes.push({ type, start: payload, end: at + size });
    cursor.at = at + size;
  }
  return boxes;
}

const child = (boxes: readonly Box[], type: string) => boxes.find((box) => box.type === type);

function primaryItem(bytes: Uint8Array, pitm: Box): number {
  const cursor = new Cursor(bytes, pitm.start, pitm.end);
  return cursor.fullBox().version === 0 ? cursor.u16() : cursor.u32();
}

/** Item id → item type ('av01', 'hvc1', 'grid', 'Exif', …) from the iinf box. */
function itemTypes(bytes: Uint8Array, iinf: Box): Map<number, string> {
  const types = new Map<number, string>();
  const cursor = new Cursor(bytes, iinf.start, iinf.end);
  // The entry count is not trusted: the infe boxes that are there are read.
  if (cursor.fullBox().version === 0) cursor.u16();
  else cursor.u32();
  for (const infe of children(bytes, cursor.at, iinf.end)) {
    if (infe.type !== 'infe') continue;
    const entry = new Cursor(bytes, infe.start, infe.end);
    const { version } = entry.fullBox();
    // Versions 0 and 1 have no item type (they predate HEIF's image items).
    if (version < 2) continue;
    const id = version === 2 ? entry.u16() : entry.u32();
    entry.u16(); // item_protection_index
    types.set(id, entry.fourCC());
  }
  return types;
}

interface ItemLocation {
  /** 0: offsets into this file; 1: into the meta's idat box; 2: into another item. */
  readonly constructionMethod: number;
  readonly dataReferenceIndex: number;
  readonly extents: readonly { readonly offset: number; readonly length: number }[];
}

/** Item id → where its bytes are, from the iloc box (versions 0, 1 and 2). */
function itemLocations(bytes: Uint8Array, iloc: Box): Map<number, ItemLocation> {
  const locations = new Map<number, ItemLocation>();
  const cursor = new Cursor(bytes, iloc.start, iloc.end);
  const { version } = cursor.fullBox();
  if (version > 2) return locations;
  const sizes = cursor.u16();
  const offsetSize = sizes >>> 12;
  const lengthSize = (sizes >>> 8) & 0xf;
  const baseOffsetSize = (sizes >>> 4) & 0xf;
  const indexSize = version === 0 ? 0 : sizes & 0xf;
  const itemCount = version < 2 ? cursor.u16() : cursor.u32();
  // Each item takes at least 6 bytes, so a huge count runs out of box (RangeError) quickly.
  for (let i = 0; i < itemCount; i++) {
    const id = version < 2 ? cursor.u16() : cursor.u32();
    const constructionMethod = version === 0 ? 0 : cursor.u16() & 0xf;
    const dataReferenceIndex = cursor.u16();
    const baseOffset = cursor.uint(baseOffsetSize);
    const extentCount = cursor.u16();
    const extents = [];
    for (let e = 0; e < extentCount; e++) {
      cursor.uint(indexSize); // item_reference_index: only for construction method 2
      const offset = baseOffset + cursor.uint(offsetSize);
      extents.push({ offset, length: cursor.uint(lengthSize) });
    }
    locations.set(id, { constructionMethod, dataReferenceIndex, extents });
  }
  return locations;
}

/** The property boxes associated with `item`, from iprp's ipco (the list) and ipma. */
function itemProperties(bytes: Uint8Array, iprp: Box, item: number): Box[] {
  const boxes = children(bytes, iprp.start, iprp.end);
  const ipco = child(boxes, 'ipco');
  if (ipco === undefined) return [];
  const properties = children(bytes, ipco.start, ipco.end);
  const associated: Box[] = [];
  for (const ipma of boxes.filter((box) => box.type === 'ipma')) {
    const cursor = new Cursor(bytes, ipma.start, ipma.end);
    const { version, flags } = cursor.fullBox();
    const entryCount = cursor.u32();
    for (let i = 0; i < entryCount; i++) {
      const id = version < 1 ? cursor.u16() : cursor.u32();
      const count = cursor.u8();
      for (let a = 0; a < count; a++) {
        // The top bit says "essential"; the rest is a 1-based index into ipco.
        const index = flags & 1 ? cursor.u16() & 0x7fff : cursor.u8() & 0x7f;
        const property = properties[index - 1];
        if (id === item && property !== undefined) associated.push(property);
      }
    }
  }
  return associated;
}

/** An item's bytes when they are in this file (construction method 0), extents joined. */
function itemBytes(bytes: Uint8Array, location: ItemLocation): Uint8Array | undefined {
  if (location.constructionMethod !== 0 || location.dataReferenceIndex !== 0) return undefined;
  const parts: Uint8Array[] = [];
  for (const { offset, length } of location.extents) {
    // A length of 0 means "to the end of the file".
    const end = length === 0 ? bytes.length : offset + length;
    if (offset > bytes.length || end > bytes.length) return undefined;
    parts.push(bytes.subarray(offset, end));
  }
  if (parts.length === 1) return parts[0];
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

/** An Exif item: a 4-byte offset to the TIFF header, then the Exif data (ISO/IEC 23008-12 A.2.1). */
function tiffOfExifItem(item: Uint8Array): Uint8Array | undefined {
  if (item.length < 4) return undefined;
  const start = 4 + new DataView(item.buffer, item.byteOffset, item.byteLength).getUint32(0);
  return start < item.length ? item.subarray(start) : undefined;
}

export interface HeifImage {
  /** The primary image's coded size ('ispe'), before its rotation. */
  readonly width?: number;
  readonly height?: number;
  /** Quarter turns anticlockwise of its 'irot' property (0–3), which decoders apply. */
  readonly quarterTurns: number;
  /** The TIFF block of the first Exif item, ready for the TIFF/IFD reader. */
  readonly exifTiff?: Uint8Array;
}

/** Runs `read`, turning a RangeError (malformed or cut-off bytes) into undefined. */
function tolerant<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/** What `bytes` (a whole HEIF file, or its start) says of its primary image. */
export function readHeif(bytes: Uint8Array): HeifImage {
  const image: { -readonly [K in keyof HeifImage]: HeifImage[K] } = { quarterTurns: 0 };
  const metaBox = child(children(bytes, 0, bytes.length), 'meta');
  if (metaBox === undefined) return image;
  // meta is a FullBox: its children start after version and flags.
  const meta = children(bytes, metaBox.start + 4, metaBox.end);
  const pitm = child(meta, 'pitm');
  const iprp = child(meta, 'iprp');
  const primary = pitm === undefined ? undefined : tolerant(() => primaryItem(bytes, pitm));
  if (primary !== undefined && iprp !== undefined) {
    for (const property of tolerant(() => itemProperties(bytes, iprp, primary)) ?? []) {
      if (property.type === 'ispe' && property.end - property.start >= 12) {
        const view = new DataView(bytes.buffer, bytes.byteOffset + property.start + 4, 8);
        image.width = view.getUint32(0);
        image.height = view.getUint32(4);
      } else if (property.type === 'irot' && property.end > property.start) {
        image.quarterTurns = (bytes[property.start] ?? 0) & 3;
      }
    }
  }
  const iinf = child(meta, 'iinf');
  const iloc = child(meta, 'iloc');
  if (iinf === undefined || iloc === undefined) return image;
  const types = tolerant(() => itemTypes(bytes, iinf)) ?? new Map<number, string>();
  const exifItem = [...types].find(([, type]) => type === 'Exif')?.[0];
  const location =
    exifItem === undefined ? undefined : tolerant(() => itemLocations(bytes, iloc).get(exifItem));
  const item = location === undefined ? undefined : itemBytes(bytes, location);
  const tiff = item === undefined ? undefined : tiffOfExifItem(item);
  if (tiff !== undefined) image.exifTiff = tiff;
  return image;
}
