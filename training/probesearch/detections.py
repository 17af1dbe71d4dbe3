"""CenterNet decoding (the Python mirror of src/model/detections.ts) and box-matching helpers.

Both sides compute in float64 from the float32 network outputs with the same operation order,
so decoded boxes agree to the last bit; training/testdata/detection_decode_cases.json holds
the golden cases both test suites check.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

INPUT_SIZE = 512
STRIDE = 4

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Detection:
    class_index: int
    score: float
    box: Box  # x0, y0, x1, y1 normalised to the original image, clipped to 0..1


@dataclass(frozen=True)
class Letterbox:
    width: int
    height: int
    input_size: int
    scaled_width: int
    scaled_height: int
    offset_x: int
    offset_y: int


@dataclass(frozen=True)
class DecodeOptions:
    score_threshold: float
    max_regions: int
    max_candidates: int = 100
    nms_iou: float | None = None  # class-agnostic greedy NMS when set


def _round_half_up(v: float) -> int:
    """JavaScript's Math.round for positive numbers (Python's round() is banker's rounding)."""
    return math.floor(v + 0.5)


def letterbox(width: int, height: int, input_size: int = INPUT_SIZE) -> Letterbox:
    """Mirror of letterbox() in src/model/letterbox.ts."""
    if width <= 0 or height <= 0:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    scale = min(input_size / height, input_size / width)
    scaled_width = min(input_size, max(1, _round_half_up(width * scale)))
    scaled_height = min(input_size, max(1, _round_half_up(height * scale)))
    return Letterbox(width, height, input_size, scaled_width, scaled_height,
                     (input_size - scaled_width) // 2, (input_size - scaled_height) // 2)


def _clip01(v: float) -> float:
    return min(1.0, max(0.0, v))


def input_box_to_image(box: Box, geometry: Letterbox) -> Box:
    g = geometry
    return (
        _clip01((box[0] - g.offset_x) / g.scaled_width),
        _clip01((box[1] - g.offset_y) / g.scaled_height),
        _clip01((box[2] - g.offset_x) / g.scaled_width),
        _clip01((box[3] - g.offset_y) / g.scaled_height),
    )


def iou(a: Box, b: Box) -> float:
    """Intersection over union; 0 when both boxes are empty."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    area_a = max(0.0, a[2] - a[0]) * max(0.0, a[3] - a[1])
    area_b = max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])
    union = area_a + area_b - inter
    return inter / union if union > 0 else 0.0


def _peak_indices(heatmap: np.ndarray, threshold: float) -> np.ndarray:
    """Flat NHWC indices of cells ≥ threshold that equal their 3×3 max-pool (SAME padding)."""
    grid_h, grid_w, _ = heatmap.shape
    padded = np.pad(heatmap, ((1, 1), (1, 1), (0, 0)), constant_values=-np.inf)
    pooled = np.max([padded[dy:dy + grid_h, dx:dx + grid_w] for dy in range(3) for dx in range(3)], axis=0)
    # Compare in float64 like JavaScript does (NumPy 1.x would cast the threshold to float32).
    keep = (heatmap == pooled) & (heatmap.astype(np.float64) >= threshold)
    return np.flatnonzero(keep.reshape(-1))


def nms(detections: list[Detection], iou_threshold: float) -> list[Detection]:
    """Greedy class-agnostic NMS over detections already sorted by score: drops IoU > threshold."""
    kept: list[Detection] = []
    for det in detections:
        if all(iou(det.box, k.box) <= iou_threshold for k in kept):
            kept.append(det)
    return kept


def decode(heatmap: np.ndarray, wh: np.ndarray, geometry: Letterbox, options: DecodeOptions,
           stride: int = STRIDE) -> list[Detection]:
    """heatmap [grid, grid, C] (already sigmoid), wh [grid, grid, 4] → detections, best first."""
    heatmap = np.asarray(heatmap, dtype=np.float32)
    wh = np.asarray(wh, dtype=np.float32)
    grid_h, grid_w, channels = heatmap.shape
    if wh.shape != (grid_h, grid_w, 4):
        raise ValueError(f"wh shape {wh.shape} does not match heatmap {heatmap.shape}")
    flat = heatmap.reshape(-1)
    peaks = _peak_indices(heatmap, options.score_threshold)
    # Score descending, ties by lower flat index (stable sort of ascending indices).
    order = peaks[np.argsort(-flat[peaks].astype(np.float64), kind="stable")][: options.max_candidates]
    wh_flat = wh.reshape(-1, 4)
    candidates = []
    for index in order.tolist():
        cell, class_index = divmod(index, channels)
        y, x = divmod(cell, grid_w)
        d = [float(v) for v in wh_flat[cell]]
        box = (stride * x - d[0], stride * y - d[1], stride * x + d[2], stride * y + d[3])
        candidates.append(Detection(class_index, float(flat[index]), input_box_to_image(box, geometry)))
    return postprocess(candidates, options)


def postprocess(candidates: list[Detection], options: DecodeOptions) -> list[Detection]:
    """The decode steps after peak picking, on peaks sorted best first (as decode() yields
    them). Re-applying stricter options to a low-threshold decode gives what decode() with
    those options would: the evaluation sweeps thresholds this way."""
    kept = [d for d in candidates if d.score >= options.score_threshold][: options.max_candidates]
    if options.nms_iou is not None:
        kept = nms(kept, options.nms_iou)
    return kept[: options.max_regions]


@dataclass(frozen=True)
class MatchCounts:
    true_positives: int
    predictions: int
    ground_truths: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predictions if self.predictions else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.ground_truths if self.ground_truths else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: MatchCounts) -> MatchCounts:
        return MatchCounts(self.true_positives + other.true_positives,
                           self.predictions + other.predictions,
                           self.ground_truths + other.ground_truths)


def match(predictions: list[Detection], truths: list[tuple[int, Box]], iou_threshold: float = 0.5) -> MatchCounts:
    """Class-aware greedy matching by score: each prediction takes the unmatched same-class
    truth with the highest IoU ≥ threshold (COCO-style)."""
    used = [False] * len(truths)
    hits = 0
    for det in sorted(predictions, key=lambda d: -d.score):
        best, best_iou = -1, iou_threshold
        for i, (cls, box) in enumerate(truths):
            if used[i] or cls != det.class_index:
                continue
            overlap = iou(det.box, box)
            if overlap >= best_iou:
                best, best_iou = i, overlap
        if best >= 0:
            used[best] = True
            hits += 1
    return MatchCounts(hits, len(predictions), len(truths))
