/**
 * Detections -> the vision encoder's region tokens. Mirrors training/probesearch/regions.py
 * exactly; the pack's golden vectors pin both (src/model/pack.test.ts).
 *
 * The arrays are laid out as the vision encoder's ONNX inputs: region_classes int64 [B, R],
 * region_features float32 [B, R, 6], region_mask float32 [B, R] (1 = real region, 0 = padding).
 */
import type { Detection } from './detections.ts';

/** Per-region feature layout, in order (the manifest's vision.regionFeatures must equal it). */
export const REGION_FEATURES = ['cx', 'cy', 'w', 'h', 'area', 'score'] as const;

export interface RegionTokens {
  /** Number of images (rows of maxRegions tokens each). */
  readonly batch: number;
  readonly maxRegions: number;
  /** [batch, maxRegions] detector class indices; 0 in padding rows. */
  readonly classes: BigInt64Array;
  /** [batch, maxRegions, 6] REGION_FEATURES; zeros in padding rows. */
  readonly features: Float32Array;
  /** [batch, maxRegions] 1 for a real region, 0 for padding. */
  readonly mask: Float32Array;
}

/** Indices of the `maxRegions` highest-scoring detections, ties kept in input order. */
function strongestFirst(detections: readonly Detection[], maxRegions: number): number[] {
  return detections
    .map((_, index) => index)
    .sort((a, b) => (detections[b]?.score ?? 0) - (detections[a]?.score ?? 0) || a - b)
    .slice(0, maxRegions);
}

/** Region tokens for a batch of images, one row of `maxRegions` tokens per image. */
export function regionTokens(
  images: readonly (readonly Detection[])[],
  maxRegions: number,
): RegionTokens {
  if (!Number.isInteger(maxRegions) || maxRegions < 1) {
    throw new Error(`regionTokens: maxRegions must be a positive integer, got ${maxRegions}`);
  }
  const width = REGION_FEATURES.length;
  const classes = new BigInt64Array(images.length * maxRegions);
  const features = new Float32Array(images.length * maxRegions * width);
  const mask = new Float32Array(images.length * maxRegions);
  images.forEach((detections, image) => {
    strongestFirst(detections, maxRegions).forEach((index, rank) => {
      const detection = detections[index];
      if (detection === undefined) return;
      const [x0, y0, x1, y1] = detection.box;
      const w = Math.max(0, x1 - x0);
      const h = Math.max(0, y1 - y0);
      const row = image * maxRegions + rank;
      classes[row] = BigInt(detection.classIndex);
      // Computed in float64 and rounded once on store, as numpy does in the Python mirror.
      features.set([(x0 + x1) / 2, (y0 + y1) / 2, w, h, w * h, detection.score], row * width);
      mask[row] = 1;
    });
  });
  return { batch: images.length, maxRegions, classes, features, mask };
}
