"""(caption, detections) training pairs from synthetic layouts.

Detections are re-simulated each time a layout is drawn (fresh detector noise is free data
augmentation), and part of each batch can be near misses of its other layouts (one object moved,
added or removed), generated afresh. Which pairs match is decided by the captions' logical forms, not by index, so a
caption that also holds for another image in the batch is never pushed away from it.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from . import synth
from .regions import region_tokens


@dataclass
class Batch:
    ids: Tensor  # [B, L] int64, 0 = padding
    classes: Tensor  # [B, R] int64
    features: Tensor  # [B, R, 6] float32
    region_mask: Tensor  # [B, R] bool
    matches: Tensor  # [B, B] bool: caption i holds for layout j (diagonal True)

    def __len__(self) -> int:
        return self.ids.shape[0]

    def off_diagonal_matches(self) -> Tensor:
        return self.matches & ~torch.eye(len(self), dtype=torch.bool)


def stack_regions(detection_lists: Sequence[Sequence], max_regions: int
                  ) -> tuple[Tensor, Tensor, Tensor]:
    """Region tokens for several images, trimmed to the longest (at least one slot)."""
    rows = [region_tokens(d, max_regions) for d in detection_lists]
    width = max(1, max(int(m.sum()) for _, _, m in rows))
    classes = torch.from_numpy(np.stack([c[:width] for c, _, _ in rows]))
    features = torch.from_numpy(np.stack([f[:width] for _, f, _ in rows]))
    mask = torch.from_numpy(np.stack([m[:width] for _, _, m in rows]))
    return classes, features, mask


def stack_ids(id_rows: Sequence[np.ndarray]) -> Tensor:
    """Token id rows (padded with 0) trimmed to the longest real length (at least 1)."""
    ids = np.stack(id_rows)
    width = max(1, int((ids != 0).sum(1).max()))
    return torch.from_numpy(ids[:, :width].astype(np.int64))


class PairSource:
    def __init__(self, layouts: Sequence[synth.Layout], captions: Sequence[Sequence[synth.Caption]],
                 encode_text: Callable[[str], np.ndarray], noise: synth.NoiseModel,
                 score_threshold: float, max_regions: int):
        self.layouts = list(layouts)
        self.captions = [list(c) for c in captions]
        self.encode_text = encode_text
        self.caption_ids = [[encode_text(c.text) for c in cs] for cs in self.captions]
        self.noise = noise
        self.score_threshold = score_threshold
        self.max_regions = max_regions

    @staticmethod
    def generator(seed: int) -> np.random.Generator:
        return np.random.default_rng(seed)

    def batch(self, rng: np.random.Generator, size: int, contrast: float = 0.0) -> Batch:
        """`size` pairs; a `contrast` fraction of them are near misses of other pairs in the
        batch (synth.contrast_variant). Where it can, the near miss and its original each get a
        caption that is false of the other, so the pair teaches what tells them apart."""
        n_variants = int(size * contrast)
        picked = rng.choice(len(self.layouts), size=size - n_variants, replace=False)
        variants: list[synth.Layout] = []
        variant_captions: list[synth.Caption] = []
        for li in picked[:n_variants]:
            original, options = self.layouts[li], []
            while not options:  # an edit can leave nothing to say (rare): edit again
                variant = synth.contrast_variant(original, rng)
                options = synth.captions_for(variant, rng, 4)
            variants.append(variant)
            variant_captions.append(_telling(options, original))
        layouts, forms, ids = [], [], []
        for n, li in enumerate(picked):
            captions = self.captions[li]
            if n < n_variants:
                ci = captions.index(_telling(rng.permutation(captions).tolist(), variants[n]))
            else:
                ci = int(rng.integers(len(captions)))
            layouts.append(self.layouts[li])
            forms.append(captions[ci].form)
            ids.append(self.caption_ids[li][ci])
        for variant, caption in zip(variants, variant_captions):
            layouts.append(variant)
            forms.append(caption.form)
            ids.append(self.encode_text(caption.text))
        detections = [synth.simulate_detections(lay, self.noise, rng, self.score_threshold,
                                                self.max_regions) for lay in layouts]
        matches = torch.tensor([[synth.holds(f, lay) for lay in layouts] for f in forms])
        matches.fill_diagonal_(True)
        classes, features, mask = stack_regions(detections, self.max_regions)
        return Batch(stack_ids(ids), classes, features, mask, matches)


def _telling(options: Sequence[synth.Caption], other: synth.Layout) -> synth.Caption:
    """The first caption that is false of `other`, else the first one."""
    return next((c for c in options if not synth.holds(c.form, other)), options[0])
