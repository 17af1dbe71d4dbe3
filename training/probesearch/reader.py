"""Reference rankers for the synthetic test: not models, a measure of what the detections allow.

Every architecture sees an image only through its detections, which miss objects, add false
ones and confuse classes (the noise fitted to the real detector). The *detection reader* parses
each query perfectly (it is given the caption's logical form) and evaluates it on the image's
detections at several confidence levels: an image whose detections make the query true even
when only the confident ones are kept ranks first; ties are broken at random (seeded). It has
no learned sense of what a missed or spurious detection hides. *Reader + two-tower* breaks the
reader's ties by the trained two-tower's global similarity: perfect parsing plus a learned
model's priors. Neither is an upper bound, but together they estimate how much of the test the
detections can decide at all, which the cross-probe's margin over the two-tower is bounded by
in practice.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from . import synth
from .detections import Detection

HIGHEST_LEVEL = 0.7
LEVEL_STEP = 0.05


def confidence_levels(score_threshold: float) -> list[float]:
    """From the detector's threshold up to HIGHEST_LEVEL, in LEVEL_STEP steps."""
    count = int(round((HIGHEST_LEVEL - score_threshold) / LEVEL_STEP)) + 1
    return [round(score_threshold + i * LEVEL_STEP, 4) for i in range(max(count, 1))]


def seen_layouts(detections: Sequence[Sequence[Detection]], level: float) -> list[synth.Layout]:
    """Each image as its detections of score >= level describe it."""
    return [synth.Layout([synth.Obj(d.class_index, d.box) for d in dets if d.score >= level], None)
            for dets in detections]


def reader_grades(forms: Sequence[synth.Form], detections: Sequence[Sequence[Detection]],
                  levels: Sequence[float]) -> np.ndarray:
    """[Q, N]: at how many confidence levels each query holds of each image's detections."""
    grades = np.zeros((len(forms), len(detections)))
    for level in levels:
        seen = seen_layouts(detections, level)
        grades += np.array([[synth.holds(form, layout) for layout in seen] for form in forms])
    return grades


def reader_similarity(grades: np.ndarray, tie_break: Tensor | None, seed: int) -> Tensor:
    """Scores that rank by grade, then by `tie_break` (a [Q, N] similarity in [-1, 1]) or, without
    one, by a seeded random order."""
    if tie_break is None:
        order = torch.from_numpy(np.random.default_rng(seed).random(grades.shape))
    else:
        order = (tie_break.double() + 1) / 2
    # Within one grade step: a tie-break never outranks a whole confidence level.
    return torch.from_numpy(grades) + 0.5 * order.clamp(0, 1)
