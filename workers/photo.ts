/**
 * One photo file → the detector's letterboxed input and a small JPEG thumbnail, with the
 * browser's own decoder (createImageBitmap, EXIF orientation applied) and an OffscreenCanvas.
 * The letterbox geometry is the shared one (src/model/letterbox.ts).
 */
import { letterbox, type Letterbox } from '../src/model/letterbox.ts';

/** A file that is not a photo the browser can read; `message` says why, for the skip list. */
export class UnreadablePhotoError extends Error {
  override readonly name = 'UnreadablePhotoError';
}

export interface DecodedPhoto {
  /** Pixel size after EXIF orientation. */
  readonly width: number;
  readonly height: number;
  readonly geometry: Letterbox;
  /** NHWC RGB 0–255, [1, size, size, 3]. */
  readonly input: Float32Array;
  readonly thumbnail: Blob;
}

/** Longest side of a stored thumbnail, in pixels (sharp at 2× in a 128 px grid cell). */
export const THUMBNAIL_SIZE = 256;
const THUMBNAIL_QUALITY = 0.8;

const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp|gif|bmp|avif|ico|tiff?|heic|heif)$/i;

export function looksLikeImage(file: File): boolean {
  return file.type.startsWith('image/') || IMAGE_EXTENSIONS.test(file.name);
}

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
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, width, height);
  return canvas.convertToBlob({ type: 'image/jpeg', quality: THUMBNAIL_QUALITY });
}

export async function decodePhoto(
  file: File,
  inputSize: number,
  padValue: number,
): Promise<DecodedPhoto> {
  if (!looksLikeImage(file)) throw new UnreadablePhotoError('not an image file');
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch (error) {
    throw new UnreadablePhotoError(
      `this browser cannot decode it (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  try {
    const geometry = letterbox(bitmap.width, bitmap.height, inputSize);
    return {
      width: bitmap.width,
      height: bitmap.height,
      geometry,
      input: detectorInput(bitmap, geometry, padValue),
      thumbnail: await thumbnailOf(bitmap),
    };
  } finally {
    bitmap.close();
  }
}
