"""Detections -> the vision encoder's region tokens. The browser mirrors this exactly
(src/model/regions.ts); golden vectors pin both."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .detections import Detection

FEATURES = ("cx", "cy", "w", "h", "area", "score")


def region_tokens(detections: Sequence["Detection"], max_regions: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Highest-scoring `max_regions` detections (ties: earlier first) -> class ids int64 [R],
    features float32 [R, 6] (FEATURES), mask bool [R]; padding rows are zero and masked out."""
    order = sorted(range(len(detections)), key=lambda i: -detections[i].score)[:max_regions]
    classes = np.zeros(max_regions, np.int64)
    features = np.zeros((max_regions, len(FEATURES)), np.float32)
    mask = np.zeros(max_regions, bool)
    for row, i in enumerate(order):
        d = detections[i]
        x0, y0, x1, y1 = d.box
        w, h = max(0.0, x1 - x0), max(0.0, y1 - y0)
        classes[row] = d.class_index
        features[row] = ((x0 + x1) / 2, (y0 + y1) / 2, w, h, w * h, d.score)
        mask[row] = True
    return classes, features, mask
