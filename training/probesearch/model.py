"""Cross-Probe BERT and its two comparison points, from one set of building blocks.

* One transformer stack (`early` layers then `late` layers) shared by both modalities; only the
  input embeddings are modality-specific (words: frozen GloVe -> projection; regions: label GloVe
  -> projection + learned class offset + box geometry).
* `CrossProbeModel`: each side = its tokens + its own learned probes through the early layers.
  Global = the side's own tokens (probes dropped) through the late layers, sum-pooled over real
  tokens. Pair score = cosine(sum of text-probe outputs + text global, sum of vision-probe
  outputs + vision global), the probe outputs coming from the late layers run over
  [text probes; vision probes] jointly.
* `TwoTowerModel`: the same encoders, score = cosine(text global, vision global).
* `FullCrossEncoder`: the single-stream text-vision BERT: [words; regions] through all layers
  jointly, score = cosine of the sum-pooled word outputs and region outputs.

The layer is pre-LayerNorm with tanh-GELU: both are easy to reproduce exactly in WGSL and ONNX.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .regions import FEATURES

MASKED = -1e9  # additive attention bias for padding; finite so fully-masked rows stay finite


@dataclass(frozen=True)
class ModelConfig:
    width: int = 96
    heads: int = 4
    ffn: int = 384
    early_layers: int = 5
    late_layers: int = 1
    text_probes: int = 4
    vision_probes: int = 8
    max_words: int = 16
    max_regions: int = 24
    glove_dim: int = 100
    classes: int = 80
    ln_eps: float = 1e-5
    dropout: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


class Attention(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.heads = cfg.heads
        self.qkv = nn.Linear(cfg.width, 3 * cfg.width)
        self.out = nn.Linear(cfg.width, cfg.width)

    def forward(self, x: Tensor, bias: Tensor | None) -> Tensor:
        b, n, d = x.shape
        dh = d // self.heads
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, dh).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
        if bias is not None:
            att = att + bias[:, None, None, :]
        out = att.softmax(-1) @ v
        return self.out(out.transpose(1, 2).reshape(b, n, d))


class Layer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.width, eps=cfg.ln_eps)
        self.attn = Attention(cfg)
        self.ln2 = nn.LayerNorm(cfg.width, eps=cfg.ln_eps)
        self.ffn1 = nn.Linear(cfg.width, cfg.ffn)
        self.ffn2 = nn.Linear(cfg.ffn, cfg.width)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x: Tensor, bias: Tensor | None) -> Tensor:
        x = x + self.drop(self.attn(self.ln1(x), bias))
        return x + self.drop(self.ffn2(F.gelu(self.ffn1(self.ln2(x)), approximate="tanh")))


class Stack(nn.Module):
    """Layers run in order; `final_norm` closes the late stack (the outputs that get pooled)."""

    def __init__(self, cfg: ModelConfig, layers: int, final_norm: bool):
        super().__init__()
        self.layers = nn.ModuleList(Layer(cfg) for _ in range(layers))
        self.norm = nn.LayerNorm(cfg.width, eps=cfg.ln_eps) if final_norm else None

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        bias = None if mask is None else (1.0 - mask.to(x.dtype)) * MASKED
        for layer in self.layers:
            x = layer(x, bias)
        return self.norm(x) if self.norm is not None else x


class Embeddings(nn.Module):
    """Modality-specific inputs: words and regions both start from GloVe, so they start aligned."""

    def __init__(self, cfg: ModelConfig, word_vectors: Tensor, label_vectors: Tensor):
        super().__init__()
        # Frozen: words the captions never used keep their GloVe neighbourhood (puppy ~ dog).
        self.register_buffer("word_vectors", word_vectors.float(), persistent=True)
        self.register_buffer("label_vectors", label_vectors.float(), persistent=True)
        self.word_proj = nn.Linear(cfg.glove_dim, cfg.width)
        self.word_pos = nn.Parameter(torch.zeros(cfg.max_words, cfg.width))
        self.label_proj = nn.Linear(cfg.glove_dim, cfg.width)
        with torch.no_grad():
            self.label_proj.weight.copy_(self.word_proj.weight)
            self.label_proj.bias.copy_(self.word_proj.bias)
        self.class_offset = nn.Embedding(cfg.classes, cfg.width)
        nn.init.zeros_(self.class_offset.weight)
        self.geometry = nn.Sequential(
            nn.Linear(len(FEATURES), cfg.width), nn.GELU(approximate="tanh"),
            nn.Linear(cfg.width, cfg.width),
        )

    def words(self, ids: Tensor) -> Tensor:
        return self.word_proj(self.word_vectors[ids]) + self.word_pos[: ids.shape[1]]

    def regions(self, classes: Tensor, features: Tensor) -> Tensor:
        return (self.label_proj(self.label_vectors[classes]) + self.class_offset(classes)
                + self.geometry(features))


def masked_sum(x: Tensor, mask: Tensor) -> Tensor:
    return (x * mask.unsqueeze(-1).to(x.dtype)).sum(1)


def cosine(a: Tensor, b: Tensor, eps: float = 1e-6) -> Tensor:
    """a.b / (max(|a|, eps) max(|b|, eps)), written out so that PyTorch, the ONNX export, the
    TypeScript reference and the WGSL kernel all compute the same formula."""
    return (a * b).sum(-1) / (a.norm(dim=-1).clamp(min=eps) * b.norm(dim=-1).clamp(min=eps))


class ProbeEncoders(nn.Module):
    """The parts Cross-Probe BERT and the two-tower baseline share."""

    def __init__(self, cfg: ModelConfig, word_vectors: Tensor, label_vectors: Tensor):
        super().__init__()
        self.cfg = cfg
        self.embed = Embeddings(cfg, word_vectors, label_vectors)
        self.text_probes = nn.Parameter(torch.randn(cfg.text_probes, cfg.width) * 0.5)
        self.vision_probes = nn.Parameter(torch.randn(cfg.vision_probes, cfg.width) * 0.5)
        self.early = Stack(cfg, cfg.early_layers, final_norm=False)
        self.late = Stack(cfg, cfg.late_layers, final_norm=True)

    def _encode(self, tokens: Tensor, mask: Tensor, probes: Tensor) -> tuple[Tensor, Tensor]:
        b, n, _ = tokens.shape
        p = probes.shape[0]
        seq = torch.cat([tokens, probes.expand(b, p, -1)], 1)
        seq_mask = torch.cat([mask, mask.new_ones(b, p)], 1)
        h = self.early(seq, seq_mask)
        glob = masked_sum(self.late(h[:, :n], mask), mask)
        return h[:, n:], glob

    def encode_text(self, ids: Tensor) -> tuple[Tensor, Tensor]:
        """ids [B, L] (0 = padding) -> text probes [B, Pt, d], text global [B, d]."""
        return self._encode(self.embed.words(ids), ids != 0, self.text_probes)

    def encode_vision(self, classes: Tensor, features: Tensor, mask: Tensor
                      ) -> tuple[Tensor, Tensor]:
        """Regions [B, R] (+ [B, R, 6] features, [B, R] mask) -> probes [B, Pv, d], global [B, d]."""
        return self._encode(self.embed.regions(classes, features), mask, self.vision_probes)

    def cross(self, text_probes: Tensor, text_global: Tensor, vision_probes: Tensor,
              vision_global: Tensor) -> Tensor:
        """Row-aligned pairs -> scores [P]: the only per-pair work of Cross-Probe BERT."""
        pt = text_probes.shape[1]
        h = self.late(torch.cat([text_probes, vision_probes], 1))
        return cosine(h[:, :pt].sum(1) + text_global, h[:, pt:].sum(1) + vision_global)


    def probe_tower(self, probes: Tensor) -> Tensor:
        """One side's probes through the late layers alone, summed: [B, P, d] -> [B, d]."""
        return self.late(probes).sum(1)


