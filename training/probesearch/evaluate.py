"""Recall@K for the three architectures, text->image and image->text.

Protocol. Two-tower ranks the whole gallery by cosine of globals. The two re-rankers score a
shortlist of the `shortlist` best candidates by a global similarity and keep the global order
beyond it: Cross-Probe BERT shortlists with its own globals (exactly what the app does); the
full cross-encoder, which has no cheap score, with the trained two-tower's. A hit at K means one
of the first K results is relevant: on synthetic data any image (caption) whose layout makes the
caption true, judged by the captions' logical forms; on real photos the paired image only.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from .model import CrossProbeModel, FullCrossEncoder, TwoTowerModel
from .pairs import stack_ids, stack_regions

KS = (1, 5, 10)
CHUNK = 2048


@dataclass
class Gallery:
    """Encoded inputs of an evaluation set (unpadded per item, trimmed when stacked)."""

    ids: Tensor  # [Q, L]
    classes: Tensor  # [N, R]
    features: Tensor  # [N, R, 6]
    region_mask: Tensor  # [N, R]

    @staticmethod
    def build(id_rows: Sequence[np.ndarray], detections: Sequence[Sequence], max_regions: int
              ) -> "Gallery":
        return Gallery(stack_ids(id_rows), *stack_regions(detections, max_regions))


@dataclass
class Encoded:
    text_probes: Tensor
    text_global: Tensor
    vision_probes: Tensor
    vision_global: Tensor


@torch.no_grad()
def encode(model: CrossProbeModel | TwoTowerModel, gallery: Gallery) -> Encoded:
    tp, tg = zip(*(model.encode_text(gallery.ids[i:i + CHUNK])
                   for i in range(0, len(gallery.ids), CHUNK)))
    vp, vg = zip(*(model.encode_vision(gallery.classes[i:i + CHUNK],
                                       gallery.features[i:i + CHUNK],
                                       gallery.region_mask[i:i + CHUNK])
                   for i in range(0, len(gallery.classes), CHUNK)))
    return Encoded(torch.cat(tp), torch.cat(tg), torch.cat(vp), torch.cat(vg))


def global_similarity(enc: Encoded) -> Tensor:
    """[Q, N] cosine of text globals and vision globals."""
    t = torch.nn.functional.normalize(enc.text_global, dim=-1, eps=1e-6)
    v = torch.nn.functional.normalize(enc.vision_global, dim=-1, eps=1e-6)
    return t @ v.t()


PairScorer = Callable[[Tensor, Tensor], Tensor]  # (query idx [P], image idx [P]) -> scores [P]


def cross_probe_scorer(model: CrossProbeModel, enc: Encoded) -> PairScorer:
    def score(ti: Tensor, vi: Tensor) -> Tensor:
        return model.cross(enc.text_probes[ti], enc.text_global[ti], enc.vision_probes[vi],
                           enc.vision_global[vi])
    return score


def full_cross_scorer(model: FullCrossEncoder, gallery: Gallery) -> PairScorer:
    def score(ti: Tensor, vi: Tensor) -> Tensor:
        return model.score(gallery.ids[ti], gallery.classes[vi], gallery.features[vi],
                           gallery.region_mask[vi])
    return score


@torch.no_grad()
def rerank(similarity: Tensor, scorer: PairScorer | None, shortlist: int, top: int,
           transpose: bool) -> np.ndarray:
    """Top `top` candidate indices per anchor. similarity is [anchors, candidates]; with
    `transpose` the anchors are images, so the scorer gets (candidate, anchor) pairs."""
    order = similarity.argsort(dim=1, descending=True)
    if scorer is None:
        return order[:, :top].numpy()
    s = min(shortlist, similarity.shape[1])
    heads = order[:, :s]
    anchors = torch.arange(similarity.shape[0]).repeat_interleave(s)
    cands = heads.reshape(-1)
    scores = torch.cat([
        scorer(*((cands[i:i + CHUNK], anchors[i:i + CHUNK]) if transpose
                 else (anchors[i:i + CHUNK], cands[i:i + CHUNK])))
        for i in range(0, len(cands), CHUNK)]).view(-1, s)
    reordered = heads.gather(1, scores.argsort(dim=1, descending=True))
    return torch.cat([reordered, order[:, s:]], 1)[:, :top].numpy()


def recall_at(top: np.ndarray, relevant: Callable[[int, int], bool]) -> dict[str, float]:
    hits = {k: 0 for k in KS}
    for anchor, row in enumerate(top):
        first = next((rank for rank, c in enumerate(row) if relevant(anchor, int(c))), None)
        for k in KS:
            hits[k] += first is not None and first < k
    return {f"R@{k}": 100.0 * hits[k] / len(top) for k in KS}


@dataclass
class Architectures:
    two_tower: TwoTowerModel
    cross_probe: CrossProbeModel
    full_cross: FullCrossEncoder


@dataclass
class GalleryEncodings:
    """A gallery through the two encoding architectures, once, for every evaluation of it."""

    two_tower: Encoded
    cross_probe: Encoded


def encode_gallery(models: Architectures, gallery: Gallery) -> GalleryEncodings:
    return GalleryEncodings(encode(models.two_tower, gallery), encode(models.cross_probe, gallery))


@torch.no_grad()
def evaluate_all(models: Architectures, gallery: Gallery, encodings: GalleryEncodings,
                 relevant_t2i: Callable[[int, int], bool], shortlist: int
                 ) -> dict[str, dict[str, float]]:
    """relevant_t2i(query, image) -> bool. Returns {architecture: {t2i R@K..., i2t R@K...}}."""
    sim_tt = global_similarity(encodings.two_tower)
    sim_cp = global_similarity(encodings.cross_probe)
    runs = {
        "two-tower": (sim_tt, None),
        "cross-probe": (sim_cp, cross_probe_scorer(models.cross_probe, encodings.cross_probe)),
        "full-cross-encoder": (sim_tt, full_cross_scorer(models.full_cross, gallery)),
    }
    return {name: _both_directions(sim, scorer, shortlist, relevant_t2i)
            for name, (sim, scorer) in runs.items()}


def _both_directions(sim: Tensor, scorer: PairScorer | None, shortlist: int,
                     relevant_t2i: Callable[[int, int], bool]) -> dict[str, float]:
    top = max(KS)
    t2i = recall_at(rerank(sim, scorer, shortlist, top, False), relevant_t2i)
    i2t = recall_at(rerank(sim.t(), scorer, shortlist, top, True),
                    lambda image, query: relevant_t2i(query, image))
    return {**{f"t2i {k}": v for k, v in t2i.items()}, **{f"i2t {k}": v for k, v in i2t.items()}}


def recall_of_ranking(similarity: Tensor, relevant_t2i: Callable[[int, int], bool]
                      ) -> dict[str, float]:
    """R@K both ways of a ranking given as a [Q, N] score table (no re-ranking)."""
    return _both_directions(similarity, None, 0, relevant_t2i)


PROBE_CODECS = ("float32", "float16", "int8")


def round_trip_rows(x: Tensor, codec: str) -> Tensor:
    """x through an at-rest probe format and back, as src/storage/probeCodec.ts does it: float16,
    or int8 with one scale per row (max |x| / 127, JavaScript's Math.round)."""
    if codec == "float32":
        return x
    if codec == "float16":
        return x.half().float()
    if codec == "int8":
        scale = x.abs().amax(-1, keepdim=True) / 127
        codes = torch.where(scale > 0, torch.floor(x / scale.clamp(min=1e-30) + 0.5),
                            torch.zeros_like(x))
        return codes * scale
    raise ValueError(f"unknown probe codec {codec}")


@torch.no_grad()
def evaluate_probe_codecs(model: CrossProbeModel, enc: Encoded,
                          relevant_t2i: Callable[[int, int], bool], shortlist: int
                          ) -> dict[str, dict[str, float]]:
    """Cross-probe recall (`enc`: the gallery through `model`) with the photos' stored parts
    (vision probes and global) round-tripped through each at-rest format: the recall a smaller
    probe cache costs."""
    results = {}
    for codec in PROBE_CODECS:
        stored = Encoded(enc.text_probes, enc.text_global,
                         round_trip_rows(enc.vision_probes, codec),
                         round_trip_rows(enc.vision_global, codec))
        results[codec] = _both_directions(global_similarity(stored),
                                          cross_probe_scorer(model, stored), shortlist,
                                          relevant_t2i)
    return results

