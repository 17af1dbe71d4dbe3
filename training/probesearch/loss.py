"""The paper's loss: bidirectional hinge with margin, per-anchor costs combined as an L4 norm.

For a text anchor t with its image v+ and negatives v-: cost(v-) = max(0, margin - s(t, v+) +
s(t, v-)); the anchor's loss = (sum over negatives of cost^4)^(1/4), between VSE's plain sum (L1)
and VSE++'s hardest negative (L-infinity). Same for image anchors. Negatives that are in fact
true matches (a caption that also holds for another image in the batch) are excluded by `valid`.
"""
from __future__ import annotations

import torch
from torch import Tensor

MARGIN = 0.2
NORM_P = 4.0
_EPS = 1e-12


def lp_hinge(positive: Tensor, negatives: Tensor, valid: Tensor, margin: float = MARGIN,
             p: float = NORM_P) -> Tensor:
    """positive [A], negatives [A, K], valid [A, K] bool -> mean over anchors of the Lp cost."""
    cost = (margin - positive[:, None] + negatives).clamp(min=0) * valid.to(negatives.dtype)
    # (sum c^p)^(1/p) has an infinite gradient at 0; a tiny epsilon keeps it finite, and
    # subtracting its root keeps a perfect anchor's loss at exactly 0.
    return ((cost.pow(p).sum(1) + _EPS).pow(1.0 / p) - _EPS ** (1.0 / p)).mean()


def bidirectional_loss(scores: Tensor, relevant: Tensor, margin: float = MARGIN,
                       p: float = NORM_P) -> Tensor:
    """All-pairs form. scores [B, B] (text i, image j), diagonal = positives; relevant [B, B]
    bool marks pairs that also match (never used as negatives)."""
    pos = scores.diagonal()
    valid = ~relevant
    return (lp_hinge(pos, scores, valid, margin, p)
            + lp_hinge(pos, scores.t(), valid.t(), margin, p))


def hard_negatives(similarity: Tensor, relevant: Tensor, k: int, k_random: int = 0
                   ) -> tuple[Tensor, Tensor]:
    """For each row anchor, the k most similar non-matching columns by a cheap similarity, then
    k_random more drawn uniformly from the other non-matching columns. Hard ones alone never
    show the scorer an easy negative, and a re-ranker trained so can lift easy ones above the
    positive. Returns indices [B, k + k_random] and validity (False where too few exist)."""
    masked = similarity.masked_fill(relevant, float("-inf"))
    k = min(k, similarity.shape[1])
    values, index = masked.topk(k, dim=1)
    if k_random == 0:
        return index, torch.isfinite(values)
    taken = relevant.clone()
    taken.scatter_(1, index, True)
    draw = torch.rand(similarity.shape).masked_fill(taken, float("-inf"))
    k_random = min(k_random, similarity.shape[1] - k)
    random_values, random_index = draw.topk(k_random, dim=1)
    return (torch.cat([index, random_index], 1),
            torch.cat([torch.isfinite(values), torch.isfinite(random_values)], 1))
