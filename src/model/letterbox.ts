/**
 * Letterbox geometry for the 512×512 detector input (the upstream CenterNet convention):
 * scale the photo by min(512/h, 512/w), centre it on a zero canvas. Pure functions only, so
 * the browser worker (OffscreenCanvas drawImage with the same geometry) and Node agree.
 */

export const DETECTOR_INPUT_SIZE = 512;

export type Box = [x0: number, y0: number, x1: number, y1: number];

export interface Letterbox {
  /** Original image size in pixels. */
  readonly width: number;
  readonly height: number;
  /** Size of the square model input. */
  readonly inputSize: number;
  /** Size of the scaled photo inside the input, in input pixels. */
  readonly scaledWidth: number;
  readonly scaledHeight: number;
  /** Top-left corner of the scaled photo inside the input. */
  readonly offsetX: number;
  readonly offsetY: number;
}

export function letterbox(
  width: number,
  height: number,
  inputSize = DETECTOR_INPUT_SIZE,
): Letterbox {
  if (!(width > 0 && height > 0))
    throw new Error(`image size must be positive, got ${width}×${height}`);
  const scale = Math.min(inputSize / height, inputSize / width);
  // Rounded like cv2.resize(fx=scale) upstream; at least one pixel so thin images stay visible.
  const scaledWidth = Math.min(inputSize, Math.max(1, Math.round(width * scale)));
  const scaledHeight = Math.min(inputSize, Math.max(1, Math.round(height * scale)));
  return {
    width,
    height,
    inputSize,
    scaledWidth,
    scaledHeight,
    offsetX: Math.floor((inputSize - scaledWidth) / 2),
    offsetY: Math.floor((inputSize - scaledHeight) / 2),
  };
}

const clip01 = (v: number): number => Math.min(1, Math.max(0, v));

/** Maps a box in model-input pixels to coordinates normalised to the original image, clipped. */
export function inputBoxToImage(box: Box, geometry: Letterbox): Box {
  const { offsetX, offsetY, scaledWidth, scaledHeight } = geometry;
  return [
    clip01((box[0] - offsetX) / scaledWidth),
    clip01((box[1] - offsetY) / scaledHeight),
    clip01((box[2] - offsetX) / scaledWidth),
    clip01((box[3] - offsetY) / scaledHeight),
  ];
}

/**
 * RGBA pixels (row-major, 4 bytes per pixel, alpha ignored) → letterboxed NHWC float32 RGB in
 * 0–255, [1, size, size, 3]. Bilinear with half-pixel centres (cv2 INTER_LINEAR, canvas
 * drawImage); the margin stays 0.
 */
export function letterboxRgba(
  rgba: Uint8Array | Uint8ClampedArray,
  geometry: Letterbox,
): Float32Array {
  const { width, height, inputSize, scaledWidth, scaledHeight, offsetX, offsetY } = geometry;
  if (rgba.length !== width * height * 4) {
    throw new Error(`expected ${width * height * 4} RGBA bytes, got ${rgba.length}`);
  }
  const out = new Float32Array(inputSize * inputSize * 3);
  const sx = width / scaledWidth;
  const sy = height / scaledHeight;
  for (let y = 0; y < scaledHeight; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, height - 1);
    const wy = fy - y0;
    for (let x = 0; x < scaledWidth; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, width - 1);
      const wx = fx - x0;
      const p00 = (y0 * width + x0) * 4;
      const p01 = (y0 * width + x1) * 4;
      const p10 = (y1 * width + x0) * 4;
      const p11 = (y1 * width + x1) * 4;
      const o = ((y + offsetY) * inputSize + (x + offsetX)) * 3;
      for (let c = 0; c < 3; c++) {
        const v00 = rgba[p00 + c] ?? 0;
        const v10 = rgba[p10 + c] ?? 0;
        const top = v00 + ((rgba[p01 + c] ?? 0) - v00) * wx;
        const bottom = v10 + ((rgba[p11 + c] ?? 0) - v10) * wx;
        out[o + c] = top + (bottom - top) * wy;
      }
    }
  }
  return out;
}
