"""Training loops for the three architectures, from the same data and the same loss.

Scoring all B^2 in-batch pairs through the cross layers is far too slow on 2 CPU cores, so each
anchor's positive is scored against its hardest in-batch negatives, picked by a cheap global
similarity (the model's own globals for Cross-Probe BERT; the trained two-tower's for the full
cross-encoder, which has no cheap score of its own). Pairs that are in fact matches (the caption
also holds for the other image) are never used as negatives.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

from .loss import bidirectional_loss, hard_negatives, lp_hinge
from .model import BackboneModel, CrossProbeModel, FullCrossEncoder, TwoTowerModel, cosine
from .pairs import Batch, PairSource


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 1500
    batch: int = 96
    lr: float = 5e-4
    warmup: int = 100
    clip: float = 2.0
    negatives: int = 8  # hard negatives per anchor and direction (cross-probe)
    ce_negatives: int = 3  # the same for the full cross-encoder (each pair costs ~20x more)
    random_negatives: int = 0  # plus this many drawn at random from the rest (both re-rankers)
    global_weight: float = 0.5  # cross-probe: also train its globals, which shortlist stage 1
    contrast: float = 0.0  # fraction of each batch that is near misses of the rest
    seed: int = 0
    log_every: int = 50

    def to_dict(self) -> dict:
        return asdict(self)


def _global_scores(text_global: Tensor, vision_global: Tensor) -> Tensor:
    return cosine(text_global[:, None, :], vision_global[None, :, :])


def _pairwise_from_negatives(score_pairs, b: int, negatives_t2i: Tensor, valid_t2i: Tensor,
                             negatives_i2t: Tensor, valid_i2t: Tensor) -> Tensor:
    """Scores positives and mined negatives with `score_pairs(text_idx, image_idx)` in one call,
    then applies the L4 hinge in both directions."""
    k1, k2 = negatives_t2i.shape[1], negatives_i2t.shape[1]
    anchors = torch.arange(b)
    text_idx = torch.cat([anchors, anchors.repeat_interleave(k1), negatives_i2t.reshape(-1)])
    image_idx = torch.cat([anchors, negatives_t2i.reshape(-1), anchors.repeat_interleave(k2)])
    scores = score_pairs(text_idx, image_idx)
    pos = scores[:b]
    t2i = scores[b: b + b * k1].view(b, k1)
    i2t = scores[b + b * k1:].view(b, k2)
    return lp_hinge(pos, t2i, valid_t2i) + lp_hinge(pos, i2t, valid_i2t)


def _mine(similarity: Tensor, relevant: Tensor, k: int, k_random: int):
    neg_t2i, ok_t2i = hard_negatives(similarity, relevant, k, k_random)
    neg_i2t, ok_i2t = hard_negatives(similarity.t(), relevant.t(), k, k_random)
    return neg_t2i, ok_t2i, neg_i2t, ok_i2t


def step_loss(model: nn.Module, batch: Batch, cfg: TrainConfig,
              miner: TwoTowerModel | None = None) -> Tensor:
    if isinstance(model, TwoTowerModel):
        _, tg = model.encode_text(batch.ids)
        _, vg = model.encode_vision(batch.classes, batch.features, batch.region_mask)
        return bidirectional_loss(_global_scores(tg, vg), batch.off_diagonal_matches())
    if isinstance(model, BackboneModel):
        tp, tg = model.encode_text(batch.ids)
        vp, vg = model.encode_vision(batch.classes, batch.features, batch.region_mask)
        relevant = batch.off_diagonal_matches()
        probes = _global_scores(model.probe_tower(tp), model.probe_tower(vp))
        return (bidirectional_loss(_global_scores(tg, vg), relevant)
                + bidirectional_loss(probes, relevant))
    if isinstance(model, CrossProbeModel):
        tp, tg = model.encode_text(batch.ids)
        vp, vg = model.encode_vision(batch.classes, batch.features, batch.region_mask)
        glob = _global_scores(tg, vg)
        mined = _mine(glob.detach(), batch.matches, cfg.negatives, cfg.random_negatives)
        cross = _pairwise_from_negatives(
            lambda t, i: model.cross(tp[t], tg[t], vp[i], vg[i]), len(batch), *mined)
        return cross + cfg.global_weight * bidirectional_loss(glob, batch.off_diagonal_matches())
    if isinstance(model, FullCrossEncoder):
        assert miner is not None, "the full cross-encoder mines negatives with a two-tower model"
        with torch.no_grad():
            _, tg = miner.encode_text(batch.ids)
            _, vg = miner.encode_vision(batch.classes, batch.features, batch.region_mask)
        mined = _mine(_global_scores(tg, vg), batch.matches, cfg.ce_negatives, cfg.random_negatives)
        return _pairwise_from_negatives(
            lambda t, i: model.score(batch.ids[t], batch.classes[i], batch.features[i],
                                     batch.region_mask[i]), len(batch), *mined)
    raise TypeError(f"unknown model {type(model).__name__}")


def _lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warm-up then cosine decay to 10%."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def train(model: nn.Module, source: PairSource, cfg: TrainConfig,
          miner: TwoTowerModel | None = None, log=print) -> list[float]:
    """Trains in place; returns the loss of every step."""
    torch.manual_seed(cfg.seed)
    gen = source.generator(cfg.seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=cfg.lr)
    losses: list[float] = []
    model.train()
    started = time.time()
    for step in range(cfg.steps):
        for group in opt.param_groups:
            group["lr"] = _lr_at(step, cfg)
        batch = source.batch(gen, cfg.batch, cfg.contrast)
        loss = step_loss(model, batch, cfg, miner)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(params, cfg.clip)
        opt.step()
        losses.append(float(loss))
        if cfg.log_every and (step + 1) % cfg.log_every == 0:
            recent = sum(losses[-cfg.log_every:]) / cfg.log_every
            log(f"  [{getattr(model, 'kind', '?')}] step {step + 1}/{cfg.steps} "
                f"loss {recent:.4f} ({(time.time() - started) / (step + 1):.2f} s/step)")
    model.eval()
    return losses


def build_models(kind: str, model_cfg, word_vectors: Tensor, label_vectors: Tensor,
                 seed: int) -> nn.Module:
    torch.manual_seed(seed)
    classes: dict[str, type[nn.Module]] = {
        "backbone": BackboneModel, "two-tower": TwoTowerModel, "cross-probe": CrossProbeModel,
        "full-cross-encoder": FullCrossEncoder,
    }
    return classes[kind](model_cfg, word_vectors, label_vectors)

