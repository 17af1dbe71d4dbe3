"""The bidirectional Lp hinge loss and the hard-negative miner."""
from __future__ import annotations

import math

import torch

from probesearch.loss import MARGIN, bidirectional_loss, hard_negatives, lp_hinge

# lp_hinge adds 1e-12 inside the 4th root so the gradient at zero cost stays finite, and
# subtracts its root again so that an anchor with no violating negative costs exactly 0.
EPS = 1e-12
FLOOR = EPS ** 0.25


def l4(*costs: float) -> float:
    return (sum(c ** 4 for c in costs) + EPS) ** 0.25 - FLOOR


def test_lp_hinge_matches_a_hand_computation():
    positive = torch.tensor([0.9, 0.5], dtype=torch.float64)
    negatives = torch.tensor([[0.8, 0.1, 0.75], [0.6, 0.2, 0.4]], dtype=torch.float64)
    valid = torch.ones(2, 3, dtype=torch.bool)
    # anchor 0: costs max(0, 0.2 - 0.9 + s) = 0.1, 0, 0.05
    # anchor 1: costs 0.3, 0, 0.1
    expected = (l4(0.1, 0.05) + l4(0.3, 0.1)) / 2
    assert math.isclose(float(lp_hinge(positive, negatives, valid)), expected, rel_tol=1e-12)


def test_no_loss_and_no_gradient_when_positives_win_by_the_margin():
    positive = torch.tensor([0.9, 0.7], requires_grad=True)
    negatives = torch.tensor([[0.7, 0.1], [0.5, -0.3]], requires_grad=True)
    loss = lp_hinge(positive, negatives, torch.ones(2, 2, dtype=torch.bool))
    assert float(loss) == 0.0
    loss.backward()
    assert torch.equal(positive.grad, torch.zeros(2))
    assert torch.equal(negatives.grad, torch.zeros(2, 2))


def test_invalid_negatives_are_ignored():
    positive = torch.tensor([0.5])
    negatives = torch.tensor([[0.9, 0.6]])
    only_second = lp_hinge(positive, negatives, torch.tensor([[False, True]]))
    alone = lp_hinge(positive, negatives[:, 1:], torch.tensor([[True]]))
    assert math.isclose(float(only_second), float(alone), rel_tol=1e-6)
    assert math.isclose(float(alone), l4(0.3), rel_tol=1e-5)
    everything_invalid = lp_hinge(positive, negatives, torch.zeros(1, 2, dtype=torch.bool))
    assert float(everything_invalid) == 0.0


def test_bidirectional_loss_scores_both_directions_and_skips_relevant_pairs():
    scores = torch.tensor([[0.9, 0.8], [0.1, 0.3]], dtype=torch.float64)
    relevant = torch.eye(2, dtype=torch.bool)
    # text anchors: row 0 cost max(0, 0.2-0.9+0.8)=0.1; row 1 cost max(0, 0.2-0.3+0.1)=0
    # image anchors: column 0 cost max(0, 0.2-0.9+0.1)=0; column 1 cost max(0, 0.2-0.3+0.8)=0.7
    texts = (l4(0.1) + l4()) / 2
    images = (l4() + l4(0.7)) / 2
    assert math.isclose(float(bidirectional_loss(scores, relevant)), texts + images,
                        rel_tol=1e-9)
    # The diagonal itself is never a negative: a margin violation it would cause (0.2) is absent.
    assert float(bidirectional_loss(torch.eye(2, dtype=torch.float64), relevant)) < MARGIN / 10


def test_hard_negatives_never_return_a_matching_column():
    generator = torch.Generator().manual_seed(0)
    similarity = torch.rand(8, 8, generator=generator)
    relevant = torch.rand(8, 8, generator=generator) < 0.4
    relevant.fill_diagonal_(True)
    relevant[3] = True  # an anchor without any negative
    relevant[5] = True
    relevant[5, 2] = False  # exactly one negative
    index, valid = hard_negatives(similarity, relevant, k=3)
    assert index.shape == valid.shape == (8, 3)
    for row in range(8):
        negatives = (~relevant[row]).nonzero().flatten().tolist()
        chosen = index[row][valid[row]].tolist()
        assert not relevant[row, chosen].any()
        assert len(chosen) == min(3, len(negatives))
        # the most similar negatives, best first
        best = sorted(negatives, key=lambda j: -float(similarity[row, j]))[: len(chosen)]
        assert chosen == best
    assert not valid[3].any() and valid[5].tolist() == [True, False, False]


def test_random_negatives_come_after_the_hard_ones_and_never_repeat_or_match():
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    similarity = torch.rand(12, 12, generator=generator)
    relevant = torch.rand(12, 12, generator=generator) < 0.3
    relevant.fill_diagonal_(True)
    hard, _ = hard_negatives(similarity, relevant, k=3)
    index, valid = hard_negatives(similarity, relevant, k=3, k_random=4)
    assert index.shape == valid.shape == (12, 7)
    assert torch.equal(index[:, :3], hard)
    for row in range(12):
        chosen = index[row][valid[row]].tolist()
        negatives = (~relevant[row]).sum().item()
        assert len(chosen) == len(set(chosen)) == min(7, negatives)
        assert not relevant[row, chosen].any()
