/** Node-only: decodes a JPEG or PNG file to RGBA pixels (jpeg-js / pngjs, no native code). */
import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];

export function decodeImage(bytes: Uint8Array): RgbaImage {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    const png = PNG.sync.read(Buffer.from(bytes));
    return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const jpg = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxMemoryUsageInMB: 1024,
    });
    return { width: jpg.width, height: jpg.height, data: jpg.data };
  }
  throw new Error('not a JPEG or PNG file');
}

export function decodeImageFile(path: string): RgbaImage {
  return decodeImage(readFileSync(path));
}
