"""Shapes, padding invariance and cost of Cross-Probe BERT and its comparison points."""
from __future__ import annotations

import copy

import pytest
import torch

from probesearch.model import (CrossProbeModel, FullCrossEncoder, ModelConfig, TwoTowerModel,
                               cosine, per_pair_flops)

CFG = ModelConfig(width=32, heads=2, ffn=64, early_layers=2, late_layers=1, text_probes=2,
                  vision_probes=3, max_words=8, max_regions=6)
VOCAB = 20
# Padding invariance is checked in float64, so that the bound tests the masking and not
# float32 rounding of differently sized sums (~5e-6 at these magnitudes).
PADDING_TOLERANCE = 1e-6


def _randomised(model: torch.nn.Module) -> torch.nn.Module:
    """Every weight random, zero-initialised ones included (position, class offset, modality)."""
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape) * 0.2)
    return model.eval()


@pytest.fixture(scope="module")
def vectors() -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    return torch.randn(VOCAB, CFG.glove_dim), torch.randn(CFG.classes, CFG.glove_dim)


@pytest.fixture(scope="module")
def cross_probe(vectors) -> CrossProbeModel:
    torch.manual_seed(1)
    return _randomised(CrossProbeModel(CFG, *vectors))


@pytest.fixture(scope="module")
def full_cross(vectors) -> FullCrossEncoder:
    torch.manual_seed(2)
    return _randomised(FullCrossEncoder(CFG, *vectors))


def _float64(model: torch.nn.Module) -> torch.nn.Module:
    return copy.deepcopy(model).double()


def _ids(batch: int, words: int, length: int) -> torch.Tensor:
    ids = torch.zeros(batch, length, dtype=torch.int64)
    ids[:, :words] = torch.randint(2, VOCAB, (batch, words))
    return ids


def _regions(batch: int, real: int, length: int, dtype: torch.dtype = torch.float32
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """`real` regions per image followed by padding rows holding garbage (it must not matter)."""
    classes = torch.randint(0, CFG.classes, (batch, length))
    features = torch.rand(batch, length, 6, dtype=dtype)
    mask = torch.zeros(batch, length, dtype=torch.bool)
    mask[:, :real] = True
    return classes, features, mask


@torch.no_grad()
def test_output_shapes(cross_probe, full_cross):
    b, k = 3, 5
    tp, tg = cross_probe.encode_text(_ids(b, 4, CFG.max_words))
    assert tp.shape == (b, CFG.text_probes, CFG.width) and tg.shape == (b, CFG.width)
    regions = _regions(k, 4, CFG.max_regions)
    vp, vg = cross_probe.encode_vision(*regions)
    assert vp.shape == (k, CFG.vision_probes, CFG.width) and vg.shape == (k, CFG.width)
    assert cross_probe.cross(tp[:1].expand(k, -1, -1), tg[:1].expand(k, -1), vp, vg).shape == (k,)
    assert full_cross.score(_ids(k, 4, CFG.max_words), *regions).shape == (k,)


@torch.no_grad()
def test_padding_words_change_nothing(cross_probe):
    torch.manual_seed(3)
    short = _ids(2, 5, 5)
    padded = torch.cat([short, torch.zeros(2, CFG.max_words - 5, dtype=torch.int64)], 1)
    model = _float64(cross_probe)
    for a, b in zip(model.encode_text(short), model.encode_text(padded)):
        assert (a - b).abs().max() <= PADDING_TOLERANCE


@torch.no_grad()
def test_padding_regions_change_nothing(cross_probe):
    torch.manual_seed(4)
    classes, features, mask = _regions(2, 3, CFG.max_regions, torch.float64)
    short = (classes[:, :3], features[:, :3], mask[:, :3])
    model = _float64(cross_probe)
    for a, b in zip(model.encode_vision(*short), model.encode_vision(classes, features, mask)):
        assert (a - b).abs().max() <= PADDING_TOLERANCE


@torch.no_grad()
def test_full_cross_encoder_ignores_padding(full_cross):
    torch.manual_seed(5)
    ids = _ids(2, 4, CFG.max_words)
    classes, features, mask = _regions(2, 3, CFG.max_regions, torch.float64)
    model = _float64(full_cross)
    short = model.score(ids[:, :4], classes[:, :3], features[:, :3], mask[:, :3])
    padded = model.score(ids, classes, features, mask)
    assert (short - padded).abs().max() <= PADDING_TOLERANCE


@torch.no_grad()
def test_image_without_regions_scores_finitely(vectors, cross_probe, full_cross):
    torch.manual_seed(6)
    ids = _ids(1, 4, CFG.max_words)
    classes, features, mask = _regions(1, 0, CFG.max_regions)
    tp, tg = cross_probe.encode_text(ids)
    vp, vg = cross_probe.encode_vision(classes, features, mask)
    assert torch.equal(vg, torch.zeros_like(vg))  # no regions: nothing to pool
    assert torch.isfinite(vp).all()
    assert torch.isfinite(cross_probe.cross(tp, tg, vp, vg)).all()
    assert torch.isfinite(cosine(tg, vg)).all()  # the two-tower score
    two_tower = _randomised(TwoTowerModel(CFG, *vectors))
    assert torch.isfinite(cosine(two_tower.encode_text(ids)[1],
                                 two_tower.encode_vision(classes, features, mask)[1])).all()
    assert torch.isfinite(full_cross.score(ids, classes, features, mask)).all()


def test_cross_probe_is_at_least_20x_cheaper_per_pair_than_full_cross_encoder():
    cfg = ModelConfig()
    flops = per_pair_flops(cfg, cfg.max_words, cfg.max_regions)
    assert flops["full-cross-encoder"] / flops["cross-probe"] >= 20
    assert flops["two-tower"] < flops["cross-probe"]