class BackboneModel(ProbeEncoders):
    """The shared starting point of all three architectures (the role pretrained BERT plays in
    the paper). Trained on the globals' ranking plus the same ranking by each side's probes
    alone, so that the probes carry their side's content before the cross layers learn to
    compare them: probes that never had a loss of their own start the cross-probe fine-tune as
    noise, and in pilots the fine-tune then only learned to silence them."""

    kind = "backbone"


class CrossProbeModel(ProbeEncoders):
    kind = "cross-probe"


class TwoTowerModel(ProbeEncoders):
    kind = "two-tower"


class FullCrossEncoder(nn.Module):
    """Single-stream baseline: words and regions attend to each other in every layer."""

    kind = "full-cross-encoder"

    def __init__(self, cfg: ModelConfig, word_vectors: Tensor, label_vectors: Tensor):
        super().__init__()
        self.cfg = cfg
        self.embed = Embeddings(cfg, word_vectors, label_vectors)
        self.modality = nn.Parameter(torch.zeros(2, cfg.width))
        self.early = Stack(cfg, cfg.early_layers, final_norm=False)
        self.late = Stack(cfg, cfg.late_layers, final_norm=True)

    def score(self, ids: Tensor, classes: Tensor, features: Tensor, region_mask: Tensor
              ) -> Tensor:
        """Row-aligned pairs -> scores [P]; every pair runs through every layer."""
        words = self.embed.words(ids) + self.modality[0]
        regions = self.embed.regions(classes, features) + self.modality[1]
        word_mask = ids != 0
        mask = torch.cat([word_mask, region_mask], 1)
        h = self.late(self.early(torch.cat([words, regions], 1), mask), mask)
        n = ids.shape[1]
        return cosine(masked_sum(h[:, :n], word_mask), masked_sum(h[:, n:], region_mask))


def layer_flops(cfg: ModelConfig, tokens: int) -> int:
    """Multiply-adds x2 of one layer over `tokens` tokens (weights + attention; norms ignored)."""
    d, f = cfg.width, cfg.ffn
    dense = 2 * tokens * (3 * d * d + d * d + 2 * d * f)
    attention = 2 * 2 * tokens * tokens * d
    return dense + attention


def per_pair_flops(cfg: ModelConfig, words: int, regions: int) -> dict[str, int]:
    """FLOPs that must run for every (query, image) pair, per architecture."""
    probes = cfg.text_probes + cfg.vision_probes
    layers = cfg.early_layers + cfg.late_layers
    return {
        "two-tower": 2 * cfg.width,
        "cross-probe": cfg.late_layers * layer_flops(cfg, probes) + 2 * cfg.width,
        "full-cross-encoder": layers * layer_flops(cfg, words + regions) + 2 * cfg.width,
    }


def parameter_count(model: nn.Module) -> int:
    """Trainable parameters plus the frozen GloVe tables the model ships with."""
    return sum(p.numel() for p in model.parameters()) + sum(b.numel() for b in model.buffers())
