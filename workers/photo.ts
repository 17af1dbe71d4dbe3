/**
 * One photo file → the detector's letterboxed input and a small JPEG thumbnail, with the
 * browser's own decoder (createImageBitmap, EXIF orientation applied) and an OffscreenCanvas.
 * A photo larger than DECODE_MAX_SIDE is decoded scaled down by the decoder itself (the resize
 * options of createImageBitmap), so a 50-megapixel photo never becomes a 200 MB bitmap; the
 * caller refuses photos whose header promises more than MAX_PIXELS before any decoding.
 * The letterbox geometry is the shared one (src/model/letterbox.ts).
 */
import { letterbox, type Letterbox } from '../src/model/letterbox.ts';
import type { PixelSize } from './imageFormat.ts';

/** A file that is not a photo the browser can read; `message` says why, for the skip list. */
export class UnreadablePhotoError extends Error {
  override readonly name = 'UnreadablePhotoError';
}

export interface DecodedPhoto {
  /** Pixel size after EXIF orientation (of the photo, not of the scaled-down decode). */
  readonly width: number;
  readonly height: number;
  readonly geometry: Letterbox;
  /** NHWC RGB 0–255, [1, size, size, 3]. */
  readonly input: Float32Array;
  readonly thumbnail: Blob;
}

export interface DecodeOptions {
  /** The detector's square input side. */
  readonly inputSize: number;
  readonly padValue: number;
  /** Size after orientation, from the file's header; undefined when it could not be read. */
  readonly orientedSize: PixelSize | undefined;
  /** For messages: "JPEG", "PNG", … */
  readonly formatName: string;
}

export type PhotoDecoder = (file: Blob, options: DecodeOptions) => Promise<DecodedPhoto>;

/** Longest side of a stored thumbnail, in pixels (sharp at 2× in a 128 px grid cell). */
export const THUMBNAIL_SIZE = 256;
const THUMBNAIL_QUALITY = 0.8;
/** Longest side decoded: 4× the detector input, plenty for it and the thumbnail. */
export const DECODE_MAX_SIDE = 2048;
/** Photos above this are refused before decoding (a 200-megapixel panorama is 800 MB RGBA). */
export const MAX_PIXELS = 200_000_000;

function context(canvas: OffscreenCanvas): OffscreenCanvasRenderingContext2D {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (ctx === null) throw new Error('no 2D canvas context in this worker');
  return ctx;
}

function detectorInput(bitmap: ImageBitmap, geometry: Letterbox, padValue: number): Float32Array {
  const { inputSize, offsetX, offsetY, scaledWidth, scaledHeight } = geometry;
  const canvas = new OffscreenCanvas(inputSize, inputSize);
  const ctx = context(canvas);
  ctx.fillStyle = `rgb(${padValue} ${padValue} ${padValue})`;
  ctx.fillRect(0, 0, inputSize, inputSize);
  // Plain bilinear, as the detector saw in training (cv2 INTER_LINEAR).
  ctx.imageSmoothingQuality = 'low';
  ctx.drawImage(bitmap, offsetX, offsetY, scaledWidth, scaledHeight);
  const rgba = ctx.getImageData(0, 0, inputSize, inputSize).data;
  const input = new Float32Array(inputSize * inputSize * 3);
  for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
    input[q] = rgba[p] ?? 0;
    input[q + 1] = rgba[p + 1] ?? 0;
    input[q + 2] = rgba[p + 2] ?? 0;
  }
  return input;
}

async function thumbnailOf(bitmap: ImageBitmap): Promise<Blob> {
  const scale = Math.min(1, THUMBNAIL_SIZE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  const ctx = context(canvas);
  // JPEG has no alpha: transparent pixels would turn black; show them on white.
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, width, height);
  return canvas.convertToBlob({ type: 'image/jpeg', quality: THUMBNAIL_QUALITY });
}

/** createImageBitmap options: orientation from EXIF, and a scaled decode for big photos. */
function bitmapOptions(size: PixelSize | undefined): ImageBitmapOptions {
  const options: ImageBitmapOptions = { imageOrientation: 'from-image' };
  if (size === undefined || Math.max(size.width, size.height) <= DECODE_MAX_SIDE) return options;
  // One side only: the decoder keeps the aspect ratio, even if the header's size was off.
  return size.width >= size.height
    ? { ...options, resizeWidth: DECODE_MAX_SIDE, resizeQuality: 'medium' }
    : { ...options, resizeHeight: DECODE_MAX_SIDE, resizeQuality: 'medium' };
}

export const decodePhoto: PhotoDecoder = async (file, options) => {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, bitmapOptions(options.orientedSize));
  } catch (error) {
    throw new UnreadablePhotoError(
      `damaged or incomplete ${options.formatName} file: the browser cannot decode it`,
      { cause: error },
    );
  }
  try {
    const geometry = letterbox(bitmap.width, bitmap.height, options.inputSize);
    return {
      width: options.orientedSize?.width ?? bitmap.width,
      height: options.orientedSize?.height ?? bitmap.height,
      geometry,
      input: detectorInput(bitmap, geometry, options.padValue),
      thumbnail: await thumbnailOf(bitmap),
    };
  } finally {
    bitmap.close();
  }
};
